#!/usr/bin/python3
"""Reproducible sample county PROGRESS REPORTS (进度表) for cleanheat.

    cd /work/main && ./build/tools/cleanheat merge data-samples/plans/* \\
        --villages data-samples/villages.gpkg --heating data-samples/heating.xlsx \\
        -o /tmp/progress_gen/merged.gpkg --overwrite --quiet     # exit code 1 is normal
    /usr/bin/python3 data-samples/generate_progress.py /tmp/progress_gen/merged.gpkg

It reads the layer `villages` of the merged GeoPackage (village_code, village_name,
township_code, township_name, county_code, county_name, households_total, planned, route_main,
plan_start) and writes, into data-samples/progress/ (or --out DIR):

  <county_name>_<yyyymmdd>.<xlsx|xls|csv>   7 counties x 4 reporting dates, cumulative
                                            households started / completed / accepted per
                                            planned village, each county in its own layout
  沾化区_20220731_重报.xlsx                  a byte-identical copy (a duplicate import)
  expected.json                             totals per report, faults, late townships/villages,
                                            every data row (row number, code, figures)
  README.md                                 what the files are

Only the standard library, osgeo (GDAL/OGR), numpy, xlsxwriter and xlwt are used.  A fixed
seed and a fixed workbook creation date make the output byte-identical on every run.  After
writing, the script re-reads every file (GDAL for xlsx/xls, the csv module for the GB18030 CSV)
and checks each data row and every total against expected.json.
"""

import argparse
import collections
import csv
import datetime
import json
import os
import re
import shutil
import sys

import numpy as np
from osgeo import gdal, ogr

# the table writers and name styles of the plan samples, shared (samplegen/ is in this folder;
# these two modules need only the standard library, xlsxwriter and xlwt)
from samplegen.names import norm_name, town_short, written_name
from samplegen.writers import Formula, Grid, col_letter, lay_headers, lay_title, write_csv, write_xls, write_xlsx

gdal.UseExceptions()
ogr.UseExceptions()

SEED = 20220630
HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_TIME = datetime.datetime(2022, 10, 12, 9, 0, 0)

DATES = [datetime.date(2022, 6, 30), datetime.date(2022, 7, 31),
         datetime.date(2022, 9, 20), datetime.date(2022, 10, 10)]
MILESTONES = {"all_started": "2022-06-30", "construction_complete": "2022-09-20",
              "acceptance": "2022-10-10"}
D_JUN, D_JUL, D_SEP, D_OCT = range(4)

COUNTIES = ["371602", "371603", "371621", "371622", "371623", "371625", "371681"]

# where the planted faults and the late units go (the villages are then drawn with the seed)
LATE_TOWNSHIP_COUNTIES = ["371603", "371622", "371681"]
LATE_VILLAGE_PLAN = [("late_start", "371602"), ("late_start", "371623"),
                     ("late_complete", "371625"), ("late_complete", "371621"),
                     ("late_complete", "371603"),
                     ("late_accept", "371622"), ("late_accept", "371681"), ("late_accept", "371623")]
BACKWARDS = ("371625", D_SEP)        # 博兴县 2022-09-20: completed below its 2022-07-31 figure
OVER_PLANNED = ("371602", D_OCT)     # 滨城区 2022-10-10: completed above the planned households
UNKNOWN_CODE = ("371681", D_SEP)     # 邹平市 2022-09-20: an extra row with a non-existent code
UNKNOWN_NAME = ("371623", D_JUL)     # 无棣县 2022-07-31: an extra row whose name matches nothing
DUPLICATE = ("371603", D_JUL, "_重报")  # 沾化区 2022-07-31 sent twice


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------------------
# names (the same rules as samplegen/names.py / data-samples/README.md)
# ---------------------------------------------------------------------------


def read_villages(path):
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName("villages")
    if lyr is None:
        sys.exit("%s has no layer 'villages'" % path)
    names = [lyr.GetLayerDefn().GetFieldDefn(i).GetName() for i in range(lyr.GetLayerDefn().GetFieldCount())]
    out = []
    for f in lyr:
        v = {
            "code": f["village_code"], "name": f["village_name"],
            "town": f["township_code"], "town_name": f["township_name"],
            "county": f["county_code"], "county_name": f["county_name"],
            "hh": int(f["households_total"] or 0),
            "planned": int(f["planned"] or 0) if "planned" in names else None,
            "route": (f["route_main"] or "") if "route_main" in names else "",
            "plan_start": (f["plan_start"] or "") if "plan_start" in names else "",
        }
        out.append(v)
    ds = None
    out.sort(key=lambda v: v["code"])
    return out


# ---------------------------------------------------------------------------
# the progress model
# ---------------------------------------------------------------------------

def u(r, a, b):
    return float(r.uniform(a, b))


def fractions(kind, r):
    """Cumulative shares (started, completed, accepted) of the planned households at the 4 dates."""
    if kind == "late_township":
        S = [0.0 if r.random() < 0.4 else u(r, 0.2, 0.85),
             1.0 if r.random() < 0.3 else u(r, 0.6, 0.98),
             1.0 if r.random() < 0.8 else u(r, 0.9, 0.99), 1.0]
        C = [0.0, u(r, 0.0, 0.15), u(r, 0.45, 0.9), 1.0 if r.random() < 0.5 else u(r, 0.85, 0.99)]
        A = [0.0, 0.0, u(r, 0.0, 0.15), u(r, 0.3, 0.8)]
    elif kind == "late_start":
        S = [0.0 if r.random() < 0.5 else u(r, 0.2, 0.7), 1.0, 1.0, 1.0]
        C = [0.0, u(r, 0.1, 0.6), 1.0, 1.0]
        A = [0.0, 0.0, u(r, 0.0, 0.5), 1.0]
    elif kind == "late_complete":
        S = [1.0, 1.0, 1.0, 1.0]
        C = [u(r, 0.0, 0.2), u(r, 0.4, 0.7), u(r, 0.75, 0.95), 1.0]
        A = [0.0, 0.0, u(r, 0.0, 0.3), 1.0 if r.random() < 0.5 else u(r, 0.6, 0.95)]
    elif kind == "late_accept":
        S = [1.0, 1.0, 1.0, 1.0]
        C = [u(r, 0.0, 0.3) if r.random() < 0.5 else 0.0, u(r, 0.3, 0.95), 1.0, 1.0]
        A = [0.0, 0.0, u(r, 0.1, 0.5), u(r, 0.55, 0.9)]
    else:   # normal
        S = [1.0, 1.0, 1.0, 1.0]
        C = [u(r, 0.0, 0.3) if r.random() < 0.5 else 0.0, u(r, 0.3, 0.95), 1.0, 1.0]
        A = [0.0, u(r, 0.0, 0.3) if r.random() < 0.3 else 0.0,
             1.0 if r.random() < 0.25 else u(r, 0.2, 0.95), 1.0]
    return S, C, A


def to_counts(fr, hh):
    out = [hh if f >= 1.0 else int(np.floor(f * hh)) for f in fr]
    return list(np.maximum.accumulate(out).tolist())


def rand_date(r, lo, hi):
    """A date in [lo, hi]."""
    return lo + datetime.timedelta(days=int(r.integers(0, (hi - lo).days + 1)))


