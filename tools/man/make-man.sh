#!/usr/bin/env bash
# Man pages (one per command) and the bash completion of cleanheat, made from the binary's own
# --help at build time (CMake runs this after the binary is built; `cmake --install` and the .deb
# install what it writes), so that they never disagree with the binary.
#   tools/man/make-man.sh BINARY OUTDIR   writes OUTDIR/man1/cleanheat*.1 and OUTDIR/completion/cleanheat
set -euo pipefail
bin=$1
out=$2
mkdir -p "$out/man1" "$out/completion"
version=$("$bin" --version)

# The commands of a level: the names listed under "Subcommands:" in its help.
# (awk reads to the end: a reader that stops early would kill the binary with SIGPIPE, and pipefail
# would fail the build now and then)
commands_of() { "$@" --help | awk '/^Subcommands:/ {f = 1; next} f && !NF {f = 0; done = 1} f && !done {print $1}'; }

# roff: a backslash doubled, a line starting with . or ' protected, hyphens as \-.
roff_text() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/" -e 's/-/\\-/g'; }

# One page: page NAME "cleanheat sub ..." (the words to run for its help).
page() {
  local name=$1; shift
  local help
  help=$("$@" --help | sed "s#^Usage: [^ ]*cleanheat#Usage: cleanheat#; s#^Usage: \([a-z]*\) \[#Usage: $* [#")
  help=${help//$bin/cleanheat}
  local title summary
  title=$(echo "$name" | tr '[:lower:]' '[:upper:]')
  summary=${help%%$'\n'*}
  {
    echo ".TH $title 1 \"\" \"$version\" \"cleanheat manual\""
    echo ".SH NAME"
    echo "$name \\- $(echo "$summary" | roff_text)"
    echo "$help" | tail -n +2 | awk '
      /^Usage: / { print ".SH SYNOPSIS"; print ".nf"; sub(/^Usage: /, ""); print; print ".fi"; next }
      /^[A-Z][a-z ]+:$/ { sub(/:$/, ""); print ".SH " toupper($0); print ".nf"; open = 1; next }
      /^Exit status:/ { if (open) print ".fi"; open = 0; print ".SH EXIT STATUS"; sub(/^Exit status: /, ""); print; next }
      /^Documentation:/ { if (open) print ".fi"; open = 0; print ".SH SEE ALSO"; print; next }
      { print }
      END { if (open) print ".fi" }' | sed -e '/^\./!s/\\/\\e/g' -e "/^\./!s/^'/\\\\\&'/" -e '/^\./!s/-/\\-/g'
    [ "$name" = cleanheat ] || echo ".PP
cleanheat(1)"
  } > "$out/man1/$name.1"
}

page cleanheat "$bin"
top=$(commands_of "$bin")
for c in $top; do
  page "cleanheat-$c" "$bin" "$c"
  for s in $(commands_of "$bin" "$c"); do page "cleanheat-$c-$s" "$bin" "$c" "$s"; done
done

# Bash completion: the commands, each one's options, file names elsewhere, style names after the
# options that take a style or settings file.
options_of() { "$@" --help | grep -oE '(^|[ ,])--[a-z][a-z0-9-]*' | sed 's/^[ ,]*//' | sort -u | tr '\n' ' '; }
{
  echo "# bash completion for cleanheat (generated from its --help by tools/man/make-man.sh)"
  echo "_cleanheat() {"
  echo "  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} words=''"
  echo "  if [ \"\$COMP_CWORD\" -eq 1 ]; then"
  echo "    COMPREPLY=(\$(compgen -W \"$(echo $top) help --help --version\" -- \"\$cur\")); return"
  echo "  fi"
  echo "  case \$prev in"
  echo "    --style|--policy|--targets|--units|--milestones)"
  echo "      local dirs=(\"\${CLEANHEAT_STYLES:-}\" \"\$(dirname \"\$(command -v cleanheat 2>/dev/null || echo .)\")/../share/cleanheat/styles\")"
  echo "      local d; for d in \"\${dirs[@]}\"; do [ -d \"\$d\" ] && words+=\" \$(cd \"\$d\" && ls *.json 2>/dev/null | sed 's/\\.json\$//' | tr '\\n' ' ')\"; done"
  echo "      COMPREPLY=(\$(compgen -W \"\$words\" -- \"\$cur\") \$(compgen -f -- \"\$cur\")); return ;;"
  echo "  esac"
  echo "  case \${COMP_WORDS[1]} in"
  echo "    help) words=\"$(echo $top)\" ;;"
  for c in $top; do
    subs=$(commands_of "$bin" "$c" | tr '\n' ' ')
    echo "    $c) words=\"$subs$(options_of "$bin" "$c")\" ;;"
  done
  echo "  esac"
  echo "  if [[ \$cur == -* || \$COMP_CWORD -eq 2 && \${COMP_WORDS[1]} == help ]]; then"
  echo "    COMPREPLY=(\$(compgen -W \"\$words\" -- \"\$cur\"))"
  echo "  else"
  echo "    COMPREPLY=(\$(compgen -W \"\$(echo \"\$words\" | tr ' ' '\\n' | grep -v '^-')\" -- \"\$cur\") \$(compgen -f -- \"\$cur\"))"
  echo "  fi"
  echo "}"
  echo "complete -o filenames -F _cleanheat cleanheat"
} > "$out/completion/cleanheat"
