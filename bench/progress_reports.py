#!/usr/bin/python3
"""Weekly national progress reports for bench/progress: one CSV per week (UTF-8, a title
row with 截至 date, one header row), every planned village of a merged GeoPackage once,
cumulative households rising week by week. Deterministic (seed 2022).

    progress_reports.py MERGED.gpkg OUT_DIR [--weeks 20] [--counties K]

With --counties K: the last week only, one report per county for the first K counties (by
code), as K reporting units send them (bench/postgis imports them at once).
"""
import argparse
import datetime
import os
import random
import sqlite3

ap = argparse.ArgumentParser()
ap.add_argument("merged")
ap.add_argument("out")
ap.add_argument("--weeks", type=int, default=20)
ap.add_argument("--counties", type=int, default=0)
a = ap.parse_args()
os.makedirs(a.out, exist_ok=True)
db = sqlite3.connect(a.merged)
villages = db.execute(
    "SELECT village_code, village_name, township_name, households_total FROM villages "
    "WHERE households_total > 0 ORDER BY village_code").fetchall()
rng = random.Random(2022)
# per village: the week all households started, completed, accepted (some after the last week)
plan = []
for code, name, township, planned in villages:
    s = rng.randint(0, a.weeks // 3)
    c = s + rng.randint(2, a.weeks // 2)
    k = c + rng.randint(1, a.weeks // 3)
    plan.append((code, name or "", township or "", planned, s, c, k))
start = datetime.date(2022, 5, 27)
files = []  # (path, title, villages)
if a.counties:
    counties = sorted({p[0][:6] for p in plan})[:a.counties]
    day = start + datetime.timedelta(days=7 * (a.weeks - 1))
    for county in counties:
        files.append((a.weeks - 1, os.path.join(a.out, "%s_%s.csv" % (county, day.strftime("%Y%m%d"))), day,
                      [p for p in plan if p[0][:6] == county]))
else:
    for w in range(a.weeks):
        day = start + datetime.timedelta(days=7 * w)
        files.append((w, os.path.join(a.out, "全国_%s.csv" % day.strftime("%Y%m%d")), day, plan))
for w, path, day, rows in files:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("全国农村清洁取暖工程进度表（截至%d年%d月%d日）\r\n" % (day.year, day.month, day.day))
        f.write("序号,乡镇,村名,村代码,计划改造户数,已开工户数,已完工户数,已验收户数,备注\r\n")
        for i, (code, name, township, planned, s, c, k) in enumerate(rows, 1):
            def part(week):  # households done by this week for a stage finished in `week`
                if w >= week:
                    return planned
                return max(0, planned * (w - week + 3) // 3)  # ramps up over three weeks
            st, co, ac = part(s), part(c), part(k)
            co, ac = min(co, st), min(ac, min(co, st))
            f.write("%d,%s,%s,%s,%d,%d,%d,%d,\r\n" % (i, township, name, code, planned, st, co, ac))
    print(path)
