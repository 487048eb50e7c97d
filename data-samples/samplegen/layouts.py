"""Laying out the county plan tables on a Grid: layout A (routes in columns) and B (one 改造方式
column)."""

import datetime

import numpy as np

from .common import SEED
from .names import code_cell, date_cell
from .writers import Formula, col_letter


# ---------------------------------------------------------------------------
# the county plan workbooks
# ---------------------------------------------------------------------------

ROUTE_COLS = {"dh": "district_heating", "gas": "gas", "el": "electric", "bio": "biomass"}
DEVICES = {"district_heating": [""], "gas": ["燃气壁挂炉"], "electric": ["空气源热泵", "蓄热式电暖器"],
           "biomass": ["生物质炉具"], "other": [""]}
METHOD_B = {"district_heating": "集中供热", "gas": "煤改气", "electric": "煤改电", "biomass": "生物质"}

NOTES = [
    "说明：1.本表由各镇（街道）核实后汇总填报，户数以签订改造协议的户数为准。",
    "2.改造方式按集中供热、煤改气、煤改电、生物质分类填写；同一村采用两种方式的分别填写。",
    "3.所有项目6月30日前开工，9月20日前完工，10月10日前完成调试验收。",
]


class Item:
    """One data row of a plan table before it is laid out."""

    def __init__(self, v, code, routes, **kw):
        self.v = v                  # village dict (None: the code does not exist)
        self.code = code            # the 12-digit code it stands for
        self.routes = routes        # [(route, value)]; value int, or str for unreadable counts
        self.code_style = kw.get("code_style")
        self.name = kw.get("name")
        self.town = kw.get("town")
        self.total_override = kw.get("total_override")
        self.note = kw.get("note", "")
        self.method_text = kw.get("method_text")
        self.faults = kw.get("faults", [])
        self.loaded = kw.get("loaded", True)
        self.dup_of = kw.get("dup_of")
        self.pos = None             # (sheet, 1-based row) once laid out
        self.merge_next = False


class PlanFile:
    def __init__(self, path, fmt):
        self.path = path            # relative to the output dir, e.g. plans/滨城区....xlsx
        self.fmt = fmt
        self.grids = []
        self.items = []
        self.sub_faults = []        # faults of subtotal rows


def town_dates(town_code):
    r = np.random.default_rng([SEED, int(town_code), 7])
    start = datetime.date(2022, 6, 1) + datetime.timedelta(days=int(r.integers(0, 30)))
    end = datetime.date(2022, 8, 20) + datetime.timedelta(days=int(r.integers(0, 32)))
    return start, end