def first_date(series, cond, r, start_lo):
    """The date on which cond first held: inside the interval before the first report showing it."""
    for k, x in enumerate(series):
        if cond(x):
            lo = start_lo if k == 0 else DATES[k - 1] + datetime.timedelta(days=1)
            return rand_date(r, lo, DATES[k] - datetime.timedelta(days=2) if k == 0 else DATES[k])
    return None


def report_on_or_after(d):
    return min(x for x in DATES if x >= d)


def plan_progress(planned, late_towns, late_villages):
    """{code: {'s': [4], 'c': [4], 'a': [4], 'kind', 'd_start', 'd_complete', 'd_accept'}} (true values)."""
    prog = {}
    for v in planned:
        kind = "normal"
        if v["town"] in late_towns:
            kind = "late_township"
        elif v["code"] in late_villages:
            kind = late_villages[v["code"]]
        r = np.random.default_rng([SEED, int(v["code"])])
        S, C, A = fractions(kind, r)
        hh = v["hh"]
        s = to_counts(S, hh)
        c = to_counts(C, hh)
        a = to_counts(A, hh)
        c = [min(x, y) for x, y in zip(c, s)]
        a = [min(x, y) for x, y in zip(a, c)]
        # the start date: from the plan's 计划开工日期 when the report shows the village started
        ps = None
        if re.match(r"^\d{4}-\d{2}-\d{2}$", v["plan_start"] or ""):
            ps = datetime.date.fromisoformat(v["plan_start"])
        rd = np.random.default_rng([SEED, int(v["code"]), 1])
        if s[0] > 0:
            base = ps or datetime.date(2022, 6, 1) + datetime.timedelta(days=int(rd.integers(0, 20)))
            d_start = rand_date(rd, min(base, datetime.date(2022, 6, 22)),
                                min(base + datetime.timedelta(days=6), datetime.date(2022, 6, 28)))
        else:
            d_start = first_date(s, lambda x: x > 0, rd, datetime.date(2022, 6, 1))
        d_complete = first_date(c, lambda x: x >= hh, rd, datetime.date(2022, 6, 1))
        d_accept = first_date(a, lambda x: x >= hh, rd, datetime.date(2022, 6, 1))
        # keep start <= completion <= acceptance, inside the same reporting interval
        if d_complete and d_complete < d_start:
            d_complete = rand_date(rd, d_start, report_on_or_after(d_complete))
        if d_accept and d_complete and d_accept < d_complete:
            d_accept = rand_date(rd, d_complete, report_on_or_after(d_accept))
        prog[v["code"]] = {"s": s, "c": c, "a": a, "kind": kind, "d_start": d_start,
                           "d_complete": d_complete, "d_accept": d_accept}
    return prog


ROUTE_REASON = {
    "gas": ["燃气管网未接通", "燃气管道施工中", "部分农户未通气", "正在组织验收"],
    "electric": ["电网增容未完成", "电网改造施工中", "部分设备未安装", "正在组织验收"],
    "district_heating": ["供热管网未铺设", "供热管网施工中", "入户管道施工中", "正在组织验收"],
    "biomass": ["炉具招标未完成", "炉具陆续到货", "部分炉具未安装", "正在组织验收"],
}


def note_for(v, p, k, r):
    kind = p["kind"]
    hh = v["hh"]
    if kind == "late_township":
        reasons = ROUTE_REASON.get(v["route"], ROUTE_REASON["electric"])
        return reasons[k]
    if kind == "late_start" and k == D_JUN:
        return "部分农户未签订改造协议"
    if kind == "late_complete" and k == D_SEP:
        return "设备未全部到货"
    if kind == "late_accept" and k == D_OCT:
        return "验收资料整理中"
    if k == D_SEP and p["a"][k] < hh and r.random() < 0.06:
        return "第三方验收中"
    if k == D_OCT and r.random() < 0.05:
        return "已全部验收"
    return None


# ---------------------------------------------------------------------------
# a small spreadsheet model, written to .xlsx (xlsxwriter), .xls (xlwt) or .csv
# ---------------------------------------------------------------------------


NOTES = [
    "说明：1.表中户数均为截至统计日期的累计数，以签订改造协议的户数为计划数。",
    "2.已完工指设备安装调试完毕；已验收指经县级专业人员或第三方验收合格（改造一批、验收一批）。",
    "3.所有项目6月30日前开工，9月20日前完工，10月10日前完成调试验收。",
]


def cn_date(d):
    return "%d年%d月%d日" % (d.year, d.month, d.day)


