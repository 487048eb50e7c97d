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

// A date as users write it: 2022-09-20, 2022/9/20, 2022.9.20, 2022年9月20日, 20220920, as
// YYYY-MM-DD; "" when it is none (or not a real day).
std::string parse_date(const std::string& text);
// An option's transform to YYYY-MM-DD; a usage error naming `option` (the flag as typed) otherwise.
CLI::Validator date_value(const std::string& option);
// A plan year: four digits, 2013..2100 ("--year 22" is refused, "did you mean 2022?").
CLI::Validator year_value(const std::string& option);
// A share 0 < x <= 1 ("--rate 5": "did you mean 0.05?").
CLI::Validator share_value(const std::string& option);

}  // namespace cleanheat::cli
