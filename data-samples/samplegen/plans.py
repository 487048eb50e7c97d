"""The seven county plan tables of the city samples: specs, faults, writing, expected results and
a re-reading check with GDAL."""

import collections
import os
import re

import numpy as np
from osgeo import gdal

from .common import ROUTES, SEED
from .layouts import (DEVICES, METHOD_B, NOTES, ROUTE_COLS, Item, PlanFile, lay_layout_a, lay_layout_b,
                      lay_notes)
from .names import FULLWIDTH, norm_name, town_short, written_name
from .writers import Grid, lay_headers, lay_title, write_csv, write_xls, write_xlsx

gdal.UseExceptions()


def plan_specs():
    """How each county fills in its table (layout, headers, spellings)."""
    A = "A"
    B = "B"
    return {
        "371602": dict(
            path="plans/滨城区2022年农村清洁取暖计划.xlsx", fmt="xlsx", layout=A, sheets=["滨城区"],
            title="滨城区2022年农村清洁取暖建设计划表",
            info="填报单位：滨城区住房和城乡建设局（盖章）　　　　　　填报日期：2022年6月18日",
            unit="单位：户",
            cols=[("seq", "序号", None), ("county", "县（市、区）", None), ("town", "乡镇（街道）", None),
                  ("name", "村（居）", None), ("code", "村代码", None),
                  ("total", "改造户数", "合计"), ("dh", "改造户数", "集中供热"), ("gas", "改造户数", "煤改气"),
                  ("el", "改造户数", "煤改电"), ("bio", "改造户数", "生物质"),
                  ("start", "计划开工日期", None), ("end", "计划完工日期", None), ("note", "备注", None)],
            two_level=True, county_text="滨城区", name_style="cun", town_style="official",
            code_style=lambda rng: "text", date_style="excel", subtotal="小计",
            widths={0: 6, 1: 12, 2: 14, 3: 16, 4: 16, 10: 13, 11: 13, 12: 10}),
        "371603": dict(
            path="plans/沾化区2022年农村清洁取暖计划.xls", fmt="xls", layout=A, sheets=["Sheet1"],
            title="沾化区2022年农村清洁取暖改造计划表",
            info=("填报单位：沾化区住房和城乡建设局", "填报日期：2022年6月20日"), unit=None,
            cols=[("seq", "序号", None), ("county", "县区", None), ("town", "镇（街道）", None),
                  ("name", "村名", None), ("code", "统计用区划代码", None), ("total", "合计户数", None),
                  ("dh", "其中", "集中供热"), ("gas", "其中", "气代煤"), ("el", "其中", "电代煤"),
                  ("bio", "其中", "生物质"), ("start", "计划开工日期", None), ("end", "计划完工日期", None),
                  ("note", "备注", None)],
            two_level=True, county_text="沾化", name_style="bare", town_style="short",
            code_style=lambda rng: "number", date_style="dot", subtotal=None, blank_after={1, 4},
            widths={0: 6, 1: 8, 2: 10, 3: 12, 4: 16, 10: 12, 11: 12}),
        "371621": dict(
            path="plans/惠民县2022年农村清洁取暖计划.xlsx", fmt="xlsx", layout=B, sheets=["农村清洁取暖"],
            title="惠民县2022年农村清洁取暖建设计划表",
            info="填报单位（盖章）：惠民县清洁取暖工作领导小组办公室　　　　填报日期：2022年6月16日",
            unit="单位：户",
            cols=[("seq", "序号", None), ("town", "乡镇", None), ("name", "村名", None), ("code", "村代码", None),
                  ("method", "改造方式", None), ("device", "设备类型", None), ("count", "户数", None),
                  ("end", "计划完工时间", None)],
            two_level=False, name_style="mixed", town_style="official", merge_villages=True,
            code_style=lambda rng: "spaces" if rng.random() < 0.15 else "text", date_style="excelcn",
            subtotal="{town}小计", widths={0: 6, 1: 12, 2: 14, 3: 16, 4: 10, 5: 14, 6: 8, 7: 16}),
        "371622": dict(
            path="plans/阳信县2022年农村清洁取暖计划.csv", fmt="csv", layout=A, sheets=[None],
            title="阳信县2022年农村清洁取暖计划表",
            info="填报单位：阳信县住房和城乡建设局　　填报日期：2022年6月", unit="单位：户",
            cols=[("seq", "序号", None), ("town", "乡镇", None), ("name", "村居名称", None),
                  ("code", "区划代码", None), ("total", "改造总户数", None), ("dh", "集中供热", None),
                  ("gas", "天然气", None), ("el", "电能", None), ("bio", "生物质", None),
                  ("start", "计划开工", None), ("end", "计划完工", None), ("note", "备注", None)],
            two_level=False, name_style="official", town_style="official",
            code_style=lambda rng: "apostrophe" if rng.random() < 0.4 else "text", date_style="cn",
            subtotal="{town}小计"),
        "371623": dict(
            path="plans/无棣县2022年农村清洁取暖计划.xlsx", fmt="xlsx", layout=A,
            sheets=["Sheet1", "Sheet2", "Sheet3"],
            title="无棣县2022年农村清洁取暖建设计划表（{part}）",
            info=("填报单位：无棣县住房和城乡建设局", "填报日期：2022年6月17日"), unit="单位：户",
            cols=[("seq", "序号", None), ("code", "区划代码", None), ("town", "乡镇", None),
                  ("name", "行政村名称", None), ("el", "计划改造户数", "电代煤"),
                  ("gas", "计划改造户数", "气代煤"), ("dh", "计划改造户数", "集中供热"),
                  ("bio", "计划改造户数", "生物质"), ("total", "合计", None), ("end", "计划完工日期", None),
                  ("note", "备注", None)],
            two_level=True, name_style="cun", town_style="official", zero_fill=True,
            code_style=lambda rng: "number" if rng.random() < 0.85 else "text", date_style="excel",
            subtotal=None, widths={0: 6, 1: 16, 2: 12, 3: 14, 9: 13}),
        "371625": dict(
            path="plans/博兴县2022年农村清洁取暖计划.xlsx", fmt="xlsx", layout=B, sheets=["博兴县"],
            title="博兴县2022年农村清洁取暖建设计划表",
            info="填报单位：博兴县住房和城乡建设局　　　　填报日期：2022年6月19日", unit=None,
            cols=[("seq", "序号", None), ("town", "镇（街道）", None), ("name", "村居名称", None),
                  ("code", "区划代码", None), ("method", "改造方式", None), ("count", "户数（户）", None),
                  ("end", "计划完工时间", None), ("note", "备注", None)],
            two_level=False, name_style="bare", town_style="official", device_as_method=True,
            code_style=lambda rng: "number", date_style="iso", subtotal=None, blank_after={2},
            widths={0: 6, 1: 12, 2: 12, 3: 16, 4: 14, 5: 10, 6: 14, 7: 10}),
        "371681": dict(
            path="plans/邹平市2022年农村清洁取暖计划.xlsx", fmt="xlsx", layout=A, sheets=["2022年计划"],
            title="邹平市2022年农村清洁取暖建设计划表",
            info=("填报单位：邹平市住房和城乡建设局", "填报日期：2022年6月15日"), unit="单位：户",
            cols=[("seq", "序号", None), ("county", "县（市、区）", None), ("town", "乡镇", None),
                  ("name", "村（居）", None), ("code", "村代码", None),
                  ("gas", "计划改造户数（户）", "燃气"), ("el", "计划改造户数（户）", "电代煤"),
                  ("dh", "计划改造户数（户）", "集中供热"), ("bio", "计划改造户数（户）", "生物质"),
                  ("total", "计划改造户数（户）", "合计"),
                  ("start", "计划开工日期", None), ("end", "计划完工日期", None), ("note", "备注", None)],
            two_level=True, county_text="邹平", name_style="cun", town_style="official", formulas=True,
            code_style=lambda rng: ["number", "number", "apostrophe", "spaces"][int(rng.integers(4))],
            date_style="excel", subtotal="{town}小计", widths={0: 6, 1: 10, 2: 12, 3: 14, 4: 16, 10: 13, 11: 13}),
    }