def specs():
    """County code -> how the county writes its report."""
    return {
        "371602": dict(   # 滨城区
            fmt="xlsx", sheet=lambda d: "进度表", two_level=True, unit="单位：户",
            title="{county}2022年农村清洁取暖工程进度表（截至{date}）",
            info=lambda d, fd: "填报单位：滨城区清洁取暖建设推进办公室　　　　　　填报日期：" + cn_date(fd),
            cols=[("seq", "序号", None), ("town", "乡镇（街道）", None), ("name", "村（居）名", None),
                  ("code", "村代码", None), ("planned", "计划改造户数", None),
                  ("started", "进度（户）", "已开工"), ("completed", "进度（户）", "已完工"),
                  ("accepted", "进度（户）", "已验收"), ("d_complete", "完工日期", None), ("note", "备注", None)],
            code_style="text", name_style="cun", town_style="full", date_style="date", zeros="0",
            total_merge=True, total_label="合计", notes=NOTES,
            widths=[6, 14, 14, 16, 12, 9, 9, 9, 12, 22]),
        "371603": dict(   # 沾化区
            fmt="xlsx", sheet=lambda d: "Sheet1", two_level=False, unit=None,
            title="沾化区农村清洁取暖改造进度统计表（截至{date}）",
            info=lambda d, fd: ("填报单位（盖章）：沾化区住房和城乡建设局", "填报日期：" + cn_date(fd)),
            cols=[("seq", "序号", None), ("town", "镇（街道）", None), ("name", "村名", None),
                  ("code", "统计用区划代码", None), ("planned", "计划户数", None),
                  ("started", "已开工户数", None), ("completed", "已完工户数", None),
                  ("accepted", "已验收户数", None), ("d_start", "开工日期", None),
                  ("d_complete", "完工日期", None), ("note", "备注", None)],
            code_style="number", name_style="bare", town_style="short", date_style="datecn", zeros="blank",
            total_merge=False, total_label="合计", notes=None,
            widths=[6, 10, 12, 16, 10, 11, 11, 11, 15, 15, 20]),
        "371621": dict(   # 惠民县
            fmt="xls", sheet=lambda d: "进度", two_level=True, unit="单位：户",
            title="惠民县2022年农村清洁取暖工程进度表（截至{date}）",
            info=lambda d, fd: "填报单位：惠民县清洁取暖工作专班　　　　填报日期：%d.%d.%d" % (fd.year, fd.month, fd.day),
            cols=[("seq", "序号", None), ("town", "乡镇", None), ("name", "村名", None),
                  ("code", "村代码", None), ("planned", "改造户数", None),
                  ("started", "累计完成情况（户）", "已开工户数"),
                  ("completed", "累计完成情况（户）", "已完工户数"),
                  ("accepted", "累计完成情况（户）", "已验收户数"),
                  ("d_complete", "完工时间", None), ("note", "备注", None)],
            code_style="text", name_style="mixed", town_style="full", date_style="dot", zeros="0",
            total_merge=True, total_label="合计", notes=NOTES[:2],
            widths=[6, 12, 12, 16, 10, 12, 12, 12, 12, 22]),
        "371622": dict(   # 阳信县
            fmt="csv", sheet=lambda d: None, two_level=False, unit="单位：户",
            title="阳信县2022年农村清洁取暖工程进度表（截至{date}）",
            info=lambda d, fd: "填报单位：阳信县住房和城乡建设局    填报日期：" + cn_date(fd),
            cols=[("seq", "序号", None), ("town", "乡镇", None), ("name", "村居名称", None),
                  ("code", "区划代码", None), ("planned", "计划改造户数", None),
                  ("started", "已开工户数", None), ("completed", "已完工户数", None),
                  ("accepted", "已验收户数", None), ("d_complete", "完工日期", None), ("note", "备注", None)],
            code_style="apostrophe40", name_style="official", town_style="full", date_style="cn", zeros="0",
            subtotal="town", total_merge=False, total_label="合计",
            notes=["说明：户数为累计数；所有项目6月30日前开工，9月20日前完工，10月10日前完成调试验收。"],
            widths=[]),
        "371623": dict(   # 无棣县: no codes, short names
            fmt="xlsx", sheet=lambda d: "Sheet1", two_level=False, unit="单位：户",
            extra_sheets=["Sheet2", "Sheet3"],
            title="无棣县2022年农村清洁取暖改造进度表（截至{date}）",
            info=lambda d, fd: "填报单位：无棣县清洁取暖建设推进办公室　　　　填报日期：" + cn_date(fd),
            cols=[("seq", "序号", None), ("town", "乡镇", None), ("name", "村名", None),
                  ("planned", "计划改造户数", None), ("started", "已开工户数", None),
                  ("completed", "已完工户数", None), ("accepted", "已验收户数", None),
                  ("d_complete", "完工日期", None), ("note", "备注", None)],
            code_style=None, name_style="bare", town_style="full", date_style="datecn", zeros="0",
            total_merge=True, total_label="合计", notes=None,
            widths=[6, 12, 12, 12, 11, 11, 11, 15, 22]),
        "371625": dict(   # 博兴县
            fmt="xls", sheet=lambda d: "博兴县", two_level=True, unit=None,
            title="博兴县2022年农村清洁取暖工程建设进度表（截至{date}）",
            info=lambda d, fd: ("填报单位：博兴县住房和城乡建设局", "填报日期：%s" % fd.isoformat()),
            cols=[("seq", "序号", None), ("town", "镇（街道）", None), ("name", "村居名称", None),
                  ("code", "区划代码", None), ("planned", "计划户数", None),
                  ("started", "工程进度（户）", "已开工"), ("completed", "工程进度（户）", "已完工"),
                  ("accepted", "工程进度（户）", "已验收"), ("d_complete", "完工日期", None),
                  ("d_accept", "验收日期", None), ("note", "备注", None)],
            code_style="number", name_style="bare", town_style="full", date_style="iso", zeros="0",
            blank_after=[2], total_merge=False, total_label="合计", notes=None,
            widths=[6, 12, 12, 16, 10, 9, 9, 9, 12, 12, 22]),
        "371681": dict(   # 邹平市
            fmt="xlsx", sheet=lambda d: "%d.%d" % (d.month, d.day), two_level=True, unit="单位：户",
            title="邹平市2022年农村清洁取暖工程进度表（截至{date}）",
            info=lambda d, fd: "填报单位：邹平市清洁取暖建设推进办公室　　　　填报日期：" + cn_date(fd),
            cols=[("seq", "序号", None), ("town", "乡镇", None), ("name", "村（居）", None),
                  ("code", "村代码", None), ("planned", "计划改造户数（户）", None),
                  ("started", "完成进度（户）", "已开工"), ("completed", "完成进度（户）", "已完工"),
                  ("accepted", "完成进度（户）", "已验收"), ("d_start", "开工日期", None),
                  ("d_complete", "完工日期", None), ("note", "备注", None)],
            code_style="mixed", name_style="cun", town_style="full", date_style="date", zeros="0",
            subtotal="name", formulas=True, total_merge=False, total_label="合计", notes=NOTES,
            widths=[6, 12, 14, 16, 12, 9, 9, 9, 12, 12, 22]),
    }


def code_value(code, style, r):
    """A code as the clerk typed it, with its cell style."""
    if style == "number":
        return int(code), "code"
    if style == "text":
        return code, "text"
    if style == "apostrophe40":
        return ("'" + code if r.random() < 0.4 else code), "text"
    if style == "mixed":
        x = r.random()
        if x < 0.5:
            return int(code), "code"
        if x < 0.7:
            return "'" + code, "text"
        if x < 0.85:
            return code[:6] + " " + code[6:9] + " " + code[9:], "text"
        return code, "text"
    raise ValueError(style)


def date_value(d, style):
    if style in ("date", "datecn"):
        return d, style
    if style == "dot":
        return "%d.%d.%d" % (d.year, d.month, d.day), "center"
    if style == "cn":
        return cn_date(d), "center"
    if style == "iso":
        return d.isoformat(), "center"
    raise ValueError(style)


class Row:
    """One data row of a report: what it stands for and the figures written in it."""

    def __init__(self, v, code, name, town, planned, s, c, a, note=None, dates=None):
        self.v = v                  # village dict, or None when the row matches no village
        self.code = code            # code written (None: no code column / no code)
        self.name = name
        self.town = town
        self.planned = planned
        self.s, self.c, self.a = s, c, a
        self.note = note
        self.dates = dates or {}
        self.row = None             # 1-based spreadsheet row once laid out
        self.code_written = None    # the code cell as written (number or text)


def county_rows(county, spec, planned, prog, k, faults_here, unknown):
    """[(town_code, town_written, [Row])] for one county and date."""
    towns = collections.OrderedDict()
    for v in planned:
        if v["county"] == county:
            towns.setdefault(v["town"], []).append(v)
    groups = []
    for t, vs in towns.items():
        tname = vs[0]["town_name"]
        tw = town_short(tname) if spec["town_style"] == "short" else tname
        rows = []
        for v in vs:
            p = prog[v["code"]]
            rn = np.random.default_rng([SEED, int(v["code"]), 2])
            style = spec["name_style"]
            if style == "mixed":
                style = "cun" if rn.random() < 0.5 else "bare"
            name = written_name(v["name"], style)
            s, c, a = p["s"][k], p["c"][k], p["a"][k]
            fl = faults_here.get(v["code"])
            if fl:
                s, c, a = fl["s"], fl["c"], fl["a"]
            hh = v["hh"]
            dates = {"d_start": p["d_start"] if s > 0 else None,
                     "d_complete": p["d_complete"] if c >= hh else None,
                     "d_accept": p["d_accept"] if a >= hh else None}
            rnote = np.random.default_rng([SEED, int(v["code"]), 3, k])
            note = None if fl else note_for(v, p, k, rnote)
            rows.append(Row(v, v["code"], name, tw, hh, s, c, a, note, dates))
        if unknown and unknown["town"] == t:
            rows.append(Row(None, unknown.get("code"), unknown["name"], tw, unknown["planned"],
                            unknown["s"], unknown["c"], unknown["a"], unknown.get("note")))
        groups.append((t, tw, rows))
    return groups


