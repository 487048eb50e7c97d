"""Coordinates and GeoPackages: spatial references, transformations, GeoPackage writers and the
GCJ-02 forward transform."""

import math
import os

import numpy as np
from osgeo import gdal, ogr, osr
from shapely.geometry import MultiPolygon, Point, Polygon

gdal.UseExceptions()
ogr.UseExceptions()
osr.UseExceptions()
# Fixed timestamps in the GeoPackages so that reruns give identical files.
gdal.SetConfigOption("OGR_CURRENT_DATE", "2022-06-10T00:00:00.000Z")


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