def county_groups(county, spec, entries, rng):
    """[(town_code, [Item])] for the planned villages of a county."""
    by_town = collections.defaultdict(list)
    for c in sorted(entries):
        if c[:6] == county:
            by_town[c[:9]].append(entries[c])
    groups = []
    for t in sorted(by_town):
        items = []
        for e in by_town[t]:
            items += entry_items(e, spec, rng)
        groups.append((t, items))
    return groups


def item_name(v, spec, rng):
    st = spec["name_style"]
    if st == "mixed":
        st = ["bare", "cun"][int(rng.integers(2))]
    return written_name(v["name"], st)


def item_town(v, spec):
    return v["town_name"] if spec["town_style"] == "official" else town_short(v["town_name"])


# the one route of the samples outside the four: a real clean route (solar), loaded as other and
# reported.  A text that names no route (待定) is refused by the merge, so it is not in the samples.
OTHER_ROUTE_TEXT = "太阳能"


def method_text(route, spec, rng):
    if route == "other":
        return OTHER_ROUTE_TEXT
    if spec.get("device_as_method"):
        d = DEVICES[route][int(rng.integers(len(DEVICES[route])))]
        return d or "集中供热"
    return METHOD_B[route]


def entry_items(e, spec, rng):
    v = e.v
    name = item_name(v, spec, rng)
    town = item_town(v, spec)
    if spec["layout"] == "A":
        return [Item(v, v["code"], [tuple(r) for r in e.routes], name=name, town=town)]
    return [Item(v, v["code"], [tuple(r)], name=name, town=town, method_text=method_text(r[0], spec, rng))
            for r in e.routes]


