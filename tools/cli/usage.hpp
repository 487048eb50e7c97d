// What a user mistypes on the command line: the nearest valid name to suggest (git's "did you
// mean"), for commands and options alike.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace cleanheat::cli {

// Levenshtein distance (insertions, deletions, substitutions; a swap of neighbours counts one).
std::size_t edit_distance(std::string_view a, std::string_view b);
// The name of `names` closest to `typed` when it is close enough to be a typo of it (or `typed`
// is its start), else "".
std::string nearest_name(const std::string& typed, const std::vector<std::string>& names);

// An output option's check: the file must end in one of `extensions` (".xlsx", ...; any case),
// else a usage error naming what is written and the endings accepted, e.g. "a.csv: the workbook is
// written as Excel: give a name ending in .xlsx". `pg`: a PG: connection string is taken too.
CLI::Validator output_type(std::vector<std::string> extensions, const std::string& what, bool pg = false);

// A style or settings file as the user names it: a path that exists, else a name in the style
// folders (CLEANHEAT_STYLES, the installed share/cleanheat/styles, the project's styles/), with or
// without .json: "--style route", "--style route.json", "--style styles/route.json". InputError
// (exit 3) naming the nearest and listing the styles there when none is found.
std::string find_style(const std::string& given, const std::string& option);
// The same as an option's transform: the option's value becomes the file found.
CLI::Validator style_file(const std::string& option);

}  // namespace cleanheat::cli
