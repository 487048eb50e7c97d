// Findings about input data: every rejected or doubtful row becomes an Issue.
#pragma once
#include <string>
#include <vector>

namespace cleanheat {

enum class Severity { error, warning };  // error: row not loaded; warning: loaded, needs a look

struct Issue {
    std::string file;    // path as given
    std::string sheet;   // sheet or layer name; empty for CSV
    int row = 0;         // 1-based row as a spreadsheet shows it (CSV: line); 0 = whole file
    std::string column;  // column letter (A, B, ... AA) or field name; empty = whole row
    std::string value;   // the offending cell text
    std::string code;    // stable code, see docs/issue-codes.md
    Severity severity = Severity::warning;
    std::string message;  // Chinese, for the people who fix the table
};

struct IssueCode {
    const char* code;
    Severity severity;
    const char* message;  // Chinese description; details are appended
};

// The registry of every code the project emits (stable forever, never reused).
const std::vector<IssueCode>& issue_codes();
// Looks a code up; throws std::logic_error for an unregistered code (a bug).
const IssueCode& issue_code(const std::string& code);

// Builds an issue from a registered code: severity and message come from the registry,
// `detail` (Chinese) is appended to the message.
Issue make_issue(const std::string& code, std::string file, std::string sheet, int row, std::string column,
                 std::string value, const std::string& detail = {});

const char* severity_name(Severity severity);
// Spreadsheet column name for a 0-based index: 0 -> A, 26 -> AA.
std::string column_letter(int index);

}  // namespace cleanheat