def pick(rng, seq):
    seq = list(seq)
    return seq[int(rng.integers(len(seq)))]


def choose_fault_villages(entries, sel, villages, rng):
    """Which villages carry which fault (deterministic)."""
    planned = sel["planned"]
    touch = sel["touch"]
    special = set(sel["holes"]) | set(sel["isolated"])
    single = lambda c: len(entries[c].routes) == 1 and c not in special
    of = lambda county: [c for c in sorted(entries) if c[:6] == county]
    ch = {}
    ch["total_mismatch"] = pick(rng, [c for c in of("371602") if len(entries[c].routes) == 2])
    ch["dup_within"] = pick(rng, [c for c in of("371602") if single(c) and c != ch["total_mismatch"]])
    ch["fullwidth"] = pick(rng, [c for c in of("371603") if c not in special])
    hm = [c for c in of("371621") if single(c)]
    ch["other_route"] = pick(rng, hm)
    # a village whose short name is unique in its township, for the row without a code
    names = collections.Counter((v["town"], norm_name(v["name"])) for v in villages)
    ch["by_name"] = pick(rng, [c for c in hm if c != ch["other_route"]
                               and names[(c[:9], norm_name(sel["byc"][c]["name"]))] == 1])
    border = [c for c in hm if c not in (ch["other_route"], ch["by_name"])
              and any(n[:6] == "371622" for n in touch[c])]
    ch["dup_cross"] = pick(rng, border or [c for c in hm if c not in (ch["other_route"], ch["by_name"])])
    zp = [c for c in of("371681") if c not in special]
    ch["name_mismatch"] = pick(rng, zp)
    # unplanned villages, away from any planned village, in townships that have planned villages
    planned_towns = {c[:9] for c in planned}

    def lonely(county):
        return [v["code"] for v in villages if v["county"] == county and v["code"] not in planned
                and v["town"] in planned_towns and not (touch[v["code"]] & planned)
                and "类似" not in v["name"] and "虚拟" not in v["name"]]
    ch["negative"] = pick(rng, lonely("371622"))
    ch["unreadable"] = pick(rng, lonely("371625"))
    return ch


