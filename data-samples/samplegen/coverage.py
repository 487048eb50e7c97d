"""The synthetic coverage: counties -> townships -> villages (seeded Voronoi cells, noded on a
1 mm grid)."""

import collections

import numpy as np
from scipy.spatial import Voronoi, cKDTree
from shapely import vectorized
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import polygonize, unary_union
from shapely.strtree import STRtree

from .common import GRID, OVERSHOOT


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
