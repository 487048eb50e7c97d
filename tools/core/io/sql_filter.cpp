#include "io/sql_filter.hpp"

#include <cctype>
#include <cstdlib>

#include "base/error.hpp"
#include "io/sqlite_util.hpp"

namespace cleanheat {
namespace {

enum class Kind { name, quoted_name, text, number, symbol, end };

struct Token {
    Kind kind;
    std::string text;
    std::size_t at;  // byte offset, for the message
};

class FilterParser {
public:
    FilterParser(const std::string& text, const std::function<bool(const std::string&)>& is_field,
                 const std::string& what)
        : text_(text), is_field_(is_field), what_(what) {
        tokenize();
    }

    SqlFilter parse() {
        SqlFilter f;
        if (tokens_.size() == 1) return f;  // only the end
        out_ = &f;
        f.sql = "(" + parse_or() + ")";
        if (peek().kind != Kind::end) error("expected AND, OR or the end");
        return f;
    }

private:
    [[noreturn]] void error(const std::string& message, bool say_found = true) const {
        const Token& t = peek();
        const std::string found = t.kind == Kind::end ? "the end" : "'" + t.text + "'";
        throw UsageError(what_ + " \"" + text_ + "\": at character " + std::to_string(character(t.at) + 1) + ": " +
                             message + (say_found ? ", found " + found : ""),
                         "a filter compares fields with values: county_code = '371621' AND households_total > 100; "
                         "also IN (...), IS NULL, LIKE '%村', BETWEEN a AND b, NOT, parentheses");
    }
    std::size_t character(std::size_t byte) const {  // code points before the byte
        std::size_t n = 0;
        for (std::size_t i = 0; i < byte && i < text_.size(); ++i)
            if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++n;
        return n;
    }

    void tokenize() {
        std::size_t i = 0;
        const std::string& s = text_;
        while (true) {
            while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
            if (i >= s.size()) break;
            const std::size_t start = i;
            const auto c = static_cast<unsigned char>(s[i]);
            if (c == '\'' || c == '"') {
                std::string value;
                ++i;
                bool closed = false;
                while (i < s.size()) {
                    if (s[i] == static_cast<char>(c)) {
                        if (i + 1 < s.size() && s[i + 1] == static_cast<char>(c)) {
                            value += s[i];
                            i += 2;
                            continue;
                        }
                        closed = true;
                        ++i;
                        break;
                    }
                    value += s[i++];
                }
                if (!closed) {
                    tokens_.push_back({Kind::end, "", start});
                    pos_ = tokens_.size() - 1;
                    error(c == '\'' ? "a text without its closing '" : "a name without its closing \"");
                }
                tokens_.push_back({c == '\'' ? Kind::text : Kind::quoted_name, value, start});
            } else if (std::isdigit(c) || ((c == '-' || c == '.') && i + 1 < s.size() &&
                                           (std::isdigit(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '.'))) {
                char* end = nullptr;
                std::strtod(s.c_str() + i, &end);
                const std::size_t n = static_cast<std::size_t>(end - (s.c_str() + i));
                if (n == 0) {
                    tokens_.push_back({Kind::symbol, std::string(1, s[i]), start});
                    ++i;
                } else {
                    tokens_.push_back({Kind::number, s.substr(i, n), start});
                    i += n;
                }
            } else if (std::isalpha(c) || c == '_' || c >= 0x80) {
                while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' ||
                                        static_cast<unsigned char>(s[i]) >= 0x80))
                    ++i;
                tokens_.push_back({Kind::name, s.substr(start, i - start), start});
            } else {
                static const char* two[] = {"==", "!=", "<>", "<=", ">="};
                std::string op(1, s[i]);
                for (const char* t : two)
                    if (s.compare(i, 2, t) == 0) op = t;
                i += op.size();
                tokens_.push_back({Kind::symbol, op, start});
            }
        }
        tokens_.push_back({Kind::end, "", s.size()});
    }