def lay_report(county, county_name, spec, d, k, groups):
    """Lay out one report.  Returns (grids, rows laid out, info about the layout)."""
    cols = spec["cols"]
    keys = [c[0] for c in cols]
    ci = {key: i for i, key in enumerate(keys)}
    ncols = len(cols)
    g = Grid(spec["sheet"](d))
    for i, w in enumerate(spec.get("widths") or []):
        g.widths[i] = w
    fill_date = d + datetime.timedelta(days=1 + (int(county) + k) % 3)
    title = spec["title"].format(county=county_name, date=cn_date(d))
    r = lay_title(g, title, ncols, spec["info"](d, fill_date), spec["unit"])
    header_first = r + 1
    r = lay_headers(g, r, cols, spec["two_level"])
    first_data = r + 1
    rcode = np.random.default_rng([SEED, int(county), 5, k])
    use_f = spec.get("formulas", False)
    sums = ["planned", "started", "completed", "accepted"]
    laid = []
    sub_rows = []
    grand = {x: 0 for x in sums}
    seq = 0

    def num(x):
        if x == 0 and spec["zeros"] == "blank":
            return None
        return x

    for gi, (t, tw, rows) in enumerate(groups):
        first = r
        acc = {x: 0 for x in sums}
        for row in rows:
            seq += 1
            for key in keys:
                c = ci[key]
                if key == "seq":
                    g.put(r, c, seq, "center")
                elif key == "town":
                    g.put(r, c, row.town, "text")
                elif key == "name":
                    g.put(r, c, row.name, "text")
                elif key == "code":
                    if row.code is None:
                        g.put(r, c, None, "text")
                    else:
                        cv, cst = code_value(row.code, spec["code_style"], rcode)
                        row.code_written = cv
                        g.put(r, c, cv, cst)
                elif key == "planned":
                    g.put(r, c, row.planned, "int")
                elif key == "started":
                    g.put(r, c, num(row.s), "int")
                elif key == "completed":
                    g.put(r, c, num(row.c), "int")
                elif key == "accepted":
                    g.put(r, c, num(row.a), "int")
                elif key in ("d_start", "d_complete", "d_accept"):
                    dv = row.dates.get(key)
                    if dv is None:
                        g.put(r, c, None, "center")
                    else:
                        g.put(r, c, *date_value(dv, spec["date_style"]))
                elif key == "note":
                    g.put(r, c, row.note, "text")
            row.row = r + 1
            laid.append(row)
            acc["planned"] += row.planned
            acc["started"] += row.s
            acc["completed"] += row.c
            acc["accepted"] += row.a
            r += 1
        if spec.get("subtotal"):
            if spec["subtotal"] == "town":         # 商店镇小计 in the 乡镇 column
                g.put(r, ci["town"], tw + "小计", "center")
            else:                                  # 焦桥镇 | 小计
                g.put(r, ci["town"], tw, "center")
                g.put(r, ci["name"], "小计", "center")
            for x in sums:
                c = ci[x]
                if use_f:
                    L = col_letter(c)
                    g.put(r, c, Formula("=SUM(%s%d:%s%d)" % (L, first + 1, L, r), acc[x]), "sum")
                else:
                    g.put(r, c, acc[x], "sum")
            sub_rows.append(r + 1)
            r += 1
        for x in sums:
            grand[x] += acc[x]
        if gi in spec.get("blank_after", ()):
            r += 1
    # 合计
    first_sum = ci["planned"]
    if spec["total_merge"]:
        g.merge(r, 0, r, first_sum - 1, spec["total_label"], "sum")
    else:
        g.put(r, 0, spec["total_label"], "sum")
    for x in sums:
        c = ci[x]
        if use_f:
            L = col_letter(c)
            g.put(r, c, Formula("=" + "+".join("%s%d" % (L, sr) for sr in sub_rows), grand[x]), "sum")
        else:
            g.put(r, c, grand[x], "sum")
    total_row = r + 1
    r += 1
    if spec.get("notes"):
        r += 1
        for n in spec["notes"]:
            g.merge(r, 0, r, ncols - 1, n, "note")
            r += 1
    grids = [g] + [Grid(n) for n in spec.get("extra_sheets", [])]
    info = {"sheet": g.name, "title": title, "header_rows": list(range(header_first, first_data)),
            "first_data_row": first_data, "total_row": total_row, "subtotal_rows": sub_rows,
            "totals_written": grand}
    return grids, laid, info


# ---------------------------------------------------------------------------
# faults and late units
# ---------------------------------------------------------------------------

def pick_late(planned, rng):
    by_town = collections.defaultdict(list)
    for v in planned:
        by_town[v["town"]].append(v)
    late_towns = []
    for county in LATE_TOWNSHIP_COUNTIES:
        cands = sorted(t for t, vs in by_town.items() if t[:6] == county and 8 <= len(vs) <= 20)
        late_towns.append(cands[int(rng.integers(len(cands)))])
    late_villages = {}
    for kind, county in LATE_VILLAGE_PLAN:
        cands = [v for v in planned if v["county"] == county and v["town"] not in late_towns
                 and v["code"] not in late_villages and v["hh"] >= 60]
        if kind == "late_complete" and county == BACKWARDS[0]:
            cands = [v for v in cands if v["hh"] >= 100]
        late_villages[cands[int(rng.integers(len(cands)))]["code"]] = kind
    return late_towns, late_villages


def unused_code(town, all_codes, rng):
    while True:
        code = town + "%03d" % int(rng.integers(380, 500))
        if code not in all_codes:
            return code


