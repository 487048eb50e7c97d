#!/usr/bin/python3
"""A generated corpus of plan-table layouts, with the expected result of merging each table.

    /usr/bin/python3 data-samples/make_corpus.py --out DIR [--seed 1] [--count 320] \\
        [--villages data-samples/villages.gpkg]

writes DIR/tables/NNNN_<desc>.<xlsx|xls|ods|csv> and DIR/expected.json.  The tables cover the
ways counties send their plans (DOMAIN.md, "How the data really arrives"): xlsx, xls, ods and CSV
(UTF-8 with and without BOM, GB18030); routes in columns (wide) or named in a 改造方式 column
(long); one or two header rows with merged group cells; every written form of the route headers;
shuffled and extra columns; codes and names as clerks write them; 小计/合计 rows, blank rows,
notes, several counties per workbook, empty sheets; and planted faults with their finding codes.
Every village code is used at most once in the whole corpus (except the two parts of a village
within one table), so that all tables can be merged in one run against the villages.

The expected outcome of each table is written from what the generator wrote, never from running
the tool.  Reproducible: the same seed gives byte-identical files.  Needs only Debian's python3
with python3-xlsxwriter and python3-xlwt (the villages are read with sqlite3; no GDAL, numpy or
npm).  See data-samples/README.md.
"""

import argparse
import collections
import datetime
import json
import os
import random
import shutil
import sqlite3
import sys
import time
import urllib.request

from samplegen.names import code_cell, date_cell, norm_name, town_short, written_name
from samplegen.writers import Formula, Grid, col_letter, lay_headers, write_csv, write_ods, write_xls, write_xlsx

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTES = ["district_heating", "gas", "electric", "biomass", "other"]
CREATED = datetime.datetime(2022, 6, 20, 9, 0, 0)

# ---------------------------------------------------------------------------
# words
# ---------------------------------------------------------------------------

# route words by kind: full name, alternates, devices, traditional forms, and the short forms that
# are understood only in the lower row of a two-level header under a household group (never 热)
ROUTE_WORDS = {
    "district_heating": {"full": ["集中供热"], "alt": ["集中供暖"], "device": [], "trad": ["集中供熱"],
                         "short": ["集中", "热网"]},
    "gas": {"full": ["煤改气"], "alt": ["气代煤", "天然气", "燃气"], "device": ["燃气壁挂炉", "壁挂炉"],
            "trad": ["煤改氣"], "short": ["气", "燃气"]},
    "electric": {"full": ["煤改电"], "alt": ["电代煤", "电能"], "device": ["空气源热泵", "蓄热式电暖器"],
                 "trad": ["煤改電"], "short": ["电"]},
    "biomass": {"full": ["生物质"], "alt": [], "device": ["生物质炉具"], "trad": ["生物質"],
                "short": ["生物", "生物质"]},
    "other": {"full": ["其他"], "alt": [], "device": [], "trad": [], "short": ["其他", "其它"]},
}
DEVICES = {"district_heating": [], "gas": ["燃气壁挂炉", "壁挂炉"], "electric": ["空气源热泵", "蓄热式电暖器"],
           "biomass": ["生物质炉具"]}
OTHER_CLEAN = ["地热", "地源热泵", "太阳能"]          # clean routes outside the four: loaded as other
COAL_HEADERS = ["洁净型煤", "型煤", "兰炭", "散煤"]    # not clean: a nonzero count rejects the row
COAL_CELLS = ["洁净型煤", "型煤", "兰炭", "散煤", "燃煤取暖"]
UNKNOWN_METHODS = ["待定", "清洁改造"]                 # name no route: the row is rejected
UNMAPPED_ANY = ["清洁能源", "新能源（户）", "多能互补", "改造A", "类型二"]   # no route keyword
GROUPS = ["改造户数", "户数", "计划改造户数（户）", "其中"]
TOTAL_NAMES = ["合计", "小计", "合计户数", "改造总户数"]
COUNTY_HEADERS = ["县（市、区）", "县（市、区）", "县区"]
TOWN_HEADERS = ["乡镇（街道）", "镇（街道）", "乡镇"]
NAME_HEADERS = ["村（居）", "村名", "村居名称", "行政村"]
CODE_HEADERS = ["村代码", "区划代码", "统计用区划代码"]
COUNT_HEADERS = ["户数", "改造户数", "计划改造户数", "户数（户）"]
NOTES = ["说明：本表户数以签订改造协议的户数为准，同一村采用两种改造方式的分别填写。",
         "注：所有项目6月30日前开工，9月20日前完工，10月10日前完成调试验收。",
         "填表人：{person}　　审核人：{person2}　　联系电话：0543-{tel}"]
