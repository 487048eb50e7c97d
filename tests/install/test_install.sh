#!/usr/bin/env bash
# cleanheat as a user installs it: `cmake --install` into a temporary prefix and the .deb that
# `cpack -G DEB` builds, unpacked into a temporary root; each run from outside the source tree finds
# its styles where it was installed (map --style route), its man pages and bash completion are there.
#   tests/install/test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_install: $*" >&2; exit 1; }
unset CLEANHEAT_STYLES

# A binary as installed: its version, one map from a style named as users name it, the styles it
# lists being the installed ones.
check_binary() {  # check_binary BINARY SHARE_DIR LABEL
  local bin=$1 share=$2 label=$3 out
  cd "$tmp"
  out=$("$bin" --version) || fail "$label: --version failed"
  [[ $out == "cleanheat "* ]] || fail "$label: --version printed '$out'"
  [ -f "$tmp/merged.gpkg" ] || {
    "$bin" merge "$src"/data-samples/plans/* --villages "$src/data-samples/villages.gpkg" \
      --heating "$src/data-samples/heating.xlsx" -o "$tmp/merged.gpkg" --quiet > /dev/null || [ $? -eq 1 ] ||
      fail "$label: merge failed"
  }
  rm -f "$tmp/route.pdf"
  "$bin" map merged.gpkg --style route -o route.pdf --quiet > /dev/null || fail "$label: map --style route failed"
  pdftotext route.pdf - | grep -q "技术路线图" || fail "$label: the map has no title of styles/route.json"
  out=$("$bin" map merged.gpkg --style no-such-style -o x.pdf 2>&1) && fail "$label: a missing style was taken"
  grep -qF "styles in $share/cleanheat/styles" <<< "$out" || fail "$label: styles not looked up where installed: $out"
  [ -s "$share/man/man1/cleanheat-merge.1" ] || fail "$label: no man page of merge"
  grep -q '^\.TH CLEANHEAT-STATIONS 1' "$share/man/man1/cleanheat-stations.1" || fail "$label: no man page of stations"
  grep -q '\\-\\-villages' "$share/man/man1/cleanheat-merge.1" || fail "$label: the merge page lacks --villages"
  man -l "$share/man/man1/cleanheat-map.1" 2> /dev/null | grep -q -- "--style" || fail "$label: man cannot show cleanheat-map(1)"
  out=$(bash -c "source '$share/bash-completion/completions/cleanheat'; COMP_WORDS=(cleanheat stat); COMP_CWORD=1; _cleanheat; echo \"\${COMPREPLY[*]}\"")
  [ "$out" = stations ] || fail "$label: completion of 'stat' gave '$out'"
  out=$(bash -c "source '$share/bash-completion/completions/cleanheat'; COMP_WORDS=(cleanheat merge --villa); COMP_CWORD=2; _cleanheat; echo \"\${COMPREPLY[*]}\"")
  [[ $out == *--villages* ]] || fail "$label: completion of 'merge --villa' gave '$out'"
}

# 1. cmake --install into a prefix
cmake --install "$build" --prefix "$tmp/prefix" > /dev/null
check_binary "$tmp/prefix/bin/cleanheat" "$tmp/prefix/share" "cmake --install"

# 2. the Debian package, its dependencies declared, unpacked into a root
(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/deb" > "$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB failed"; }
deb=$(ls "$tmp"/deb/*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libgdal libgeos fonts-noto-cjk libxlsxwriter libpango; do
  grep -q "$lib" <<< "$depends" || fail "the package does not depend on $lib: $depends"
done
dpkg-deb -x "$deb" "$tmp/root"
check_binary "$tmp/root/usr/bin/cleanheat" "$tmp/root/usr/share" ".deb"
echo "test_install: cmake --install and $(basename "$deb") run from outside the source tree"