def unused_name(county, villages, candidates):
    used = {norm_name(v["name"]) for v in villages}    # nothing in the whole city
    for n in candidates:
        if norm_name(n) not in used:
            return n
    raise RuntimeError("no unused name")


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def make(merged, outdir):
    villages = read_villages(merged)
    all_codes = {v["code"] for v in villages}
    planned = [v for v in villages if v["hh"] > 0]
    if any(v["planned"] is not None and (v["planned"] == 1) != (v["hh"] > 0) for v in villages):
        log("WARNING: planned (0/1) disagrees with households_total > 0; using households_total > 0")
    county_name = {}
    for v in villages:
        county_name.setdefault(v["county"], v["county_name"])
    missing = [c for c in COUNTIES if c not in county_name]
    if missing:
        sys.exit("counties missing from the villages layer: %s" % missing)
    vby = {v["code"]: v for v in villages}
    town_name = {v["town"]: v["town_name"] for v in villages}
    rng = np.random.default_rng([SEED, 1])
    late_towns, late_villages = pick_late(planned, rng)
    prog = plan_progress(planned, set(late_towns), late_villages)
    SP = specs()

    # --- faults -----------------------------------------------------------
    fault_vals = collections.defaultdict(dict)     # (county, k) -> {code: {'s','c','a'}}
    # 1. going backwards
    bw_code = [c for c, kind in late_villages.items() if kind == "late_complete" and c[:6] == BACKWARDS[0]][0]
    p = prog[bw_code]
    c_prev = p["c"][D_JUL]
    c_bad = c_prev - 12
    assert c_bad > 0
    fault_vals[(BACKWARDS[0], BACKWARDS[1])][bw_code] = {"s": p["s"][D_SEP], "c": c_bad,
                                                         "a": min(p["a"][D_SEP], c_bad)}
    # 4. completed above planned
    cands = [v for v in planned if v["county"] == OVER_PLANNED[0] and prog[v["code"]]["kind"] == "normal"
             and 80 <= v["hh"] <= 200]
    ov = cands[int(rng.integers(len(cands)))]
    extra = 6 + int(rng.integers(0, 10))
    fault_vals[(OVER_PLANNED[0], OVER_PLANNED[1])][ov["code"]] = {"s": ov["hh"] + extra, "c": ov["hh"] + extra,
                                                                  "a": ov["hh"]}
    # 2. unknown code / unknown name (extra rows)
    towns_of = lambda county: sorted({v["town"] for v in planned if v["county"] == county
                                      and v["town"] not in late_towns})
    t_uc = towns_of(UNKNOWN_CODE[0])[int(rng.integers(len(towns_of(UNKNOWN_CODE[0]))))]
    uc_code = unused_code(t_uc, all_codes, rng)
    uc_name = unused_name(UNKNOWN_CODE[0], villages, ["东风村", "前进村", "红旗村", "新华村", "胜利村"])
    unknown = {
        UNKNOWN_CODE: {"town": t_uc, "code": uc_code, "name": uc_name, "planned": 75, "s": 75, "c": 61,
                       "a": 30, "note": "补报"},
    }
    t_un = towns_of(UNKNOWN_NAME[0])[int(rng.integers(len(towns_of(UNKNOWN_NAME[0]))))]
    un_name = unused_name(UNKNOWN_NAME[0], villages, ["新立庄", "幸福庄", "北海新村", "东方红", "新兴庄"])
    unknown[UNKNOWN_NAME] = {"town": t_un, "code": None, "name": un_name, "planned": 58, "s": 58, "c": 20,
                             "a": 0, "note": None}

    # --- write the reports ------------------------------------------------
    os.makedirs(outdir, exist_ok=True)
    for fn in os.listdir(outdir):      # only files this script writes
        if re.match(r"^.+_\d{8}(_.+)?\.(xlsx|xls|csv)$", fn) or fn in ("expected.json", "README.md"):
            os.remove(os.path.join(outdir, fn))
    reports = collections.OrderedDict()
    files = collections.OrderedDict()
    rows_out = collections.OrderedDict()
    laid_by = {}
    for k, d in enumerate(DATES):
        dkey = d.isoformat()
        reports[dkey] = collections.OrderedDict()
        for county in COUNTIES:
            spec = SP[county]
            cname = county_name[county]
            groups = county_rows(county, spec, planned, prog, k, fault_vals.get((county, k), {}),
                                 unknown.get((county, k)))
            grids, laid, info = lay_report(county, cname, spec, d, k, groups)
            fname = "%s_%s.%s" % (cname, d.strftime("%Y%m%d"), spec["fmt"])
            path = os.path.join(outdir, fname)
            if spec["fmt"] == "xlsx":
                write_xlsx(path, grids, author=cname, created=FIXED_TIME)
            elif spec["fmt"] == "xls":
                write_xls(path, grids)
            else:
                write_csv(path, grids[0])
            laid_by[(county, k)] = laid
            tot = {"planned": sum(x.planned for x in laid), "started": sum(x.s for x in laid),
                   "completed": sum(x.c for x in laid), "accepted": sum(x.a for x in laid)}
            assert tot == info["totals_written"]
            m = [x for x in laid if x.v is not None]
            totm = {"planned": sum(x.planned for x in m), "started": sum(x.s for x in m),
                    "completed": sum(x.c for x in m), "accepted": sum(x.a for x in m)}
            reports[dkey][county] = collections.OrderedDict([
                ("county_name", cname), ("file", fname), ("sheet", info["sheet"]),
                ("data_rows", len(laid)), ("matched_rows", len(m)),
                ("totals", tot), ("totals_matched", totm),
                ("total_row", info["total_row"]), ("subtotal_rows", info["subtotal_rows"]),
            ])
            files[fname] = {"county_code": county, "date": dkey, "format": spec["fmt"],
                            "sheet": info["sheet"], "title": info["title"],
                            "header_rows": info["header_rows"], "first_data_row": info["first_data_row"],
                            "total_row": info["total_row"]}
            rows_out[fname] = laid
    # 3. duplicate import: a byte-identical copy
    dk = DATES[DUPLICATE[1]]
    orig = "%s_%s.%s" % (county_name[DUPLICATE[0]], dk.strftime("%Y%m%d"), SP[DUPLICATE[0]]["fmt"])
    dup = "%s_%s%s.%s" % (county_name[DUPLICATE[0]], dk.strftime("%Y%m%d"), DUPLICATE[2], SP[DUPLICATE[0]]["fmt"])
    shutil.copyfile(os.path.join(outdir, orig), os.path.join(outdir, dup))
    files[dup] = dict(files[orig], copy_of=orig)

    # --- faults with their positions --------------------------------------
    def pos(county, k, code=None, name=None):
        for x in laid_by[(county, k)]:
            if (code is not None and x.v is not None and x.v["code"] == code) or \
               (name is not None and x.v is None and x.name == name):
                return x
        raise KeyError((county, k, code, name))

    def colinfo(county, key):
        cols = SP[county]["cols"]
        i = [c[0] for c in cols].index(key)
        return col_letter(i), cols[i][2] or cols[i][1]

    def fname_of(county, k):
        return reports[DATES[k].isoformat()][county]["file"]

    faults = []
    x_prev = pos(BACKWARDS[0], D_JUL, code=bw_code)
    x_bad = pos(BACKWARDS[0], BACKWARDS[1], code=bw_code)
    L, H = colinfo(BACKWARDS[0], "completed")
    faults.append(collections.OrderedDict([
        ("kind", "progress_backwards"), ("file", fname_of(BACKWARDS[0], BACKWARDS[1])),
        ("sheet", files[fname_of(BACKWARDS[0], BACKWARDS[1])]["sheet"]), ("row", x_bad.row),
        ("column", L), ("header", H), ("village_code", bw_code), ("village_name", vby[bw_code]["name"]),
        ("value", x_bad.c), ("planned", vby[bw_code]["hh"]),
        ("previous", {"file": fname_of(BACKWARDS[0], D_JUL), "sheet": files[fname_of(BACKWARDS[0], D_JUL)]["sheet"],
                      "row": x_prev.row, "value": x_prev.c}),
        ("next", {"file": fname_of(BACKWARDS[0], D_OCT), "row": pos(BACKWARDS[0], D_OCT, code=bw_code).row,
                  "value": prog[bw_code]["c"][D_OCT]}),
        ("what", "已完工 %d in the 2022-09-20 report, %d in the 2022-07-31 report" % (x_bad.c, x_prev.c)),
    ]))
    x = pos(UNKNOWN_CODE[0], UNKNOWN_CODE[1], name=uc_name)
    L, H = colinfo(UNKNOWN_CODE[0], "code")
    faults.append(collections.OrderedDict([
        ("kind", "unknown_code"), ("file", fname_of(*UNKNOWN_CODE)), ("sheet", files[fname_of(*UNKNOWN_CODE)]["sheet"]),
        ("row", x.row), ("column", L), ("header", H), ("village_code", uc_code), ("written", x.code_written),
        ("village_name", uc_name),
        ("township_code", t_uc), ("values", {"planned": x.planned, "started": x.s, "completed": x.c, "accepted": x.a}),
        ("what", "village code %s (written %s) does not exist in the villages layer; the name %s matches "
                 "no village (an extra row, counted in the file's 合计)" % (uc_code, json.dumps(x.code_written,
                                                                                          ensure_ascii=False), uc_name)),
    ]))
    x = pos(UNKNOWN_NAME[0], UNKNOWN_NAME[1], name=un_name)
    L, H = colinfo(UNKNOWN_NAME[0], "name")
    faults.append(collections.OrderedDict([
        ("kind", "unknown_name"), ("file", fname_of(*UNKNOWN_NAME)), ("sheet", files[fname_of(*UNKNOWN_NAME)]["sheet"]),
        ("row", x.row), ("column", L), ("header", H), ("village_code", None), ("village_name", un_name),
        ("township_code", t_un), ("values", {"planned": x.planned, "started": x.s, "completed": x.c, "accepted": x.a}),
        ("what", "no code column in this county; the name %s (township %s) matches no village "
                 "(an extra row, counted in the file's 合计)" % (un_name, town_name[t_un])),
    ]))
    faults.append(collections.OrderedDict([
        ("kind", "duplicate_file"), ("file", dup), ("sheet", None), ("row", None), ("village_code", None),
        ("copy_of", orig),
        ("what", "byte-identical copy of %s (the same county and date imported twice)" % orig),
    ]))
    x = pos(OVER_PLANNED[0], OVER_PLANNED[1], code=ov["code"])
    L, H = colinfo(OVER_PLANNED[0], "completed")
    faults.append(collections.OrderedDict([
        ("kind", "completed_exceeds_planned"), ("file", fname_of(*OVER_PLANNED)),
        ("sheet", files[fname_of(*OVER_PLANNED)]["sheet"]), ("row", x.row), ("column", L), ("header", H),
        ("village_code", ov["code"]), ("village_name", ov["name"]),
        ("values", {"planned": x.planned, "started": x.s, "completed": x.c, "accepted": x.a}),
        ("what", "已完工 %d > 计划改造户数 %d (已开工 is %d too; 已验收 %d)" % (x.c, x.planned, x.s, x.a)),
    ]))

    # --- consistency checks on what was written ---------------------------
    series = collections.defaultdict(dict)     # code -> k -> (s, c, a, planned)
    for (county, k), laid in laid_by.items():
        for x in laid:
            if x.v is not None:
                series[x.v["code"]][k] = (x.s, x.c, x.a, x.planned)
    decreases = []
    violations = []
    for code, ser in series.items():
        assert sorted(ser) == [0, 1, 2, 3], code
        for k in range(4):
            s, c, a, hh = ser[k]
            if not (hh >= s >= c >= a >= 0):
                violations.append((code, k, ser[k]))
            if k:
                for j, nm in enumerate(("started", "completed", "accepted")):
                    if ser[k][j] < ser[k - 1][j]:
                        decreases.append((code, k, nm))
    assert decreases == [(bw_code, D_SEP, "completed")], decreases
    assert [(c, k) for c, k, _ in violations] == [(ov["code"], D_OCT)], violations
    assert len(series) == len(planned)

    # --- late units, from the figures as written ---------------------------
    def not_all(k, j):
        return sorted(code for code, ser in series.items() if ser[k][j] < ser[k][3])
    by_ms = collections.OrderedDict([
        ("2022-06-30", {"not_all_started": not_all(D_JUN, 0)}),
        ("2022-09-20", {"not_all_completed": not_all(D_SEP, 1)}),
        ("2022-10-10", {"not_all_accepted": not_all(D_OCT, 2), "not_all_completed": not_all(D_OCT, 1)}),
    ])
    lt = {v["code"] for v in planned if v["town"] in late_towns}
    of_kind = lambda kind: {c for c, kd in late_villages.items() if kd == kind}
    assert set(by_ms["2022-06-30"]["not_all_started"]) <= lt | of_kind("late_start")
    assert of_kind("late_start") <= set(by_ms["2022-06-30"]["not_all_started"])
    assert set(by_ms["2022-09-20"]["not_all_completed"]) == lt | of_kind("late_complete")
    assert bw_code in of_kind("late_complete")
    assert lt | of_kind("late_accept") <= set(by_ms["2022-10-10"]["not_all_accepted"]) <= \
        lt | of_kind("late_accept") | of_kind("late_complete")
    assert set(by_ms["2022-10-10"]["not_all_completed"]) <= lt
    town_tot = collections.OrderedDict()
    for k, d in enumerate(DATES):
        tt = collections.OrderedDict()
        for v in planned:
            s, c, a, hh = series[v["code"]][k]
            e = tt.setdefault(v["town"], [0, 0, 0, 0])
            e[0] += hh
            e[1] += s
            e[2] += c
            e[3] += a
        town_tot[d.isoformat()] = tt

    planned_by_county = collections.OrderedDict()
    for county in COUNTIES:
        pv = [v for v in planned if v["county"] == county]
        planned_by_county[county] = {"county_name": county_name[county], "villages": len(pv),
                                     "households": sum(v["hh"] for v in pv)}
    layouts = collections.OrderedDict()
    for county in COUNTIES:
        spec = SP[county]
        layouts[county] = collections.OrderedDict([
            ("county_name", county_name[county]), ("format", spec["fmt"]),
            ("encoding", "GB18030, CRLF" if spec["fmt"] == "csv" else None),
            ("sheets", [spec["sheet"](d) for d in DATES] if spec["sheet"](DATES[0]) else None),
            ("extra_empty_sheets", spec.get("extra_sheets", [])),
            ("two_level_header", spec["two_level"]),
            ("columns", [collections.OrderedDict([("column", col_letter(i)), ("key", key), ("header", top),
                                                   ("subheader", sub)])
                         for i, (key, top, sub) in enumerate(spec["cols"])]),
            ("codes", {"text": "text", "number": "numbers", "apostrophe40": "text, ~40% with a leading apostrophe",
                       "mixed": "mixed: numbers, text with a leading apostrophe, text with spaces, plain text",
                       None: "none (match by township + name)"}[spec["code_style"]]),
            ("names", {"cun": "段家庄村 style", "bare": "short (段家庄)", "official": "official (…村民委员会)",
                       "mixed": "mixed 段家庄村 / 段家庄"}[spec["name_style"]]),
            ("townships", "short (下洼)" if spec["town_style"] == "short" else "full"),
            ("dates", {"date": "Excel dates (yyyy/m/d)", "datecn": "Excel dates shown as 2022年8月15日",
                       "dot": "text 2022.8.15", "cn": "text 2022年8月15日", "iso": "text 2022-08-15"}[spec["date_style"]]),
            ("zeros", "blank cells" if spec["zeros"] == "blank" else "0"),
            ("unit_line", spec["unit"]),
            ("subtotals", {None: None, "town": "{乡镇}小计 in the 乡镇 column after each township",
                           "name": "a 小计 row after each township: township name in 乡镇, 小计 in 村（居）"}[spec.get("subtotal")]),
            ("formulas", bool(spec.get("formulas"))),
            ("blank_rows_after_township_index", spec.get("blank_after", [])),
            ("notes_under_table", len(spec["notes"] or [])),
        ])

    def row_list(laid):
        return [[x.row, (x.v["code"] if x.v else None), x.planned, x.s, x.c, x.a] for x in laid]

    manifest = collections.OrderedDict([
        ("generator", "data-samples/generate_progress.py (seed %d)" % SEED),
        ("source", "layer villages of the merged GeoPackage (cleanheat merge of data-samples/plans)"),
        ("milestones", MILESTONES),
        ("report_dates", [d.isoformat() for d in DATES]),
        ("planned_by_county", planned_by_county),
        ("planned_total", {"villages": len(planned), "households": sum(v["hh"] for v in planned)}),
        ("reports", reports),
        ("files", files),
        ("faults", faults),
        ("late", collections.OrderedDict([
            ("townships", [{"township_code": t, "township_name": town_name[t], "county_code": t[:6],
                            "villages": sum(1 for v in planned if v["town"] == t)} for t in late_towns]),
            ("villages", [{"village_code": c, "village_name": vby[c]["name"], "county_code": c[:6],
                           "kind": kind} for c, kind in sorted(late_villages.items())]),
            ("by_milestone", by_ms),
            ("definition", "computed from the figures as written (matched rows only): at 2022-06-30 "
                           "已开工 < planned, at 2022-09-20 已完工 < planned, at 2022-10-10 已验收 < planned. "
                           "Every village of a late township is in the 2022-09-20 and 2022-10-10 lists "
                           "(and most in the 2022-06-30 list); each late village is in the list of its kind "
                           "(late_start: 2022-06-30, late_complete: 2022-09-20 and possibly 2022-10-10 "
                           "accepted, late_accept: 2022-10-10); the progress_backwards village is a "
                           "late_complete village; no other village is late."),
        ])),
        ("township_totals", {"fields": ["planned", "started", "completed", "accepted"],
                             "note": "matched rows only, keyed by township code", "by_date": town_tot}),
        ("rules", collections.OrderedDict([
            ("figures", "cumulative households at the reporting date: 已开工 >= 已完工 >= 已验收, never more "
                        "than 计划 (except the completed_exceeds_planned fault), never less than in the previous "
                        "report (except the progress_backwards fault)"),
            ("data_rows", "every planned village once per report, sorted by township and village code, plus the "
                          "extra unknown_code / unknown_name rows; not titles, 填报 lines, 单位 lines, headers, "
                          "小计/合计 rows, blank rows or notes"),
            ("totals", "totals = plain sum of the data rows as written (blank cells count 0; the fault rows "
                       "count); totals_matched leaves out the rows that match no village. Every 小计 and 合计 "
                       "in the files is correct (equal to the plain sum of the rows above it)"),
            ("dates", "开工日期 is shown once 已开工 > 0, 完工日期 once 已完工 >= planned, 验收日期 once "
                      "已验收 >= planned; otherwise blank"),
            ("rows", "row = 1-based row number as a spreadsheet program shows it (for the CSV: the line number); "
                     "in rows: [row, village code (null when no village matches), planned, started, completed, "
                     "accepted]"),
            ("names", "village names compare after removing the committee suffix and then one trailing 村 or "
                      "社区 (as in data-samples/README.md); 无棣县 has no code column, township + name identify "
                      "exactly one village"),
        ])),
        ("layouts", layouts),
        ("rows", collections.OrderedDict((fn, row_list(laid)) for fn, laid in rows_out.items())),
    ])
    text = dump_json(manifest)
    with open(os.path.join(outdir, "expected.json"), "w", encoding="utf-8") as f:
        f.write(text)
    write_readme(outdir, manifest)
    return manifest