def make_plan_files(entries, sel, villages, ch, rng):
    """Lay out the seven county tables.  Returns [PlanFile]."""
    byc = sel["byc"]
    specs = plan_specs()
    files = []
    for county in sorted(specs):
        spec = specs[county]
        frng = np.random.default_rng([SEED, int(county), 11])
        pf = PlanFile(spec["path"], spec["fmt"])
        groups = county_groups(county, spec, entries, frng)
        extras = []
        gi = {t: items for t, items in groups}

        def find(code):
            for t, items in groups:
                for it in items:
                    if it.code == code:
                        return it
            raise KeyError(code)

        def insert(item):
            items = gi[item.code[:9]]
            k = 0
            while k < len(items) and items[k].code < item.code:
                k += 1
            items.insert(k, item)

        if county == "371602":
            it = find(ch["total_mismatch"])
            s = sum(h for _, h in it.routes)
            it.total_override = s + 20
            it.faults.append(("total_mismatch", "合计 %d，分项之和 %d" % (s + 20, s)))
            o = find(ch["dup_within"])
            extras.append(Item(o.v, o.code, list(o.routes), name=o.name, town=o.town, note="补报",
                               loaded=False, dup_of=o,
                               faults=[("duplicate", None)]))
        elif county == "371603":
            it = find(ch["fullwidth"])
            it.code_style = "fullwidth"
            it.faults.append(("fullwidth_code", it.code.translate(FULLWIDTH)))
        elif county == "371621":
            it = find(ch["other_route"])
            it.faults.append(("other_route", it.method_text))
            it = find(ch["by_name"])
            it.code_style = "blank"
            it.faults.append(("matched_by_name", "%s %s → %s" % (it.town, it.name, it.code)))
            spec = dict(spec)
            cands = [t for t, items in groups if len(items) >= 3
                     and not any(i.faults for i in items) and ch["dup_cross"][:9] != t]
            spec["wrong_subtotal"] = {pick(frng, cands): 100}
        elif county == "371622":
            v = byc[ch["negative"]]
            it = Item(v, v["code"], [("electric", -56)], name=item_name(v, spec, frng),
                      town=item_town(v, spec), loaded=False, faults=[("negative_count", "-56")])
            insert(it)
            e = entries[ch["dup_cross"]]
            v = e.v
            extras.append(Item(v, v["code"], [tuple(e.routes[0])], name=written_name(v["name"], "official"),
                               town=v["town_name"], loaded=False, dup_of=("cross", ch["dup_cross"]),
                               faults=[("duplicate", None)]))
        elif county == "371623":
            t = pick(frng, sorted(gi))
            used = {v["code"] for v in villages}
            k = 298
            while t + "%03d" % k in used:
                k -= 1
            fake = t + "%03d" % k
            cnames = {norm_name(v["name"]) for v in villages if v["county"] == county}
            fname = [n for n in ("新立庄", "前进新村", "东升庄", "王家洼", "红星新村", "兴隆庄")
                     if norm_name(n) not in cnames][0]
            it = Item(None, fake, [("electric", 88)], name=fname, town=gi[t][0].town, loaded=False,
                      faults=[("unknown_code", fake)])
            insert(it)
        elif county == "371625":
            v = byc[ch["unreadable"]]
            it = Item(v, v["code"], [("electric", "约120户")], name=item_name(v, spec, frng),
                      town=item_town(v, spec), method_text="空气源热泵", loaded=False,
                      faults=[("unreadable_count", "约120户")])
            insert(it)
        elif county == "371681":
            it = find(ch["name_mismatch"])
            others = [byc[c] for c in sorted(byc) if c[:9] == it.code[:9] and c != it.code
                      and norm_name(byc[c]["name"]) != norm_name(it.v["name"])]
            other = pick(frng, others)
            it.name = written_name(other["name"], spec["name_style"])
            it.faults.append(("name_mismatch", "表中“%s”，区划名称“%s”" % (it.name, it.v["name"])))

        ncols = len(spec["cols"])
        notes = NOTES if county != "371625" else NOTES[:2]
        if county == "371623":
            # the list is split over two sheets, a third sheet is empty
            half = (len(groups) + 1) // 2
            parts = [(groups[:half], []), (groups[half:], extras)]
            for si, (gs, ex) in enumerate(parts):
                g = Grid(spec["sheets"][si])
                g.widths = spec.get("widths", {})
                r = lay_title(g, spec["title"].format(part="一二"[si]), ncols, spec["info"], spec["unit"])
                r = lay_headers(g, r, spec["cols"], spec["two_level"])
                r = lay_layout_a(pf, g, spec, gs, ex, frng, r)
                if si == 1:
                    lay_notes(g, r, ncols, notes)
                pf.grids.append(g)
            pf.grids.append(Grid(spec["sheets"][2]))
        else:
            g = Grid(spec["sheets"][0] or os.path.splitext(os.path.basename(spec["path"]))[0])
            g.widths = spec.get("widths", {})
            r = lay_title(g, spec["title"], ncols, spec["info"], spec["unit"])
            r = lay_headers(g, r, spec["cols"], spec["two_level"])
            lay = lay_layout_a if spec["layout"] == "A" else lay_layout_b
            r = lay(pf, g, spec, groups, extras, frng, r)
            lay_notes(g, r, ncols, notes)
            pf.grids.append(g)
        pf.spec = spec
        files.append(pf)
    return files


def resolve_duplicates(files):
    """Fill in the value of the duplicate faults now that every row has its position."""
    first = {}
    for pf in sorted(files, key=lambda p: p.path):
        for it in pf.items:
            if not it.loaded:
                continue
            for route, _ in it.routes:
                first.setdefault((it.code, route), (pf.path, it.pos))
    for pf in files:
        for it in pf.items:
            for k, (kind, val) in enumerate(it.faults):
                if kind == "duplicate":
                    route = it.routes[0][0]
                    path, (sheet, row) = first[(it.code, route)]
                    it.faults[k] = (kind, "%s %s %d户，与 %s%s 第%d行重复" % (
                        it.code, route, it.routes[0][1], path, (" " + sheet) if sheet and not path.endswith(".csv") else "",
                        row))


def write_plan_files(outdir, files):
    os.makedirs(os.path.join(outdir, "plans"), exist_ok=True)
    for pf in files:
        path = os.path.join(outdir, pf.path)
        if pf.fmt == "xlsx":
            write_xlsx(path, pf.grids)
        elif pf.fmt == "xls":
            write_xls(path, pf.grids)
        else:
            write_csv(path, pf.grids[0])


