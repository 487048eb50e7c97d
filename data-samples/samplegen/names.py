"""Names, codes and dates as county clerks write them.

Standard library only: the corpus generator (make_corpus.py) runs where only python3-xlsxwriter
and python3-xlwt are installed.  Functions that draw random choices take `rng`: a numpy
Generator (`.integers(n)`) or a `random.Random` (`.randrange(n)`)."""

import re


def randint(rng, n):
    """A random int in [0, n) from a numpy Generator (rng.integers) or a random.Random (rng.randrange)."""
    integers = getattr(rng, "integers", None)
    if integers is not None:
        return int(integers(n))
    return rng.randrange(n)


COMMITTEE_SUFFIXES = ["社区居民委员会", "社区居委会", "村民委员会", "村委会", "居民委员会", "居委会"]


def split_name(official):
    """(base, kind) with kind 'village', 'community', 'resident' or '' (no committee suffix)."""
    for suf in COMMITTEE_SUFFIXES:
        if official.endswith(suf) and len(official) > len(suf):
            kind = "community" if suf.startswith("社区") else ("village" if suf.startswith("村") else "resident")
            return official[: -len(suf)], kind
    return official, ""


def norm_name(name):
    """The comparison key documented in the README: committee suffix and a trailing 村/社区 removed."""
    s = re.sub(r"\s+", "", name)
    base, _ = split_name(s)
    for suf in ("社区", "村"):
        if base.endswith(suf) and len(base) - len(suf) >= 2:
            base = base[: -len(suf)]
            break
    return base


def written_name(official, style):
    """How a county clerk writes an official name: "official", "cun" (段家庄村) or "bare" (段家庄)."""
    if style == "official":
        return official
    base, kind = split_name(official)
    full = base
    if kind == "village" and not base.endswith("村"):
        full = base + "村"          # 东三新村民委员会 -> 东三新村
    elif kind == "community" and not base.endswith("社区"):
        full = base + "社区"
    if style == "cun":
        return full
    # bare: 段家庄村 -> 段家庄, 富国社区 -> 富国; but 小营新村, 季庄联村, 大沙洼一村 keep their 村
    if full.endswith("村") and len(full) >= 3 and full[-2] not in "新联一二三四五六七八九十":
        return full[:-1]
    if full.endswith("社区") and len(full) >= 4:
        return full[:-2]
    return full


def town_short(name):
    for suf in ("街道办事处", "街道", "办事处", "镇", "乡"):
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def code_cell(code, style, rng=None):
    """A code as a clerk typed it: (cell value, style).  rng is needed only for style "spaces"."""
    if style == "number":
        return int(code), "code"
    if style == "text":
        return code, "text"
    if style == "apostrophe":
        return "'" + code, "text"
    if style == "spaces":
        k = randint(rng, 3)
        if k == 0:
            return " " + code + " ", "text"
        if k == 1:
            return code[:6] + " " + code[6:9] + " " + code[9:], "text"
        return code + " ", "text"
    if style == "fullwidth":
        return code.translate(FULLWIDTH), "text"
    if style == "blank":
        return None, "text"
    raise ValueError(style)


def date_cell(d, style):
    if style == "excel":
        return d, "date"
    if style == "excelcn":
        return d, "datecn"
    if style == "dot":
        return "%d.%d.%d" % (d.year, d.month, d.day), "center"
    if style == "cn":
        return "%d年%d月%d日" % (d.year, d.month, d.day), "center"
    if style == "iso":
        return d.isoformat(), "center"
    raise ValueError(style)