def dump_json(obj):
    """indent=2, but the lists of numbers / row arrays stay on one line each."""
    marks = {}

    def walk(o):
        if isinstance(o, dict):
            return collections.OrderedDict((k, walk(v)) for k, v in o.items())
        if isinstance(o, list):
            if all(not isinstance(x, (dict, list)) for x in o) and (not o or not isinstance(o[0], str) or len(o) <= 8):
                key = "@@%d@@" % len(marks)
                marks[key] = json.dumps(o, ensure_ascii=False)
                return key
            return [walk(x) for x in o]
        return o
    text = json.dumps(walk(obj), ensure_ascii=False, indent=2)
    for key, val in marks.items():
        text = text.replace('"%s"' % key, val)
    return text + "\n"


# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------

def write_readme(outdir, m):
    L = []
    L.append("# 农村清洁取暖工程进度表 sample progress reports\n")
    L.append("Synthetic county progress reports (进度表) for the 846 planned villages of the sample plan. "
             "Made by `data-samples/generate_progress.py` from the merged GeoPackage, with a fixed seed; "
             "re-running gives byte-identical files:\n")
    L.append("```\ncd /work/main   # the repository root\n"
             "./build/tools/cleanheat merge data-samples/plans/* --villages data-samples/villages.gpkg \\\n"
             "    --heating data-samples/heating.xlsx -o /tmp/progress_gen/merged.gpkg --overwrite --quiet"
             "   # exit code 1 is normal\n"
             "/usr/bin/python3 data-samples/generate_progress.py /tmp/progress_gen/merged.gpkg\n```\n")
    L.append("Needs Debian's python3 with python3-gdal, python3-numpy, python3-xlsxwriter, python3-xlwt, and python3-scipy, python3-shapely for generate.py, whose table writers and name styles it shares. "
             "The script re-reads every file it wrote (GDAL for xlsx/xls, Python's csv for the GB18030 CSV) "
             "and checks each data row and total against `expected.json`.\n")
    L.append("## 内容 What\n")
    L.append("报告日期 reporting dates: 2022-06-30, 2022-07-31, 2022-09-20, 2022-10-10. 节点 milestones: "
             "6月30日前全部开工 (all started), 9月20日前完工 (construction complete), 10月10日前调试验收 (accepted).\n")
    L.append("One file per county and date, `<县市区>_<yyyymmdd>.<ext>`, 28 files, plus one duplicate. Figures are "
             "cumulative households per planned village: 已开工 (started) >= 已完工 (completed) >= 已验收 "
             "(accepted) <= 计划 (planned). Each county keeps its own layout on all four dates:\n")
    L.append("| county | format | sheet | header | codes | names | dates | other |")
    L.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for code, lay in m["layouts"].items():
        hdr = []
        cols = lay["columns"]
        i = 0
        while i < len(cols):
            c = cols[i]
            if c["subheader"]:
                grp = [x["subheader"] for x in cols if x["header"] == c["header"] and x["subheader"]]
                hdr.append("%s (%s)" % (c["header"], ", ".join(grp)))
                i += len(grp)
            else:
                hdr.append(c["header"])
                i += 1
        other = []
        if lay["unit_line"]:
            other.append("单位 line")
        if lay["zeros"] != "0":
            other.append("zeros left blank")
        if lay["subtotals"]:
            other.append("小计: " + lay["subtotals"])
        if lay["formulas"]:
            other.append("小计/合计 are formulas with cached values")
        if lay["blank_rows_after_township_index"]:
            other.append("a blank row after the 3rd township")
        if lay["extra_empty_sheets"]:
            other.append("empty " + ", ".join(lay["extra_empty_sheets"]))
        if lay["notes_under_table"]:
            other.append("%d 说明 line%s" % (lay["notes_under_table"], "s" if lay["notes_under_table"] > 1 else ""))
        if lay["townships"] != "full":
            other.append("township " + lay["townships"])
        sheets = lay["sheets"]
        sh = "(CSV, %s)" % lay["encoding"] if sheets is None else (
            sheets[0] if len(set(sheets)) == 1 else " / ".join(sheets) + " (by date)")
        L.append("| %s %s | %s | %s | %s %s | %s | %s | %s | %s |" % (
            code, lay["county_name"], lay["format"], sh, "two-level:" if lay["two_level_header"] else "one-level:",
            " \\| ".join(hdr), lay["codes"], lay["names"], lay["dates"], "; ".join(other)))
    L.append("")
    L.append("Every file has a merged title row ending （截至2022年6月30日） etc. and a 填报单位/填报日期 line "
             "(one merged cell, or two cells in 沾化区 and 博兴县), then the header row(s), the data rows sorted by "
             "township and code, and a 合计 row (label in column A, merged over the columns before the figures in "
             "滨城区, 惠民县, 无棣县). Count columns contain 开工/完工/验收 in their header, but so do the date "
             "columns (开工日期, 完工日期, 完工时间, 验收日期): tell them apart by 日期/时间. Dates are shown only "
             "once a village is fully started/completed/accepted (开工日期 once started > 0).\n")
    L.append("Late on purpose: the townships %s (whole townships, in three counties) and 8 single villages "
             "(`late.villages` in expected.json: late start, late completion, late acceptance).\n" %
             ", ".join("%s %s" % (t["township_code"], t["township_name"]) for t in m["late"]["townships"]))
    L.append("## 预置问题 Planted faults\n")
    L.append("| kind | file | sheet | row | column | village | what |")
    L.append("| --- | --- | --- | --- | --- | --- | --- |")
    for f in m["faults"]:
        L.append("| `%s` | %s | %s | %s | %s | %s | %s |" % (
            f["kind"], f["file"], f["sheet"] or "-", f["row"] or "-",
            ("%s %s" % (f.get("column"), f.get("header"))) if f.get("column") else "-",
            f["village_code"] or ("-" if f["kind"] == "duplicate_file" else "(none) " + f.get("village_name", "")),
            f["what"]))
    L.append("")
    L.append("The fault rows are data rows and count in their file's 合计 (all 小计/合计 are correct).\n")
    L.append("## expected.json\n")
    L.append("- `reports[date][county]`: file, sheet, `data_rows`, `totals` (sum of 计划/已开工/已完工/已验收 "
             "over the data rows as written, without 小计/合计; blanks count 0), `totals_matched` (without "
             "the rows that match no village), `total_row` (the 合计 row), `subtotal_rows`;")
    L.append("- `planned_by_county`, `planned_total` (from the villages layer);")
    L.append("- `faults` (file, sheet, 1-based row as a spreadsheet shows it, column, village code);")
    L.append("- `late`: late townships and villages and, per milestone, the villages behind (from the "
             "figures as written); `township_totals` per date;")
    L.append("- `layouts`: the columns and spellings of each county; `files`: header rows, first data row;")
    L.append("- `rows[file]`: every data row as `[row, village_code, planned, started, completed, accepted]` "
             "(code null when the row matches no village; for 无棣县 it is the village the name identifies).\n")
    L.append("All names, codes and figures are synthetic, derived from the synthetic sample plan.\n")
    with open(os.path.join(outdir, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(L))


# ---------------------------------------------------------------------------
# verification: re-read every file
# ---------------------------------------------------------------------------

def to_int(x):
    if x is None:
        return 0
    if isinstance(x, (int, float)):
        return int(x)
    s = str(x).strip()
    return int(float(s)) if s else 0


def clean_code(x):
    if x is None:
        return None
    if isinstance(x, float):
        return "%d" % x
    s = re.sub(r"[\s']", "", str(x))
    return s or None


def read_sheet_gdal(path, sheet):
    """{1-based row: [cell values]} through GDAL with header detection off."""
    if path.endswith(".xls"):
        gdal.SetConfigOption("OGR_XLS_HEADERS", "DISABLE")
        ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
        gdal.SetConfigOption("OGR_XLS_HEADERS", None)
    else:
        ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY, open_options=["HEADERS=DISABLE",
                                                                                 "FIELD_TYPES=STRING"])
    lyr = ds.GetLayerByName(sheet)
    assert lyr is not None, (path, sheet)
    n = lyr.GetLayerDefn().GetFieldCount()
    out = {}
    for i, f in enumerate(lyr):
        out[i + 1] = [f.GetField(j) if f.IsFieldSet(j) and not f.IsFieldNull(j) else None for j in range(n)]
    ds = None
    return out