def numeric(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else 0


def lay_layout_a(pf, g, spec, groups, extras, rng, row0):
    """Route-in-columns table.  groups: [(town_code, [Item])]; extras go after the groups."""
    cols = spec["cols"]
    keys = [k for k, _, _ in cols]
    ci = {k: i for i, k in enumerate(keys)}
    r = row0
    seq = 0
    sum_cols = [k for k in keys if k in ROUTE_COLS or k == "total"]
    sub_cells = {k: [] for k in sum_cols}     # cells of the subtotal rows (for the 合计 formulas)
    grand = {k: 0 for k in sum_cols}
    use_f = spec.get("formulas", False)

    def write_item(it):
        nonlocal seq
        seq += 1
        vals = {}
        for k in ROUTE_COLS:
            vals[k] = None
        for route, val in it.routes:
            k = [kk for kk, rr in ROUTE_COLS.items() if rr == route][0]
            vals[k] = val
        if spec.get("zero_fill"):
            for k in ROUTE_COLS:
                if vals[k] is None:
                    vals[k] = 0
        tot = sum(numeric(vals[k]) for k in ROUTE_COLS)
        if it.total_override is not None:
            tot = it.total_override
        start, end = town_dates(it.code[:9])
        for k in keys:
            c = ci[k]
            if k == "seq":
                g.put(r, c, seq, "center")
            elif k == "county":
                g.put(r, c, spec["county_text"], "center")
            elif k == "town":
                g.put(r, c, it.town, "text")
            elif k == "name":
                g.put(r, c, it.name, "text")
            elif k == "code":
                val, st = code_cell(it.code, it.code_style or spec["code_style"](rng), rng)
                g.put(r, c, val, st)
            elif k in ROUTE_COLS:
                g.put(r, c, vals[k], "int")
            elif k == "total":
                if use_f and it.total_override is None:
                    rc = [col_letter(ci[x]) + str(r + 1) for x in keys if x in ROUTE_COLS]
                    g.put(r, c, Formula("=SUM(%s:%s)" % (rc[0], rc[-1]), tot), "int")
                else:
                    g.put(r, c, tot, "int")
            elif k == "start":
                g.put(r, c, *date_cell(start, spec["date_style"]))
            elif k == "end":
                g.put(r, c, *date_cell(end, spec["date_style"]))
            elif k == "note":
                g.put(r, c, it.note or None, "text")
        it.pos = (g.name, r + 1)
        it.cols = {k: (col_letter(ci[k]), sub or top) for k, top, sub in cols}
        pf.items.append(it)
        return {k: (numeric(vals[k]) if k in ROUTE_COLS else numeric(tot)) for k in sum_cols}

    for gi, (town, items) in enumerate(groups):
        first = r
        acc = {k: 0 for k in sum_cols}
        for it in items:
            got = write_item(it)
            for k in sum_cols:
                acc[k] += got[k]
            r += 1
        if spec.get("subtotal"):
            label = spec["subtotal"].format(town=items[0].town)
            lab_col = ci.get("town", ci.get("name"))
            g.put(r, lab_col, label, "center")
            for k in sum_cols:
                c = ci[k]
                if use_f:
                    L = col_letter(c)
                    g.put(r, c, Formula("=SUM(%s%d:%s%d)" % (L, first + 1, L, r), acc[k]), "sum")
                else:
                    g.put(r, c, acc[k], "sum")
                sub_cells[k].append(col_letter(c) + str(r + 1))
            r += 1
        for k in sum_cols:
            grand[k] += acc[k]
        if gi in spec.get("blank_after", ()):
            r += 1
    for it in extras:
        got = write_item(it)
        for k in sum_cols:
            grand[k] += got[k]
            if use_f:
                sub_cells[k].append(col_letter(ci[k]) + str(r + 1))
        r += 1
    # 合计
    first_sum = min(ci[k] for k in sum_cols)
    if first_sum > 1:
        g.merge(r, 0, r, first_sum - 1, "合计", "sum")
    else:
        g.put(r, 0, "合计", "sum")
    for k in sum_cols:
        if use_f:
            g.put(r, ci[k], Formula("=" + "+".join(sub_cells[k]), grand[k]), "sum")
        else:
            g.put(r, ci[k], grand[k], "sum")
    r += 1
    return r


def lay_layout_b(pf, g, spec, groups, extras, rng, row0):
    """Route-in-one-column table.  Each Item has exactly one route."""
    cols = spec["cols"]
    keys = [k for k, _, _ in cols]
    ci = {k: i for i, k in enumerate(keys)}
    r = row0
    seq = 0
    grand = 0
    merge_v = spec.get("merge_villages", False)

    def write_item(it, new_village, span):
        nonlocal seq
        route, val = it.routes[0]
        _, end = town_dates(it.code[:9])
        start, _ = town_dates(it.code[:9])
        if new_village:
            seq += 1
        for k in keys:
            c = ci[k]
            merged = merge_v and k in ("seq", "name", "code") and span > 1
            if merged and not new_village:
                continue
            if k == "seq":
                val_, st = seq, "center"
            elif k == "town":
                val_, st = it.town, "text"
            elif k == "name":
                val_, st = it.name, "text"
            elif k == "code":
                val_, st = code_cell(it.code, it.code_style or spec["code_style"](rng), rng)
            elif k == "method":
                val_, st = it.method_text, "center"
            elif k == "device":
                val_, st = (DEVICES[route][int(rng.integers(len(DEVICES[route])))] or None), "center"
            elif k == "count":
                val_, st = val, "int"
            elif k == "start":
                val_, st = date_cell(start, spec["date_style"])
            elif k == "end":
                val_, st = date_cell(end, spec["date_style"])
            elif k == "note":
                val_, st = (it.note or None), "text"
            if merged:
                g.merge(r, c, r + span - 1, c, val_, st)
            else:
                g.put(r, c, val_, st)
        it.pos = (g.name, r + 1)
        it.cols = {k: (col_letter(ci[k]), sub or top) for k, top, sub in cols}
        pf.items.append(it)
        return numeric(val)

    def write_run(items):
        nonlocal r
        tot = 0
        i = 0
        while i < len(items):
            span = 1
            while i + span < len(items) and items[i + span].code == items[i].code and items[i].v is not None:
                span += 1
            for j in range(span):
                tot += write_item(items[i + j], j == 0, span)
                r += 1
            i += span
        return tot

    for gi, (town, items) in enumerate(groups):
        acc = write_run(items)
        if spec.get("subtotal"):
            g.put(r, ci["town"], spec["subtotal"].format(town=items[0].town), "center")
            shown = acc + spec.get("wrong_subtotal", {}).get(town, 0)
            g.put(r, ci["count"], shown, "sum")
            if shown != acc:
                pf.sub_faults.append({"sheet": g.name, "row": r + 1, "column": col_letter(ci["count"]),
                                      "header": cols[ci["count"]][1], "kind": "subtotal_mismatch",
                                      "value": "%s %d，应为 %d" % (spec["subtotal"].format(town=items[0].town),
                                                                 shown, acc)})
            r += 1
        grand += acc
        if gi in spec.get("blank_after", ()):
            r += 1
    grand += write_run(extras)
    first_sum = ci["count"]
    g.merge(r, 0, r, first_sum - 1, "合计", "sum")
    g.put(r, ci["count"], grand, "sum")
    return r + 1


def lay_notes(g, r, ncols, notes):
    r += 1          # one blank row between the table and the notes
    for n in notes:
        g.merge(r, 0, r, ncols - 1, n, "note")
        r += 1
    return r