# the cell that shows each fault
FAULT_COLUMN = {"unknown_code": "code", "matched_by_name": "code", "fullwidth_code": "code",
                "duplicate": "code", "name_mismatch": "name", "total_mismatch": "total",
                "other_route": "method", "unreadable_count": "route", "negative_count": "route"}


def plan_manifest(files):
    """Expected results of loading the plan files, and the fault list."""
    rows_loaded = rows_rejected = 0
    by_route = {r: 0 for r in ROUTES}
    by_county = collections.Counter()
    seen = set()
    faults = []
    loaded_codes = set()
    for pf in sorted(files, key=lambda p: p.path):
        for it in pf.items:
            if it.loaded:
                rows_loaded += 1
                for route, h in it.routes:
                    assert isinstance(h, int) and h > 0
                    key = (it.code, route)
                    assert key not in seen, key
                    seen.add(key)
                    by_route[route] += h
                    by_county[it.code[:6]] += h
                    loaded_codes.add(it.code)
            else:
                rows_rejected += 1
            for kind, val in it.faults:
                sheet, row = it.pos
                key = FAULT_COLUMN[kind]
                if key == "route":
                    key = "count" if "count" in it.cols else [k for k, r in ROUTE_COLS.items()
                                                              if r == it.routes[0][0]][0]
                letter, header = it.cols[key]
                faults.append({"file": pf.path, "sheet": None if pf.fmt == "csv" else sheet, "row": row,
                               "column": letter, "header": header,
                               "kind": kind, "value": val, "village_code": it.v["code"] if it.v else None,
                               "loaded": it.loaded})
        for sf in pf.sub_faults:
            faults.append(dict({"file": pf.path}, **sf, village_code=None, loaded=None))
    total = sum(by_route.values())
    return {"households_total": total, "rows_loaded": rows_loaded, "rows_rejected": rows_rejected,
            "households_by_route": by_route, "households_by_county": dict(sorted(by_county.items())),
            "villages_planned": len(loaded_codes)}, faults, loaded_codes


def norm_code_text(s):
    if s is None:
        return ""
    if isinstance(s, float):
        return "%d" % s
    s = str(s).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    s = re.sub(r"[\s'’]", "", s)
    if re.fullmatch(r"\d+\.0+", s):
        s = s.split(".")[0]
    return s


def verify_plan_files(outdir, files):
    """Reopen every plan file with GDAL and check that each recorded row holds its code."""
    checked = 0
    for pf in files:
        path = os.path.join(outdir, pf.path)
        if pf.fmt == "xlsx":
            ds = gdal.OpenEx(path, gdal.OF_VECTOR, open_options=["HEADERS=DISABLE", "FIELD_TYPES=STRING"])
        elif pf.fmt == "xls":
            gdal.SetConfigOption("OGR_XLS_HEADERS", "DISABLE")
            gdal.SetConfigOption("OGR_XLS_FIELD_TYPES", "STRING")
            ds = gdal.OpenEx(path, gdal.OF_VECTOR)
        else:
            ds = gdal.OpenEx(path, gdal.OF_VECTOR, open_options=["HEADERS=NO", "AUTODETECT_TYPE=NO"])
        rows = {}
        for li in range(ds.GetLayerCount()):
            lyr = ds.GetLayer(li)
            name = lyr.GetName()
            # row number = position in the layer (GDAL keeps blank rows of spreadsheets)
            k = 0
            for f in lyr:
                k += 1
                rows[(name, k)] = [f.GetField(i) for i in range(f.GetFieldCount())]
        code_col = [i for i, (key, _, _) in enumerate(pf.spec["cols"]) if key == "code"][0]
        for it in pf.items:
            sheet, row = it.pos
            key = (ds.GetLayer(0).GetName() if pf.fmt == "csv" else sheet, row)
            got = rows.get(key)
            assert got is not None, (pf.path, key)
            cell = norm_code_text(got[code_col]) if code_col < len(got) else ""
            if it.code_style == "blank":
                assert cell == "", (pf.path, row, cell)
            elif cell == "":
                # second row of a village whose code cell is merged with the row above
                assert it.v is not None and rows[(key[0], row - 1)] is not None
            else:
                assert cell == it.code, (pf.path, row, cell, it.code)
            checked += 1
        ds = None
    gdal.SetConfigOption("OGR_XLS_HEADERS", None)
    gdal.SetConfigOption("OGR_XLS_FIELD_TYPES", None)
    return checked