def read_csv_file(path):
    with open(path, "rb") as fb:
        raw = fb.read()
    text = raw.decode("gb18030")
    assert "\r\n" in text
    rows = list(csv.reader(text.splitlines()))
    return {i + 1: [c if c != "" else None for c in r] for i, r in enumerate(rows)}


def verify(outdir, m):
    SP = specs()
    for fn, finfo in m["files"].items():
        path = os.path.join(outdir, fn)
        county = finfo["county_code"]
        spec = SP[county]
        keys = [c[0] for c in spec["cols"]]
        ci = {k: i for i, k in enumerate(keys)}
        grid = read_csv_file(path) if finfo["format"] == "csv" else read_sheet_gdal(path, finfo["sheet"])
        rows = m["rows"][finfo.get("copy_of", fn)]
        tot = {"planned": 0, "started": 0, "completed": 0, "accepted": 0}
        for row, code, hh, s, c, a in rows:
            cells = grid[row]
            got = [to_int(cells[ci[k]]) for k in ("planned", "started", "completed", "accepted")]
            assert got == [hh, s, c, a], (fn, row, got, [hh, s, c, a])
            if "code" in ci:
                written = clean_code(cells[ci["code"]])
                if code is not None:
                    assert written == code, (fn, row, written, code)
            for k, val in zip(("planned", "started", "completed", "accepted"), got):
                tot[k] += val
        rep = m["reports"][finfo["date"]][county]
        assert tot == rep["totals"], (fn, tot, rep["totals"])
        tcells = grid[rep["total_row"]]
        assert str(tcells[0]).strip() == "合计", (fn, tcells)
        assert [to_int(tcells[ci[k]]) for k in tot] == [tot[k] for k in tot], (fn, tcells)
        assert len(rows) == rep["data_rows"]
    # the duplicate is byte-identical
    for fn, finfo in m["files"].items():
        if "copy_of" in finfo:
            with open(os.path.join(outdir, fn), "rb") as a, open(os.path.join(outdir, finfo["copy_of"]), "rb") as b:
                assert a.read() == b.read()
    log("verified %d files: every data row, 合计 and total as in expected.json" % len(m["files"]))


def main():
    ap = argparse.ArgumentParser(description="Write sample county progress reports (进度表).")
    ap.add_argument("merged", help="merged GeoPackage (cleanheat merge output) with layer villages")
    ap.add_argument("--out", default=os.path.join(HERE, "progress"), help="output folder (default: "
                                                                           "data-samples/progress)")
    ap.add_argument("--no-verify", action="store_true", help="skip re-reading the files")
    args = ap.parse_args()
    m = make(args.merged, args.out)
    n = sum(len(v) for v in m["reports"].values())
    log("wrote %d reports + %d duplicate, expected.json and README.md into %s" % (
        n, len(m["files"]) - n, args.out))
    for f in m["faults"]:
        log("fault %-26s %s %s row %s %s" % (f["kind"], f["file"], f["sheet"], f["row"], f["village_code"]))
    if not args.no_verify:
        verify(args.out, m)


if __name__ == "__main__":
    main()
