#!/usr/bin/env python3
"""Sample after-care service stations (运维服务站) for `cleanheat stations`, with planted faults.

    ./build/tools/cleanheat merge data-samples/plans/* --villages data-samples/villages.gpkg \\
        --heating data-samples/heating.xlsx -o /tmp/st/merged.gpkg --overwrite --quiet   # exit 1 is normal
    /usr/bin/python3 data-samples/generate_stations.py /tmp/st/merged.gpkg [--out DIR]

It reads the layer `villages` of the merged GeoPackage (codes, names, the plan) and writes, into
data-samples/stations/ by default:

    stations.gpkg   layer 运维服务站, points in CGCS2000 lon/lat (EPSG:4490), as a county digitises
                    them: 服务站名称, 所属乡镇, 服务电话, 县（市、区）, 地址
    expected.json   every planted fault with the row (feature id) where `cleanheat stations` must
                    find it, and the townships with planned villages that have no station

One station per township with planned villages, at the centre of the village with the most planned
households, except a few townships left without one (seeded choice). Planted: a station of a
township that does not exist, one registered twice, one without a phone, one standing in a
neighbouring township, one without a location, one with longitude and latitude swapped, one
without a name. Byte-identical output for the same merged dataset (fixed seed, sorted input).
"""
import argparse
import json
import os
import random
import sys

from osgeo import gdal, ogr, osr

gdal.UseExceptions()
SEED = 2022
LEFT_WITHOUT = 4  # townships with planned villages that get no station


def read_villages(path):
    ds = ogr.Open(path)
    layer = ds.GetLayerByName("villages")
    srs = layer.GetSpatialRef()
    villages = []
    for f in layer:
        g = f.GetGeometryRef()
        if g is None or g.IsEmpty():
            continue
        p = g.PointOnSurface()
        villages.append({
            "code": f.GetField("village_code") or "", "name": f.GetField("village_name") or "",
            "township_code": f.GetField("township_code") or "", "township": f.GetField("township_name") or "",
            "county_code": f.GetField("county_code") or "", "county": f.GetField("county_name") or "",
            "planned": bool(f.GetField("planned")),
            "households": sum(int(f.GetField(c) or 0) for c in (
                "households_district_heating", "households_gas", "households_electric", "households_biomass",
                "households_other")),
            "x": p.GetX(), "y": p.GetY(),
        })
    villages.sort(key=lambda v: v["code"])
    return villages, srs.ExportToWkt()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("merged")
    parser.add_argument("--out", default=os.path.join(here, "stations"))
    args = parser.parse_args()
    villages, wkt = read_villages(args.merged)
    rng = random.Random(SEED)

    townships = {}
    for v in villages:
        key = (v["county_code"], v["township_code"])
        t = townships.setdefault(key, {"county": v["county"], "county_code": v["county_code"],
                                       "code": v["township_code"], "name": v["township"], "villages": []})
        t["villages"].append(v)
    planned = sorted(k for k, t in townships.items() if any(v["planned"] for v in t["villages"]))
    left_without = sorted(rng.sample(planned, LEFT_WITHOUT))

    src = osr.SpatialReference()
    src.ImportFromWkt(wkt)
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4490)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_lonlat = osr.CoordinateTransformation(src, dst)

    def lonlat(x, y):
        lon, lat, _ = to_lonlat.TransformPoint(x, y)
        return round(lon, 6), round(lat, 6)

    rows = []  # dicts: name, township, phone, county, address, point (lon, lat) or None
    for n, key in enumerate(planned):
        if key in left_without:
            continue
        t = townships[key]
        centre = max((v for v in t["villages"] if v["planned"]), key=lambda v: (v["households"], v["code"]))
        rows.append({"name": t["name"] + "清洁取暖运维服务站", "township": t["name"], "county": t["county"],
                     "phone": "0543-%07d" % (3100000 + 37 * n), "address": t["name"] + centre["name"],
                     "point": lonlat(centre["x"], centre["y"]), "key": key})
    expected = []

    def plant(code, row, note):
        expected.append({"code": code, "row": row, "note": note})

    # a station without a phone (loaded, a warning)
    rows[3]["phone"] = ""
    plant("W_STATION_PHONE_MISSING", 4, "服务电话空")
    # a station standing in a neighbouring township's village (loaded, serves the one it names)
    moved = rows[7]
    others = [v for v in villages if (v["county_code"], v["township_code"]) != moved["key"]
              and v["county_code"] == moved["key"][0]]
    mx, my = to_lonlat_inverse(dst, src, moved["point"])
    near = min(others, key=lambda v: ((v["x"] - mx) ** 2 + (v["y"] - my) ** 2, v["code"]))
    moved["point"] = lonlat(near["x"], near["y"])
    plant("W_STATION_OUTSIDE_TOWNSHIP", 8, "点位在邻近乡镇" + near["township"])
    # extra rows, after the good ones
    first = rows[0]
    extra = [
        dict(first, name="幸福镇清洁取暖运维服务站", township="幸福镇", address="幸福镇", fault="E_STATION_TOWNSHIP_UNKNOWN"),
        dict(rows[1], fault="E_STATION_DUPLICATE"),
        dict(rows[2], name=rows[2]["name"].replace("运维服务站", "运维服务点"), point=None, fault="E_STATION_NO_LOCATION"),
        dict(rows[4], name=rows[4]["name"].replace("运维服务站", "第二运维服务站"),
             point=(rows[4]["point"][1], rows[4]["point"][0]), fault="E_STATION_OUTSIDE_AREA"),
        dict(rows[5], name="", fault="E_STATION_NAME_MISSING"),
    ]
    for e in extra:
        rows.append(e)
        plant(e["fault"], len(rows), "")

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "stations.gpkg")
    if os.path.exists(path):
        os.remove(path)
    gdal.SetConfigOption("OGR_CURRENT_DATE", "2022-06-01T00:00:00.000Z")
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    layer = ds.CreateLayer("运维服务站", dst, ogr.wkbPoint, ["FID=fid"])
    for name in ("服务站名称", "所属乡镇", "服务电话", "县（市、区）", "地址"):
        layer.CreateField(ogr.FieldDefn(name, ogr.OFTString))
    for i, r in enumerate(rows, start=1):
        f = ogr.Feature(layer.GetLayerDefn())
        f.SetFID(i)
        for name, value in (("服务站名称", r["name"]), ("所属乡镇", r["township"]), ("服务电话", r["phone"]),
                            ("县（市、区）", r["county"]), ("地址", r["address"])):
            f.SetField(name, value)
        if r["point"] is not None:
            p = ogr.Geometry(ogr.wkbPoint)
            p.AddPoint_2D(*r["point"])
            f.SetGeometry(p)
        layer.CreateFeature(f)
    ds = None
    without = [{"county_code": k[0], "township_code": k[1], "township": townships[k]["name"]} for k in left_without]
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as out:
        json.dump({"seed": SEED, "stations": len(rows), "findings": expected, "townships_without_station": without,
                   "townships_with_planned_villages": len(planned)}, out, ensure_ascii=False, indent=1)
        out.write("\n")
    print("%s: %d stations (%d rows planted), %d of %d townships without a station" %
          (path, len(rows), len(extra), len(without), len(planned)))


def to_lonlat_inverse(lonlat_srs, projected_srs, point):
    t = osr.CoordinateTransformation(lonlat_srs, projected_srs)
    x, y, _ = t.TransformPoint(point[0], point[1])
    return x, y


if __name__ == "__main__":
    sys.exit(main())
