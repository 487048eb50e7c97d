// Texts that repeat across many rows (a county's name, a village, a date, a list's path), kept once
// per run: a row holds a 4-byte number where a std::string costs 32 bytes, and a piece of the
// heap of its own beyond 15 bytes. The pool is shared by every thread and lives as long as the
// process (a run's texts). The household ledger of a province holds 2,000,000 rows of 22 such texts.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace cleanheat {

class PooledText {
public:
    PooledText() = default;  // the empty text
    PooledText(std::string_view text);  // NOLINT: taken wherever a text is given
    PooledText(const std::string& text) : PooledText(std::string_view(text)) {}  // NOLINT
    PooledText(const char* text) : PooledText(std::string_view(text)) {}        // NOLINT

    const std::string& str() const;
    operator const std::string&() const { return str(); }  // NOLINT: reads as the text it is
    operator std::string_view() const { return str(); }     // NOLINT
    bool empty() const { return id_ == 0; }
    std::size_t size() const { return str().size(); }
    const char* c_str() const { return str().c_str(); }

    friend bool operator==(PooledText a, PooledText b) { return a.id_ == b.id_; }
    friend bool operator!=(PooledText a, PooledText b) { return a.id_ != b.id_; }
    friend bool operator==(PooledText a, const std::string& b) { return a.str() == b; }
    friend bool operator!=(PooledText a, const std::string& b) { return a.str() != b; }
    friend bool operator==(PooledText a, const char* b) { return a.str() == b; }
    friend bool operator!=(PooledText a, const char* b) { return a.str() != b; }
    friend bool operator<(PooledText a, PooledText b) { return a.id_ != b.id_ && a.str() < b.str(); }
    friend std::string operator+(const std::string& a, PooledText b) { return a + b.str(); }
    friend std::string operator+(PooledText a, const std::string& b) { return a.str() + b; }
    friend std::string operator+(const char* a, PooledText b) { return a + b.str(); }
    friend std::string operator+(PooledText a, const char* b) { return a.str() + b; }

private:
    std::uint32_t id_ = 0;
};

}  // namespace cleanheat
