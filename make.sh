#!/usr/bin/env bash
# cleanheat build helper: installs what is missing (Debian 12), builds, runs.
#   bash make.sh demo   install + build + run the main job on data-samples/ into out/
#   bash make.sh test   install + build (normal and sanitizer) + run every test, then the fuzzers
#                       (FUZZ_SECONDS each, default 30; 0 skips them)
#   bash make.sh deps | build
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake pkg-config libgdal-dev gdal-bin libgeos-dev libproj-dev libcairo2-dev
          libpango1.0-dev libxlsxwriter-dev libcli11-dev googletest libgtest-dev nlohmann-json3-dev
          libglib2.0-dev libsqlite3-dev libpng-dev zlib1g-dev fonts-noto-cjk poppler-utils unzip
          python3 python3-xlsxwriter python3-xlwt clang libclang-rt-14-dev man-db
          libpq-dev postgresql-15 postgresql-15-postgis-3 libreoffice-calc-nogui)
JOBS=${JOBS:-$(nproc)}

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then echo "make.sh: all packages present"; return; fi
  echo "make.sh: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {  # build DIR [cmake args...]; TARGET=name builds one target
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS" ${TARGET:+--target "$TARGET"}
}

demo() {
  TARGET=cleanheat build build
  mkdir -p out
  ./build/tools/cleanheat merge data-samples/plans/* --villages data-samples/villages.gpkg \
    --heating data-samples/heating.xlsx -o out/merged.gpkg --overwrite || [ $? -eq 1 ]
  ./build/tools/cleanheat contiguity out/merged.gpkg --xlsx out/contiguity.xlsx --overwrite
  # progress reports into the ledger (exit 1: the planted faults are reported, not applied)
  ./build/tools/cleanheat progress out/merged.gpkg data-samples/progress/* --as-of 2022-10-10 \
    -o out/progress.xlsx --overwrite || [ $? -eq 1 ]
  # household lists (exit 1: the planted faults are reported, their households blocked)
  ./build/tools/cleanheat households out/merged.gpkg data-samples/households/2022/* \
    --prior data-samples/households/prior/* || [ $? -eq 1 ]
  ./build/tools/cleanheat subsidy out/merged.gpkg --policy styles/subsidy.json --season 2022-2023 \
    -o out/subsidy.xlsx --overwrite
  # service stations (exit 1: the townships left without a station and the planted faulty rows are reported)
  ./build/tools/cleanheat stations out/merged.gpkg --stations data-samples/stations/stations.gpkg \
    -o out/stations.xlsx --overwrite || [ $? -eq 1 ]
  ./build/tools/cleanheat annex out/merged.gpkg -o out/annex.xlsx --overwrite
  for style in route progress progress_township heating contiguity density stations; do
    date=(); case $style in progress*) date=(--as-of 2022-10-10) ;; esac
    ./build/tools/cleanheat map out/merged.gpkg --style "styles/$style.json" -o "out/$style.pdf" "${date[@]}" --overwrite --quiet >/dev/null
    ./build/tools/cleanheat map out/merged.gpkg --style "styles/$style.json" -o "out/$style.png" "${date[@]}" --dpi 150 --overwrite --quiet >/dev/null
    echo "make.sh: out/$style.pdf, out/$style.png"
  done
  ./build/tools/cleanheat map out/merged.gpkg --style styles/route.json --atlas county -o out/atlas-county.pdf --overwrite
  ./build/tools/cleanheat spotcheck out/merged.gpkg --rate 0.05 --seed 2022 -o out/spotcheck.xlsx --overwrite
  ./build/tools/cleanheat report out/merged.gpkg -o out/report.pdf --overwrite
  echo "make.sh: outputs in out/"
}

# The private PostgreSQL/PostGIS cluster of the database tests (tests/pg/cluster.sh), stopped on exit.
start_test_database() {
  local conn
  conn=$(bash tests/pg/cluster.sh start)
  PG_TEST_DIR=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$conn")
  trap 'bash tests/pg/cluster.sh stop "$PG_TEST_DIR"' EXIT
  export CLEANHEAT_TEST_PG="$conn" CLEANHEAT_REQUIRE_PG=1
  echo "make.sh: test database cluster in $PG_TEST_DIR"
}

run_tests() {
  start_test_database
  export CLEANHEAT_REQUIRE_OFFICE=1  # the print tests (LibreOffice) run, never skip
  build build -DCLEANHEAT_WERROR=ON
  (cd build && ctest --output-on-failure -j "$JOBS")
  # -O1 -g1, AddressSanitizer's usual level: half the compile time of -O2 -g, the same findings
  build build-asan -DCLEANHEAT_SANITIZE=ON -DCLEANHEAT_WERROR=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
  local suppressions="$PWD/tests/lsan.supp"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$suppressions" \
     ctest --output-on-failure -j "$JOBS")
  if [ "${FUZZ_SECONDS:-30}" != 0 ]; then bash tests/fuzz/run.sh "${FUZZ_SECONDS:-30}"; fi
}

case "${1:-}" in
  deps) deps ;;
  build) deps; build build ;;
  demo) deps; demo ;;
  test) deps; run_tests ;;
  *) echo "usage: bash make.sh demo|test|build|deps" >&2; exit 2 ;;
esac