    const Token& peek() const { return tokens_[pos_]; }
    bool keyword(const char* word) const {
        const Token& t = peek();
        if (t.kind != Kind::name || t.text.size() != std::char_traits<char>::length(word)) return false;
        for (std::size_t i = 0; i < t.text.size(); ++i)
            if (std::toupper(static_cast<unsigned char>(t.text[i])) != word[i]) return false;
        return true;
    }
    bool accept_keyword(const char* word) {
        if (!keyword(word)) return false;
        ++pos_;
        return true;
    }
    bool accept_symbol(const char* symbol) {
        if (peek().kind != Kind::symbol || peek().text != symbol) return false;
        ++pos_;
        return true;
    }
    void expect_symbol(const char* symbol) {
        if (!accept_symbol(symbol)) error(std::string("expected '") + symbol + "'");
    }
    bool is_keyword_name() const {
        for (const char* k : {"AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "BETWEEN"})
            if (keyword(k)) return true;
        return false;
    }

    std::string parse_or() {
        std::string sql = parse_and();
        while (accept_keyword("OR")) sql += " OR " + parse_and();
        return sql;
    }
    std::string parse_and() {
        std::string sql = parse_unary();
        while (accept_keyword("AND")) sql += " AND " + parse_unary();
        return sql;
    }
    std::string parse_unary() {
        if (accept_keyword("NOT")) return "NOT " + parse_unary();
        if (accept_symbol("(")) {
            std::string inner = parse_or();
            expect_symbol(")");
            return "(" + inner + ")";
        }
        return parse_predicate();
    }
    bool at_field() const {
        const Token& t = peek();
        return t.kind == Kind::quoted_name || (t.kind == Kind::name && !is_keyword_name());
    }
    std::string field() {
        if (!at_field()) error("expected a field name");
        const Token& t = peek();
        if (!is_field_(t.text)) error("no field named '" + t.text + "' in the layer", false);
        ++pos_;
        return sql_identifier(t.text);
    }
    std::string value() {
        const Token& t = peek();
        if (t.kind == Kind::text) {
            out_->values.emplace_back(t.text);
        } else if (t.kind == Kind::number) {
            // whole numbers bound as integers: compared with a text column they read as its codes do
            if (t.text.find_first_of(".eE") == std::string::npos)
                out_->values.emplace_back(std::strtoll(t.text.c_str(), nullptr, 10));
            else
                out_->values.emplace_back(std::strtod(t.text.c_str(), nullptr));
        } else {
            error("expected a number or a 'text'");
        }
        ++pos_;
        return "?";
    }
    std::string parse_predicate() {
        const std::string left = field();
        for (const char* op : {"=", "==", "!=", "<>", "<", "<=", ">", ">="})
            if (accept_symbol(op)) return left + " " + op + " " + (at_field() ? field() : value());
        if (accept_keyword("IS")) {
            const bool negated = accept_keyword("NOT");
            if (!accept_keyword("NULL")) error("expected NULL");
            return left + (negated ? " IS NOT NULL" : " IS NULL");
        }
        const bool negated = accept_keyword("NOT");
        const std::string not_ = negated ? " NOT" : "";
        if (accept_keyword("IN")) {
            expect_symbol("(");
            std::string list = value();
            while (accept_symbol(",")) list += ", " + value();
            expect_symbol(")");
            return left + not_ + " IN (" + list + ")";
        }
        if (accept_keyword("LIKE")) {
            if (peek().kind != Kind::text) error("expected a 'text' pattern after LIKE");
            return left + not_ + " LIKE " + value();
        }
        if (accept_keyword("BETWEEN")) {
            const std::string low = value();
            if (!accept_keyword("AND")) error("expected AND in BETWEEN");
            return left + not_ + " BETWEEN " + low + " AND " + value();
        }
        error(negated ? "expected IN, LIKE or BETWEEN after NOT"
                      : "expected a comparison (=, !=, <, <=, >, >=, IN, IS NULL, LIKE, BETWEEN)");
    }

    const std::string& text_;
    const std::function<bool(const std::string&)>& is_field_;
    std::string what_;
    std::vector<Token> tokens_;
    std::size_t pos_ = 0;
    SqlFilter* out_ = nullptr;
};

}  // namespace

SqlFilter parse_sql_filter(const std::string& text, const std::function<bool(const std::string&)>& is_field,
                           const std::string& what) {
    return FilterParser(text, is_field, what).parse();
}

}  // namespace cleanheat
