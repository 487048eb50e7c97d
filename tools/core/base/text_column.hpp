// Many short texts, one per row, kept in one block: a row's text is a run of the block, and a row
// that repeats the row before it shares that run (townships and counties read in fid order).
// About 12 bytes a row plus the text once, where a std::string costs 32 bytes a row, and a piece
// of the heap of its own beyond 15 bytes (most Chinese names of five characters or more).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cleanheat {

class TextColumn {
public:
    void reserve(std::size_t rows, std::size_t bytes) {
        start_.reserve(rows);
        length_.reserve(rows);
        text_.reserve(bytes);
    }

    void push_back(std::string_view text) {
        const std::size_t rows = start_.size();
        if (rows > 0 && view(rows - 1) == text) {
            start_.push_back(start_.back());
        } else {
            start_.push_back(text_.size());
            text_.append(text);
        }
        length_.push_back(static_cast<std::uint32_t>(text.size()));
    }

    std::string_view view(std::size_t row) const { return {text_.data() + start_[row], length_[row]}; }
    // A copy, for the few rows that are named in a finding or a sheet.
    std::string operator[](std::size_t row) const { return std::string(view(row)); }

    std::size_t size() const { return start_.size(); }
    bool empty() const { return start_.empty(); }

    // The rows of `other` after these (taken whole when there are none yet).
    void append(TextColumn&& other) {
        if (start_.empty() && start_.capacity() <= other.start_.capacity()) {
            *this = std::move(other);
            return;
        }
        const std::uint64_t base = text_.size();
        text_.append(other.text_);
        start_.reserve(start_.size() + other.start_.size());
        for (const std::uint64_t s : other.start_) start_.push_back(base + s);
        length_.insert(length_.end(), other.length_.begin(), other.length_.end());
        other = TextColumn();
    }

private:
    std::string text_;
    std::vector<std::uint64_t> start_;
    std::vector<std::uint32_t> length_;
};

}  // namespace cleanheat
