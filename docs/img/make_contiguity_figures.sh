#!/usr/bin/env bash
# Renders the pictures of docs/contiguity.md with cleanheat itself: small hand-made
# coverages (3x3 and 4x2 grids of 1 km villages), checked by cleanheat contiguity and drawn
# by cleanheat map.   usage: bash docs/img/make_contiguity_figures.sh  (after a build)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=./build/tools/cleanheat
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
# coverage NAME ADJACENCY "x,y,planned x,y,planned ..."  (x, y in km)
coverage() {
  local name=$1 adjacency=$2 cells=$3 i=0
  {
    echo "WKT,village_code,village_name,households_total,county_code,county_name"
    for c in $cells; do
      IFS=, read -r x y p <<< "$c"
      local x0=$((39500000 + x * 1000)) y0=$((4100000 + y * 1000)) x1 y1 h=0
      x1=$((x0 + 1000)); y1=$((y0 + 1000)); [ "$p" = 1 ] && h=50
      i=$((i + 1))
      echo "\"POLYGON(($x0 $y0,$x1 $y0,$x1 $y1,$x0 $y1,$x0 $y0))\",37160200100$i,村$(printf "\\x$(printf %x $((64 + i)))"),$h,371602,示例县"
    done
  } > "$TMP/$name.csv"
  ogr2ogr -f GPKG "$TMP/$name.gpkg" "$TMP/$name.csv" -nln villages -a_srs EPSG:4527 \
    -oo GEOM_POSSIBLE_NAMES=WKT -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES
  "$BIN" contiguity "$TMP/$name.gpkg" --adjacency "$adjacency" --quiet > /dev/null
  "$BIN" map "$TMP/$name.gpkg" --style docs/img/contiguity-figure.json -o "docs/img/contiguity-$name.png" \
    --dpi 72 --date 2022-06-30 --overwrite --quiet > /dev/null
  echo "docs/img/contiguity-$name.png"
}
# a ring of planned villages around an unplanned one: one cluster, one hole (enclosed)
coverage ring queen "0,0,1 1,0,1 2,0,1 0,1,1 1,1,0 2,1,1 0,2,1 1,2,1 2,2,1"
# two blocks touching only at a corner: one cluster under queen, two under rook
coverage corner-queen queen "0,0,1 1,0,1 0,1,1 1,1,1 2,2,1 3,2,1 2,3,1 3,3,1 2,0,0 3,0,0 0,2,0 0,3,0"
coverage corner-rook rook "0,0,1 1,0,1 0,1,1 1,1,1 2,2,1 3,2,1 2,3,1 3,3,1 2,0,0 3,0,0 0,2,0 0,3,0"
# a planned village with no planned neighbour: isolated
coverage isolated queen "0,0,1 1,0,1 2,0,0 3,0,1 0,1,1 1,1,0 2,1,0 3,1,0"
