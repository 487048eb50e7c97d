"""The plan: which villages (contiguous blocks, holes, isolated villages), which routes, how many
households; and the contiguity summaries."""

import collections
import math

import numpy as np
from shapely.strtree import STRtree

from .common import ROUTES


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