REMARKS = ["整村推进", "已签订协议", "管网已通", "新建管网", "村集体统一招标"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭"
GIVEN = ["建国", "秀英", "国栋", "海燕", "志强", "丽华", "明", "红梅", "立新", "春生", "玉兰", "保国", "文华", "新民"]
COUNTY_SHORT = {"371602": "滨城", "371603": "沾化", "371621": "惠民", "371622": "阳信", "371623": "无棣",
                "371625": "博兴", "371681": "邹平"}
FORMATS = [("xlsx", "xlsx", 33), ("xls", "xls", 20), ("ods", "ods", 17), ("csv", "utf8", 10),
           ("csv", "utf8bom", 10), ("csv", "gb18030", 10)]
CSV_ENCODING = {"utf8": "utf-8", "utf8bom": "utf-8-sig", "gb18030": "gb18030"}


def spaced(word):
    """煤改电 -> 煤 改 电, 集中供热 -> 集中 供热 (a clerk's spaces inside a header)."""
    if len(word) == 3:
        return " ".join(word)
    if len(word) == 4:
        return word[:2] + " " + word[2:]
    return word


def person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def phone(rng):
    return int(rng.choice(["139", "138", "135", "150", "158", "187", "136", "152"]) +
               "%08d" % rng.randrange(10 ** 8))


def allocate(total, weights):
    """Integer counts proportional to weights, summing to total (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in rest[: total - sum(out)]:
        out[i] += 1
    return out


def schedule(rng, n, parts):
    """A shuffled list of n labels with the given shares: parts = [(label, share)], rest None."""
    out = []
    for label, share in parts:
        out += [label] * int(round(share * n))
    out = out[:n] + [None] * max(0, n - len(out))
    rng.shuffle(out)
    return out


# ---------------------------------------------------------------------------
# villages
# ---------------------------------------------------------------------------

def read_villages(path):
    uri = "file:%s?mode=ro" % urllib.request.pathname2url(os.path.abspath(path))
    con = sqlite3.connect(uri, uri=True)
    try:
        rows = con.execute("SELECT village_code, village_name, township_code, township_name, county_code, "
                           "county_name FROM villages ORDER BY village_code").fetchall()
    finally:
        con.close()
    return [{"code": r[0], "name": r[1], "town": r[2], "town_name": r[3], "county": r[4], "county_name": r[5]}
            for r in rows]


class Pool:
    """The villages not used yet, by county and township.  Units that are not villages (虚拟生活区,
    类似居委会 ...) and names whose written forms do not reduce to the same name key are left out."""

    def __init__(self, villages):
        key_count = collections.Counter((v["county"], norm_name(v["name"])) for v in villages)
        self.by_town = collections.defaultdict(list)
        self.county_name = {}
        for v in villages:
            n = v["name"]
            if any(w in n for w in ("虚拟", "类似", "生活区")):
                continue
            if any(norm_name(written_name(n, s)) != norm_name(n) for s in ("bare", "cun")):
                continue
            v = dict(v, unique=key_count[(v["county"], norm_name(n))] == 1)
            self.by_town[v["town"]].append(v)
            self.county_name[v["county"]] = v["county_name"]
        self.used = set()

    def free(self, town, unique_only):
        return [v for v in self.by_town[town] if v["code"] not in self.used and (v["unique"] or not unique_only)]

    def counties(self, unique_only, need):
        """Counties with at least `need` free villages, weighted by what is left."""
        out = []
        for c in sorted(self.county_name):
            n = sum(len(self.free(t, unique_only)) for t in sorted(self.by_town) if t[:6] == c)
            if n >= need:
                out.append((c, n))
        return out

    def take(self, rng, county, n, unique_only):
        """n free villages of a county from 1-3 townships, sorted by code."""
        towns = [t for t in sorted(self.by_town) if t[:6] == county and self.free(t, unique_only)]
        rng.shuffle(towns)
        towns = towns[: rng.choice([1, 2, 2, 3])]
        got = []
        while len(got) < n:
            progress = False
            for t in towns:
                fr = [v for v in self.free(t, unique_only) if v not in got]
                if fr and len(got) < n:
                    got.append(fr[rng.randrange(len(fr))])
                    progress = True
            if not progress:
                more = [t for t in sorted(self.by_town) if t[:6] == county and t not in towns
                        and self.free(t, unique_only)]
                if not more:
                    break
                towns.append(more[rng.randrange(len(more))])
        for v in got:
            self.used.add(v["code"])
        return sorted(got, key=lambda v: v["code"])


# ---------------------------------------------------------------------------
# a table: columns, data rows, layout
# ---------------------------------------------------------------------------

class Col:
    def __init__(self, kind, top, sub=None, route=None, word=None):
        self.kind = kind      # seq county town name code route coal unknown total poor method device count
        self.top = top        # start end note contact phone
        self.sub = sub
        self.route = route    # for kind route
        self.word = word      # the route word without decoration (for the description)

    @property
    def header(self):
        return self.sub or self.top


class DataRow:
    def __init__(self, v, name):
        self.v = v
        self.name = name
        self.cells = {}       # column kind/index -> value
        self.status = "loaded"
        self.code = None      # finding code of the row (rejected rows, warnings)
        self.households = {}  # route -> households loaded
        self.merge_up = False  # long shape, xlsx: village cells merged with the row above
        self.part = False     # one of the two parts of a village (段家庄（一）, 段家庄（二）)
        self.coal = None      # wide: the count in the coal column
        self.unknown = None   # the count in the column with no known meaning (refused tables)
        self.total = None     # a row total written on purpose (disagreeing); None: the sum of the cells
        self.pos = None       # (sheet, 1-based row)


class Table:
    pass


def route_header(rng, route, style, in_group):
    """The header of a route column: (text, kind of word)."""
    w = ROUTE_WORDS[route]
    kinds = [k for k in (["short"] if in_group else []) + ["full", "alt", "device", "trad"] if w[k]]
    if style in kinds and (style != "short" or in_group):
        kind = style
    elif style == "mixed":
        kind = rng.choice(kinds)
    else:
        kind = "full"
    word = rng.choice(w[kind])
    text = word
    if kind != "short":
        r = rng.random()
        if r < 0.07:
            text = spaced(word)
        if kind in ("full", "alt", "trad") and rng.random() < 0.12:
            text += "户数"
        elif rng.random() < 0.15:
            text += rng.choice(["(户)", "（户）"])
    return text, word, kind


def method_text(rng, route, with_device_col):
    """A 改造方式 cell naming the route (or a device when there is no 设备类型 column)."""
    w = ROUTE_WORDS[route]
    opts = w["full"] * 3 + w["alt"] + w["trad"]
    if not with_device_col:
        opts += w["device"] * 2
    t = rng.choice(opts)
    if rng.random() < 0.05 and len(t) in (3, 4):
        t = spaced(t)
    return t


def build_table(idx, rng, pool, plan):
    """Decide everything about one table and return it with its data rows laid out in sheets."""
    t = Table()
    t.idx = idx
    t.fmt, t.flavour = plan["format"]
    t.kind = plan["kind"]                   # unmapped totals mismatch1 totalonly1 or None
    t.refused = t.kind in ("unmapped", "totals")
    spreadsheet = t.fmt != "csv"
    must_wide = t.kind in ("totals", "mismatch1", "totalonly1")
    t.shape = "wide" if must_wide or rng.random() < (0.8 if t.kind == "unmapped" else 0.62) else "long"
    wide = t.shape == "wide"
    t.codeless = plan["codeless"] and not t.refused
    t.multi = plan["multi"] and not t.refused
    t.multi_mode = None
    if t.multi:
        t.multi_mode = rng.choice(["sheets", "column"]) if spreadsheet else "column"

    # ---- unmapped header variant
    t.unmapped = None
    if t.kind == "unmapped":
        if wide:
            t.unmapped = rng.choice(["any", "any", "any", "re", "qi"])
        else:
            t.unmapped = "extra"
    # ---- header levels and groups
    if t.unmapped == "re":
        levels = 2
    elif t.unmapped == "qi":
        levels = 1
    else:
        levels = 2 if rng.random() < (0.55 if wide else 0.15) else 1
    t.levels = levels
    t.group = rng.choice(GROUPS) if wide and levels == 2 else None
    t.date_group = levels == 2 and rng.random() < 0.35
    if not wide and levels == 2:
        t.date_group = True
    # ---- total column
    has_total = wide and (must_wide or rng.random() < 0.7)
    t.row_faults = plan["row_faults"] if not t.refused else 0
    t.fault_kinds = []
    if t.row_faults:
        cat = (["coal", "unreadable", "negative"] if wide else
               ["coal", "blank", "unknown", "unreadable", "negative"])
        t.fault_kinds = [rng.choice(cat) for _ in range(t.row_faults)]
        if t.kind in ("mismatch1", "totalonly1"):
            t.fault_kinds = [k for k in t.fault_kinds if k != "coal"][:1]
    t.coal_col = wide and "coal" in t.fault_kinds
    if t.coal_col:
        has_total = False
    if not wide:
        has_total = False
    t.total_pos = None
    if has_total:
        t.total_pos = rng.choice(["first", "last"])
    t.zero_fill = wide and t.kind != "totalonly1" and rng.random() < 0.2
    t.formulas = (wide and has_total and t.fmt in ("xlsx", "ods") and not t.refused
                  and t.kind not in ("mismatch1", "totalonly1") and rng.random() < 0.25)
    # ---- routes in columns
    t.other_clean = plan["other_clean"] and not t.refused
    if wide:
        routes = ["district_heating", "gas", "electric", "biomass"]
        k = rng.random()
        if k < 0.2:
            drop = rng.choice(routes)
            routes = [r for r in routes if r != drop]
        elif k < 0.28:
            routes = rng.sample(routes, 2)
            routes.sort(key=ROUTES.index)
        if rng.random() < 0.5:
            rng.shuffle(routes)
        t.route_cols = []
        style = rng.choice(["full", "full", "full", "alt", "alt", "device", "trad", "mixed", "mixed"] +
                           (["short"] * 4 if t.group else []))
        for r in routes:
            text, word, kind = route_header(rng, r, style, t.group is not None)
            t.route_cols.append(Col("route", t.group or text, text if t.group else None, route=r, word=word))
        if t.other_clean:
            word = rng.choice(OTHER_CLEAN)
            text = word + rng.choice(["", "", "（户）", "(户)"])
            t.route_cols.append(Col("route", t.group or text, text if t.group else None, route="other",
                                    word=word))
        elif rng.random() < 0.1:
            text = rng.choice(ROUTE_WORDS["other"]["short"]) if t.group else "其他"
            t.route_cols.append(Col("route", t.group or text, text if t.group else None, route="other",
                                    word=text))
        if t.coal_col:
            word = rng.choice(COAL_HEADERS)
            text = word + rng.choice(["", "（户）"])
            t.route_cols.insert(rng.randrange(len(t.route_cols) + 1),
                                Col("coal", t.group or text, text if t.group else None, word=word))
        # prefix 其中：/含 on the first route column after a leading total (one-level header)
        if t.total_pos == "first" and levels == 1 and t.route_cols[0].kind == "route" and rng.random() < 0.4:
            c = t.route_cols[0]
            c.top = rng.choice(["其中：", "其中", "含"]) + c.top
        elif levels == 1 and rng.random() < 0.06:
            c = rng.choice([c for c in t.route_cols if c.kind == "route"])
            c.top = "含" + c.top
        if t.unmapped in ("any", "re", "qi"):
            if t.unmapped == "re":
                text = "热"
            elif t.unmapped == "qi":
                text = "气"
                # 气 stands for gas here: take the gas column's place
                t.route_cols = [c for c in t.route_cols if c.route != "gas"]
            else:
                text = rng.choice(UNMAPPED_ANY)
            grp = t.group if t.unmapped != "qi" else None
            t.route_cols.insert(rng.randrange(len(t.route_cols) + 1),
                                Col("unknown", grp or text, text if grp else None, word=text))
    else:
        t.route_cols = []
        t.device_col = rng.random() < 0.35
    # ---- the total column
    t.total_col = None
    if has_total:
        if t.group and t.group != "其中" and rng.random() < 0.6:
            t.total_col = Col("total", t.group, rng.choice(["合计", "小计"]))
        elif t.group == "其中" or (levels == 2 and rng.random() < 0.5):
            t.total_col = Col("total", rng.choice([x for x in ("改造户数", "合计户数", "改造总户数", "合计")
                                                   if x != t.group]))
        else:
            t.total_col = Col("total", rng.choice(TOTAL_NAMES))
    if t.group and not t.route_cols:
        t.group = None
    # ---- identity columns
    ident = []
    if rng.random() < 0.9:
        ident.append(Col("seq", "序号"))
    county_col = t.multi_mode == "column" or rng.random() < 0.3
    body = []
    if county_col:
        body.append(Col("county", rng.choice(COUNTY_HEADERS)))
    if t.codeless or rng.random() < 0.88:
        body.append(Col("town", rng.choice(TOWN_HEADERS)))
    body.append(Col("name", rng.choice(NAME_HEADERS)))
    if not t.codeless:
        body.append(Col("code", rng.choice(CODE_HEADERS)))
    r = rng.random()
    if r < 0.15 and not t.codeless:           # code second (无棣 style)
        body = [c for c in body if c.kind == "code"] + [c for c in body if c.kind != "code"]
    elif r < 0.25:                          # name before township
        ks = [c.kind for c in body]
        if "town" in ks:
            i, j = ks.index("town"), ks.index("name")
            body[i], body[j] = body[j], body[i]
    ident += body
    # ---- count columns
    counts = []
    if wide:
        counts = list(t.route_cols)
        if t.total_col:
            if t.total_pos == "first":
                counts.insert(0, t.total_col)
            else:
                counts.append(t.total_col)
    else:
        counts.append(Col("method", "改造方式"))
        if t.device_col:
            counts.append(Col("device", "设备类型"))
        t.count_col = Col("count", rng.choice(COUNT_HEADERS))
        counts.append(t.count_col)
        if t.unmapped == "extra":
            text = rng.choice(["清洁能源", "新能源（户）", "多能互补"])
            counts.insert(rng.randrange(len(counts) + 1), Col("unknown", text, word=text))
    # ---- extra columns
    extras = []
    if rng.random() < 0.18:
        extras.append(Col("poor", "其中：低保户"))
    dates = []
    if rng.random() < 0.7:
        both = rng.random() < 0.6
        if t.date_group:
            both = True
        if both:
            dates.append(Col("start", "计划时间" if t.date_group else "计划开工日期",
                             "开工" if t.date_group else None))
        dates.append(Col("end", "计划时间" if t.date_group else rng.choice(["计划完工日期", "计划完工时间"]),
                         "完工" if t.date_group else None))
    elif t.date_group:
        t.date_group = False
    if rng.random() < 0.2:
        extras.append(Col("contact", "联系人"))
    if rng.random() < 0.22:
        extras.append(Col("phone", "联系电话"))
    rng.shuffle(extras)
    tail = dates + extras
    if rng.random() < 0.6:
        tail.append(Col("note", "备注"))
    if extras and rng.random() < 0.3:      # some extras between the names and the counts
        k = rng.randrange(len(extras))
        moved = extras[k]
        tail.remove(moved)
        ident.append(moved)
    t.cols = ident + counts + tail
    if levels == 2 and not any(c.sub for c in t.cols):
        t.levels = levels = 1
        t.date_group = False
    if levels == 1:
        for c in t.cols:
            if c.sub:
                c.top, c.sub = c.sub, None
    # ---- styles
    t.name_style = rng.choice(["cun", "cun", "bare", "bare", "official", "mixed"])
    t.town_style = rng.choice(["official", "official", "short"])
    t.county_style = rng.choice(["full", "short"])
    cs = ["number", "text", "text", "apostrophe", "spaces", "fullwidth", "mixed"]
    t.code_style = rng.choice(cs if spreadsheet else ["text", "text", "apostrophe", "spaces", "fullwidth", "mixed"])
    t.date_style = rng.choice(["excel", "excel", "excelcn", "dot", "cn", "iso"] if spreadsheet else
                              ["dot", "cn", "iso"])
    t.phone_text = rng.random() < 0.5
    t.subtotal = rng.choice([None, None, "town", "plain"])
    t.grand = rng.choice(["last", "last", "last", "first", None])
    t.blank_rows = rng.random() < 0.25
    t.notes = rng.random() < 0.7
    t.info = rng.choice(["one", "one", "two", None])
    t.unit_line = rng.random() < 0.5
    t.title_fw = rng.random() < 0.1
    t.merge_villages = t.fmt == "xlsx" and not wide and rng.random() < 0.6
    t.empty_sheets = spreadsheet and t.multi_mode != "sheets" and rng.random() < 0.25
    t.two_part = plan["two_part"] and not t.codeless and not t.refused
    return t


def choose_villages(t, rng, pool):
    """[(county, [village])] for the table's sheets or county groups."""
    n_counties = rng.choice([2, 2, 3]) if t.multi else 1
    if t.multi:
        per = [rng.randint(3, 4) for _ in range(n_counties)]
    elif t.kind == "totals":
        per = [rng.randint(5, 8)]
    else:
        per = [rng.randint(3, 8)]
    if t.shape == "long":
        per = [max(3, p - 1) for p in per]     # some villages take two rows
    out = []
    for p in per:
        cands = [(c, n) for c, n in pool.counties(t.codeless, p) if c not in [x[0] for x in out]]
        if not cands:
            cands = [(c, n) for c, n in pool.counties(t.codeless, 1) if c not in [x[0] for x in out]]
        if not cands:
            raise SystemExit("the villages are used up: use a smaller --count")
        tot = sum(n for _, n in cands)
        x = rng.random() * tot
        for c, n in cands:
            x -= n
            if x < 0:
                break
        out.append((c, pool.take(rng, c, p, t.codeless)))
    return out


def village_routes(rng, t):
    """{route: households} of one village in this table."""
    if t.shape == "wide":
        avail = [c.route for c in t.route_cols if c.kind == "route"]
    else:
        avail = ["district_heating", "gas", "electric", "biomass"]
    weights = {"district_heating": 1, "gas": 3.5, "electric": 4.5, "biomass": 1, "other": 1.5}
    main = rng.choices(avail, [weights[r] for r in avail])[0]
    out = {main: rng.randint(25, 420)}
    if rng.random() < 0.15 and len(avail) > 1:
        second = rng.choice([r for r in avail if r != main])
        out[second] = rng.randint(10, 150)
    return out


def written(t, rng, v):
    st = t.name_style
    if st == "mixed":
        st = rng.choice(["bare", "cun", "official"])
    return written_name(v["name"], st)


def make_rows(t, rng, groups):
    """Data rows per sheet/county group: {county: [DataRow]} in table order."""
    wide = t.shape == "wide"
    out = []
    for county, vs in groups:
        rows = []
        for v in vs:
            routes = village_routes(rng, t)
            if wide:
                dr = DataRow(v, written(t, rng, v))
                dr.routes = routes
                rows.append(dr)
            else:
                first = True
                name = written(t, rng, v)
                for route in sorted(routes, key=lambda r: -routes[r]):
                    dr = DataRow(v, name)
                    dr.routes = {route: routes[route]}
                    dr.method = method_text(rng, route, t.device_col)
                    dr.device = (rng.choice(DEVICES[route]) if t.device_col and DEVICES[route]
                                 and rng.random() < 0.85 else None)
                    dr.merge_up = t.merge_villages and not first
                    first = False
                    rows.append(dr)
        out.append((county, rows))
    return out


def plant(t, rng, sheets):
    """Planted faults and variations on the data rows; fills row.status / row.code."""
    allrows = [r for _, rows in sheets for r in rows]
    wide = t.shape == "wide"
    t.findings = []
    # other clean routes (地热, 地源热泵, 太阳能)
    if t.other_clean:
        if wide:
            k = min(len(allrows), rng.randint(1, 3))
            for r in rng.sample(allrows, k):
                r.routes["other"] = rng.randint(8, 60)
        else:
            # one row per village: a village with two rows must not get route other twice
            one = [r for i, r in enumerate(allrows) if all(x.v is not r.v for x in allrows[:i])]
            k = min(len(one), rng.randint(1, 2))
            for r in rng.sample(one, k):
                h = sum(r.routes.values())
                r.routes = {"other": h}
                r.method = rng.choice(OTHER_CLEAN)
                r.device = None
    # the two parts of one village
    if t.two_part:
        for _, rows in sheets:
            cands = [i for i, r in enumerate(rows) if len(r.routes) == 1 and
                     sum(1 for x in rows if x.v is r.v) == 1]
            if not cands:
                continue
            i = rng.choice(cands)
            r = rows[i]
            route = list(r.routes)[0]
            r2 = DataRow(r.v, r.name + "（二）")
            r.name = r.name + "（一）"
            r2.routes = {route: rng.randint(15, 160)}
            if not wide:
                r2.method = r.method
                r2.device = r.device
            r.code = r2.code = "W_VILLAGE_PART"
            r.part = r2.part = True
            rows.insert(i + 1, r2)
            break
    allrows = [r for _, rows in sheets for r in rows]
    # row faults; never on the first data row of a sheet: a row of text only (约120户, 待定 ...) right
    # under a one-level header could pass for a second header row
    firsts = {id(rows[0]) for _, rows in sheets if rows}
    free = [r for r in allrows if r.code is None and id(r) not in firsts]
    for kind in t.fault_kinds:
        free = [r for r in free if r.code is None]
        if not free:
            break
        r = rng.choice(free)
        route = max(r.routes, key=lambda k: r.routes[k])
        if kind == "coal":
            if wide:
                r.coal = rng.randint(10, 120)
                if rng.random() < 0.5:
                    r.routes = {}
            else:
                r.method = rng.choice(COAL_CELLS)
                r.device = None
            r.status, r.code = "rejected", "E_ROUTE_NOT_CLEAN"
        elif kind == "blank":
            r.method = None
            r.device = None
            r.status, r.code = "rejected", "E_ROUTE_MISSING"
        elif kind == "unknown":
            r.method = rng.choice(UNKNOWN_METHODS)
            r.device = None
            r.status, r.code = "rejected", "E_ROUTE_UNKNOWN"
        elif kind == "unreadable":
            n = r.routes[route]
            r.routes[route] = rng.choice(["约%d户" % n, "%d左右" % n])
            r.status, r.code = "rejected", "E_COUNT_UNREADABLE"
        elif kind == "negative":
            r.routes[route] = -rng.randint(3, 60)
            r.status, r.code = "rejected", "E_COUNT_NEGATIVE"
    # disagreeing row totals
    if t.kind in ("totals", "mismatch1", "totalonly1"):
        cand = [r for r in allrows if r.code is None]
        n_bad = 1 if t.kind != "totals" else max(3, (len(allrows) + 4) // 5)
        for r in rng.sample(cand, min(n_bad, len(cand))):
            if t.kind == "totalonly1" or (t.kind == "totals" and not t.zero_fill and rng.random() < 0.3):
                r.total = sum(r.routes.values())
                r.routes = {}
                r.status, r.code = "rejected", "E_ROUTE_MISSING"
            else:
                s = sum(r.routes.values())
                d = rng.choice([-1, 1]) * rng.randint(5, 40)
                if s + d <= 0:
                    d = -d
                r.total = s + d
                r.code = "W_TOTAL_MISMATCH"
    # the cells of the unknown column (counts)
    if t.unmapped:
        for r in allrows:
            if rng.random() < 0.65:
                r.unknown = rng.randint(5, 90)
        if sum(1 for r in allrows if r.unknown) < 2:
            for r in allrows[:2]:
                r.unknown = rng.randint(5, 90)
    # outcome
    for r in allrows:
        if t.refused:
            r.status = "rejected"
            r.households = {}
            continue
        if r.status == "loaded":
            r.households = {k: v for k, v in r.routes.items() if isinstance(v, int) and v > 0}


def cell_values(t, rng, r, seq):
    """{column index: (value, style)} of one data row."""
    out = {}
    wide = t.shape == "wide"
    route_vals = {}     # the count cells of a wide row (and the unknown column of a long one)
    for i, c in enumerate(t.cols):
        if c.kind == "route":
            val = r.routes.get(c.route)
        elif c.kind == "coal":
            val = r.coal
        elif c.kind == "unknown":
            val = r.unknown
        else:
            continue
        route_vals[i] = 0 if val is None and t.zero_fill else val
    row_sum = sum(v for v in route_vals.values() if isinstance(v, int))
    for i, c in enumerate(t.cols):
        k = c.kind
        if k == "seq":
            out[i] = (seq, "center")
        elif k == "county":
            out[i] = (r.v["county_name"] if t.county_style == "full" else COUNTY_SHORT[r.v["county"]], "center")
        elif k == "town":
            out[i] = (r.v["town_name"] if t.town_style == "official" else town_short(r.v["town_name"]), "text")
        elif k == "name":
            out[i] = (r.name, "text")
        elif k == "code":
            st = t.code_style
            if st == "mixed":
                st = rng.choice(["number", "text", "apostrophe", "spaces"] if t.fmt != "csv" else
                                ["text", "apostrophe", "spaces"])
            out[i] = code_cell(r.v["code"], st, rng)
        elif k in ("route", "coal", "unknown"):
            val = route_vals[i]
            out[i] = (val, "text" if isinstance(val, str) else "int")
        elif k == "total":
            if r.total is not None:
                out[i] = (r.total, "int")
            elif any(isinstance(v, str) for v in route_vals.values()):
                out[i] = (None, "int")          # 约120户: the clerk left the total open
            else:
                out[i] = (row_sum, "int")
        elif k == "method":
            out[i] = (r.method, "center")
        elif k == "device":
            out[i] = (r.device, "center")
        elif k == "count":
            val = list(r.routes.values())[0] if r.routes else None
            out[i] = (val, "text" if isinstance(val, str) else "int")
        elif k == "poor":
            base = row_sum if wide else (list(r.routes.values())[0] if r.routes else 0)
            base = base if isinstance(base, int) else 0
            out[i] = (rng.randint(0, max(0, min(base, 12))) if base > 0 and rng.random() < 0.6 else None, "int")
        elif k in ("start", "end"):
            d0 = datetime.date(2022, 6, 1) if k == "start" else datetime.date(2022, 8, 15)
            d = d0 + datetime.timedelta(days=int(r.v["code"][6:9]) % 25 + rng.randrange(5))
            out[i] = date_cell(d, t.date_style)
        elif k == "note":
            out[i] = (rng.choice(REMARKS) if rng.random() < 0.25 else None, "text")
        elif k == "contact":
            out[i] = (person(rng), "center")
        elif k == "phone":
            p = phone(rng)
            out[i] = (str(p) if t.phone_text or t.fmt == "csv" else p, "text" if t.phone_text else "code")
    return out


SUMMED = ("route", "coal", "unknown", "total", "count", "poor")


def lay_sheet(t, rng, g, rows, title):
    """Lay one sheet out: title lines, header, data rows, 小计/合计, notes."""
    cols = t.cols
    ncols = len(cols)
    merges_ok = t.fmt != "csv"
    r = 0
    g.merge(r, 0, r, ncols - 1, title, "title")
    r += 1
    if t.info:
        unit = "填报单位：%s" % t.reporter
        date = "填报日期：2022年6月%d日" % t.report_day
        if t.info == "two" and ncols >= 4:
            half = ncols // 2
            g.merge(r, 0, r, half - 1, unit, "info")
            g.merge(r, half, r, ncols - 1, date, "info")
        else:
            g.merge(r, 0, r, ncols - 1, unit + "　　　　" + date, "info")
        r += 1
    if t.unit_line:
        g.merge(r, 0, r, ncols - 1, "单位：户", "unit")
        r += 1
    header = [(i, c.top, c.sub) for i, c in enumerate(cols)]
    r = lay_headers(g, r, header, t.levels == 2)
    sum_idx = [i for i, c in enumerate(cols) if c.kind in SUMMED]
    label_col = next((i for i, c in enumerate(cols) if c.kind == "town"),
                     next(i for i, c in enumerate(cols) if c.kind == "name"))
    first_count = min(sum_idx) if sum_idx else 1

    def numeric(v):
        return v if isinstance(v, int) and not isinstance(v, bool) else 0

    grand = {i: 0 for i in sum_idx}
    grand_refs = {i: [] for i in sum_idx}
    grand_row = None
    if t.grand == "first":
        grand_row = r
        r += 1
    # township groups in order
    groups = []
    for dr in rows:
        if groups and groups[-1][0] == dr.v["town"]:
            groups[-1][1].append(dr)
        else:
            groups.append((dr.v["town"], [dr]))
    seq = 0
    prev = None
    for gi, (town, grows) in enumerate(groups):
        acc = {i: 0 for i in sum_idx}
        first_row = r
        for dr in grows:
            # a village with two routes keeps its 序号 on its second row; the two parts of a village do not
            if not (prev is not None and prev.v is dr.v and not dr.part):
                seq += 1
            prev = dr
            vals = cell_values(t, rng, dr, seq)
            if t.formulas:
                ti = next((i for i, c in enumerate(cols) if c.kind == "total"), None)
                if ti is not None and dr.total is None and vals[ti][0] is not None:
                    refs = [col_letter(i) + str(r + 1) for i, c in enumerate(cols) if c.kind == "route"]
                    vals[ti] = (Formula("=" + "+".join(refs), vals[ti][0]), "int")
            for i, (val, st) in vals.items():
                if dr.merge_up and cols[i].kind in ("seq", "name", "code", "county", "town") and merges_ok:
                    continue
                g.put(r, i, val, st)
            for i in sum_idx:
                v = vals[i][0]
                acc[i] += numeric(v.value if isinstance(v, Formula) else v)
            dr.pos = (g.name, r + 1)
            r += 1
        # vertical merges of a village's cells over its rows (long shape, xlsx)
        k = 0
        while k < len(grows):
            span = 1
            while k + span < len(grows) and grows[k + span].merge_up:
                span += 1
            if span > 1 and merges_ok:
                r0 = grows[k].pos[1] - 1
                for i, c in enumerate(cols):
                    if c.kind in ("seq", "name", "code", "county", "town"):
                        val, st = g.cells[(r0, i)]
                        g.merge(r0, i, r0 + span - 1, i, val, st)
            k += span
        if t.subtotal:
            town_text = g.cells[(first_row, label_col)][0] if (first_row, label_col) in g.cells else ""
            label = (str(town_text) + "小计") if t.subtotal == "town" and cols[label_col].kind == "town" else "小计"
            g.put(r, label_col, label, "center")
            for i in sum_idx:
                if t.formulas:
                    L = col_letter(i)
                    g.put(r, i, Formula("=SUM(%s%d:%s%d)" % (L, first_row + 1, L, r), acc[i]), "sum")
                else:
                    g.put(r, i, acc[i], "sum")
                grand_refs[i].append(col_letter(i) + str(r + 1))
            r += 1
        else:
            for i in sum_idx:
                grand_refs[i].append("%s%d:%s%d" % (col_letter(i), first_row + 1, col_letter(i), r))
        for i in sum_idx:
            grand[i] += acc[i]
        if t.blank_rows and gi < len(groups) - 1 and rng.random() < 0.6:
            r += 1
    if t.grand:
        gr = grand_row if t.grand == "first" else r
        if first_count > 1 and merges_ok and rng.random() < 0.7:
            g.merge(gr, 0, gr, first_count - 1, "合计", "sum")
        else:
            g.put(gr, 0, "合计", "sum")
        for i in sum_idx:
            if t.formulas and t.grand == "last":
                refs = grand_refs[i]
                text = "=SUM(%s)" % ",".join(refs) if any(":" in x for x in refs) else "=" + "+".join(refs)
                g.put(gr, i, Formula(text, grand[i]), "sum")
            else:
                g.put(gr, i, grand[i], "sum")
        if t.grand == "last":
            r += 1
    if t.notes:
        r += rng.choice([0, 1, 1])
        for line in t.note_lines:
            g.merge(r, 0, r, ncols - 1, line, "note")
            r += 1
    g.widths = {i: (6 if c.kind == "seq" else 16 if c.kind == "code" else 12) for i, c in enumerate(cols)}


def make_table(idx, rng, pool, plan, outdir):
    t = build_table(idx, rng, pool, plan)
    groups = choose_villages(t, rng, pool)
    sheets = make_rows(t, rng, groups)
    plant(t, rng, sheets)
    counties = [c for c, _ in groups]
    cname = {c: pool.county_name[c] for c in counties}
    year = "２０２２" if t.title_fw else "2022"
    t.report_day = rng.randint(10, 25)
    t.note_lines = []
    if t.notes:
        k = rng.choice([1, 2, 3])
        t.note_lines = [n.format(person=person(rng), person2=person(rng), tel="%07d" % rng.randrange(10 ** 7))
                        for n in NOTES[:k]]
    grids = []
    if t.multi_mode == "sheets":
        for county, rows in sheets:
            t.reporter = cname[county] + "住房和城乡建设局"
            sheet = cname[county] if rng.random() < 0.7 else COUNTY_SHORT[county]
            g = Grid(sheet)
            title = "%s%s年农村清洁取暖建设计划表" % (cname[county], year)
            lay_sheet(t, rng, g, rows, title)
            grids.append(g)
    else:
        rows = [r for _, rs in sheets for r in rs]
        if len(counties) > 1:
            title = "滨州市%s年农村清洁取暖建设计划汇总表" % year
            t.reporter = "滨州市清洁取暖建设推进办公室"
            sheet = rng.choice(["Sheet1", "汇总表", "计划表"])
        else:
            c = counties[0]
            title = rng.choice(["%s%s年农村清洁取暖建设计划表", "%s%s年农村清洁取暖改造计划表",
                                "%s%s年农村地区清洁取暖计划"]) % (cname[c], year)
            t.reporter = cname[c] + rng.choice(["住房和城乡建设局", "清洁取暖工作领导小组办公室"])
            sheet = rng.choice(["Sheet1", "Sheet1", cname[c], "农村清洁取暖", "2022年计划", "计划表"])
        g = Grid(sheet)
        lay_sheet(t, rng, g, rows, title)
        grids.append(g)
        if t.empty_sheets:
            grids.append(Grid("Sheet2" if sheet != "Sheet2" else "Sheet3"))
            if rng.random() < 0.5:
                grids.append(Grid("Sheet3"))
    # ---- file
    ext = t.fmt
    fmt_name = t.flavour if t.fmt == "csv" else t.fmt
    parts = [fmt_name, t.shape, "h%d" % t.levels]
    if t.codeless:
        parts.append("nocode")
    if t.multi:
        parts.append("multi")
    if t.kind:
        parts.append(t.kind)
    fname = "%04d_%s.%s" % (idx, "_".join(parts), ext)
    path = os.path.join(outdir, "tables", fname)
    if t.fmt == "xlsx":
        write_xlsx(path, grids, author="县住房和城乡建设局", created=CREATED)
    elif t.fmt == "xls":
        write_xls(path, grids)
    elif t.fmt == "ods":
        write_ods(path, grids, author="县住房和城乡建设局", created=CREATED)
    else:
        write_csv(path, grids[0], encoding=CSV_ENCODING[t.flavour])
    return t, sheets, fname


def expectation(t, sheets, fname):
    rows = [r for _, rs in sheets for r in rs]
    hh = {r: 0 for r in ROUTES}
    codes = set()
    findings = []
    for r in rows:
        for route, n in r.households.items():
            hh[route] += n
        if r.code and not t.refused:
            codes.add(r.code)
            findings.append({"sheet": None if t.fmt == "csv" else r.pos[0], "row": r.pos[1], "code": r.code,
                             "village_code": r.v["code"]})
    if t.refused:
        codes = {"E_HEADER_UNMAPPED" if t.kind == "unmapped" else "E_TOTALS_DISAGREE"}
    else:
        if t.other_clean and hh["other"] > 0:
            codes.add("W_ROUTE_OTHER")
            for r in rows:
                if r.households.get("other"):
                    findings.append({"sheet": None if t.fmt == "csv" else r.pos[0], "row": r.pos[1],
                                     "code": "W_ROUTE_OTHER", "village_code": r.v["code"]})
        if t.codeless and any(r.status == "loaded" for r in rows):
            codes.add("W_MATCHED_BY_NAME")
    findings.sort(key=lambda f: (f["sheet"] or "", f["row"], f["code"]))
    keys = [(r.v["code"], route) for r in rows if r.status == "loaded" and not r.part for route in r.households]
    assert len(keys) == len(set(keys)), ("a village and route loaded twice", fname)
    loaded = sum(1 for r in rows if r.status == "loaded")
    desc = describe(t)
    return {"file": "tables/" + fname, "format": t.fmt,
            "encoding": CSV_ENCODING[t.flavour] if t.fmt == "csv" else None, "shape": t.shape,
            "outcome": "refused" if t.refused else "loaded", "codes": sorted(codes),
            "households": hh, "rows_data": len(rows), "rows_loaded": loaded, "rows_rejected": len(rows) - loaded,
            "description": desc, "findings": findings,
            "village_codes": sorted({r.v["code"] for r in rows})}


def describe(t):
    d = []
    d.append({"utf8": "csv UTF-8", "utf8bom": "csv UTF-8 with BOM", "gb18030": "csv GB18030"}.get(t.flavour, t.fmt))
    d.append(t.shape)
    if t.levels == 2:
        if t.group:
            d.append("2 header rows, group %s" % t.group)
        else:
            d.append("2 header rows")
        if t.date_group:
            d.append("计划时间 over 开工/完工")
    else:
        d.append("1 header row")
    if t.shape == "wide":
        d.append("routes: " + " | ".join(c.header for c in t.cols if c.kind in ("route", "coal", "unknown")))
        if t.total_col:
            d.append("total %s %s" % (t.total_col.header, t.total_pos))
        else:
            d.append("no total")
        if t.zero_fill:
            d.append("empty cells 0")
        if t.formulas:
            d.append("formulas")
    else:
        d.append("改造方式" + (" + 设备类型" if t.device_col else "") + " + " + t.count_col.header)
        if t.merge_villages:
            d.append("village cells merged vertically")
    extra = [c.header for c in t.cols if c.kind in ("poor", "contact", "phone")]
    if extra:
        d.append("extra " + ", ".join(extra))
    d.append("no code column" if t.codeless else "codes %s" % t.code_style)
    d.append("names %s, townships %s" % (t.name_style, t.town_style))
    if t.multi:
        d.append("counties by " + ("sheet" if t.multi_mode == "sheets" else "county column"))
    if t.subtotal:
        d.append("小计 per township")
    d.append("合计 %s" % t.grand if t.grand else "no 合计")
    if t.blank_rows:
        d.append("blank rows")
    if t.empty_sheets:
        d.append("empty sheets")
    if t.kind == "unmapped":
        d.append("unmapped header " + next(c.header for c in t.cols if c.kind == "unknown"))
    elif t.kind == "totals":
        d.append("row totals disagree")
    elif t.kind == "mismatch1":
        d.append("one row total mismatch")
    elif t.kind == "totalonly1":
        d.append("one row with a total and no route cells")
    if t.fault_kinds:
        d.append("row faults " + ", ".join(t.fault_kinds))
    if t.other_clean:
        d.append("other clean route")
    if t.two_part:
        d.append("village in two parts")
    return "; ".join(d)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output directory (tables/ and expected.json)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=320, help="number of tables")
    ap.add_argument("--villages", help="the villages GeoPackage (default: data-samples/villages.gpkg)")
    args = ap.parse_args()
    t0 = time.time()
    vpath = args.villages or os.path.join(HERE, "villages.gpkg")
    villages = read_villages(vpath)
    pool = Pool(villages)
    rng = random.Random(args.seed)
    n = args.count
    fmts = []
    for fmt, flavour, share in FORMATS:
        fmts += [(fmt, flavour)] * share
    fmt_plan = [fmts[(i * len(fmts)) // n] for i in range(n)] if n else []
    rng.shuffle(fmt_plan)
    kind_plan = schedule(rng, n, [("unmapped", 0.12), ("totals", 0.04), ("mismatch1", 0.025),
                                  ("totalonly1", 0.02)])
    fault_plan = schedule(rng, n, [(1, 0.19), (2, 0.10)])
    codeless_plan = schedule(rng, n, [(True, 0.12)])
    multi_plan = schedule(rng, n, [(True, 0.10)])
    other_plan = schedule(rng, n, [(True, 0.15)])
    part_plan = schedule(rng, n, [(True, 0.025)])
    outdir = args.out
    if os.path.isdir(os.path.join(outdir, "tables")):
        shutil.rmtree(os.path.join(outdir, "tables"))
    os.makedirs(os.path.join(outdir, "tables"))
    tables = []
    for i in range(n):
        plan = {"format": fmt_plan[i], "kind": kind_plan[i], "row_faults": fault_plan[i] or 0,
                "codeless": bool(codeless_plan[i]), "multi": bool(multi_plan[i]),
                "other_clean": bool(other_plan[i]), "two_part": bool(part_plan[i])}
        t, sheets, fname = make_table(i + 1, rng, pool, plan, outdir)
        tables.append(expectation(t, sheets, fname))
    check(tables)
    out = {"seed": args.seed, "villages": args.villages or "data-samples/villages.gpkg", "count": n,
           "rules": RULES, "summary": summary(tables), "tables": tables}
    with open(os.path.join(outdir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    s = out["summary"]
    print("%d tables in %s (%.1fs): %s" % (n, outdir, time.time() - t0, json.dumps(s, ensure_ascii=False)))


RULES = {
    "refused": "E_HEADER_UNMAPPED: a column under a household group, or holding counts, has no known meaning; "
               "E_TOTALS_DISAGREE: bad >= 3 and 5*bad >= rows with a filled total, bad = rows whose total and "
               "route cells are filled and total != sum, plus rows with a total > 0 and no route cell. A refused "
               "table loads nothing; every data row is rejected",
    "rows": "data rows = village rows written (rejected ones included); 小计/合计/notes/blank/header rows are "
            "not data rows; rows_data = rows_loaded + rows_rejected",
    "households": "households loaded per route (the route cells of the loaded rows; a row whose total disagrees "
                  "loads its route cells)",
    "codes": "codes that must appear for the file (at least)",
    "findings": "the rows planted with a finding: sheet (null for CSV), 1-based row as a spreadsheet shows it",
    "villages": "every village code is used in at most one table of the corpus; two rows with one code are the "
                "two parts of a village (W_VILLAGE_PART)",
}


def check(tables):
    seen = {}
    for t in tables:
        assert t["rows_data"] == t["rows_loaded"] + t["rows_rejected"], t["file"]
        if t["outcome"] == "refused":
            assert t["rows_loaded"] == 0 and not any(t["households"].values()), t["file"]
        for c in t["village_codes"]:
            assert c not in seen, (c, seen.get(c), t["file"])
            seen[c] = t["file"]


def summary(tables):
    s = {"tables": len(tables), "villages": sum(len(t["village_codes"]) for t in tables),
         "rows_data": sum(t["rows_data"] for t in tables), "rows_loaded": sum(t["rows_loaded"] for t in tables),
         "rows_rejected": sum(t["rows_rejected"] for t in tables),
         "households": {r: sum(t["households"][r] for t in tables) for r in ROUTES},
         "formats": dict(sorted(collections.Counter(
             t["format"] + ("/" + t["encoding"] if t["encoding"] else "") for t in tables).items())),
         "shapes": dict(sorted(collections.Counter(t["shape"] for t in tables).items())),
         "outcomes": dict(sorted(collections.Counter(t["outcome"] for t in tables).items())),
         "codes": dict(sorted(collections.Counter(c for t in tables for c in t["codes"]).items()))}
    return s


if __name__ == "__main__":
    sys.exit(main())
