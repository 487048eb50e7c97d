// Filters written by users (map --where, a style layer's "where") parsed into SQL whose
// fields are quoted identifiers checked against the table and whose values are bound
// parameters: a filter can only restrict, never change the statement it is put into.
//
//   filter    := and { OR and }
//   and       := unary { AND unary }
//   unary     := NOT unary | "(" filter ")" | predicate
//   predicate := field ( op operand | [NOT] IN "(" value {"," value} ")" | IS [NOT] NULL
//                        | [NOT] LIKE text | [NOT] BETWEEN value AND value )
//   op        := = == != <> < <= > >=        operand := value | field
//   value     := number | 'text' ('' for a quote)   field := name | "name"
// Keywords are case-insensitive; names may be Chinese.
#pragma once
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace cleanheat {

struct SqlFilter {
    std::string sql;  // parenthesised; empty for an empty filter
    std::vector<std::variant<std::string, long long, double>> values;  // bound to the ?s in order
};

// Throws UsageError naming `what` (e.g. "--where"), the filter and the character where it
// went wrong; `is_field` tells the table's columns.
SqlFilter parse_sql_filter(const std::string& text, const std::function<bool(const std::string&)>& is_field,
                           const std::string& what);

}  // namespace cleanheat
