#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/, AddressSanitizer + UBSan) and runs each
# for SECONDS (default 60) from a seed corpus made of the samples and styles. Exits non-zero on
# any crash, leak, timeout or sanitizer report, printing the input that caused it.
#   bash tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
targets=(fuzz_header_grid fuzz_plan_csv fuzz_plan_workbook fuzz_settings_json)

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLEANHEAT_FUZZ=ON \
  -DCLEANHEAT_TESTS=OFF "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" >/dev/null
cmake --build build-fuzz -j "${JOBS:-$(nproc)}" --target "${targets[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed() {  # seed TARGET NAME [PREFIX-BYTE] < bytes
  mkdir -p "$work/seeds/$1"
  { [ -n "${3:-}" ] && printf "\\x$3"; cat; } > "$work/seeds/$1/$2"
}
i=0
for f in data-samples/plans/*.csv data-samples/progress/*_20220630.csv; do
  i=$((i + 1)); seed fuzz_plan_csv "csv$i" < "$f"
  iconv -f GB18030 -t UTF-8 "$f" 2>/dev/null | tr ',' '\t' | seed fuzz_header_grid "grid$i" || true
done
printf '序号\t乡镇\t村名\t村代码\t改造户数\t\t\n\t\t\t\t合计\t气\t电\n1\t滨北\t段家庄\t371602001001\t30\t10\t20\n合计\t\t\t\t30\t10\t20\n' |
  seed fuzz_header_grid grid-short
i=0
for f in data-samples/plans/*.xlsx data-samples/heating.xlsx; do i=$((i + 1)); seed fuzz_plan_workbook "xlsx$i" 00 < "$f"; done
ods=$(mktemp -d)
for f in data-samples/plans/*.xlsx; do  # ODS seeds: the same tables through GDAL's ODS driver
  i=$((i + 1)); ogr2ogr -q -f ODS "$ods/t$i.ods" "$f" 2>/dev/null && seed fuzz_plan_workbook "ods$i" 01 < "$ods/t$i.ods" || true
done
rm -rf "$ods"
seed fuzz_settings_json style 00 < styles/route.json
seed fuzz_settings_json mapping 01 < styles/mapping-example.json
seed fuzz_settings_json units 02 < styles/units.json
seed fuzz_settings_json milestones 03 < styles/milestones.json
seed fuzz_settings_json targets 04 < styles/targets.json

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
  log="$work/$t.log"
  if ./build-fuzz/tests/fuzz/"$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -max_len=262144 \
       -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" "$work/corpus/$t" "$work/seeds/$t" \
       >"$log" 2>&1; then
    runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "fuzz: $t: clean, ${runs:-?} runs in ${seconds} s"
  else
    failed=1
    echo "fuzz: $t: FAILED" >&2
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written|deadly signal|#[0-9]+ 0x' "$log" | head -40 >&2 || tail -40 "$log" >&2
    for a in "$work/artifacts/$t/"*; do
      [ -e "$a" ] && { echo "input ($a, base64):" >&2; head -c 4096 "$a" | base64 >&2; }
    done
  fi
done
exit $failed
