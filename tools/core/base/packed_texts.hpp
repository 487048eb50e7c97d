// A few short texts of one record in one piece of the heap: 8 bytes in the record, and the texts
// with their lengths once, where N std::strings cost 32 bytes each and a piece of the heap of their
// own beyond 15 bytes. For records held by the million (a household's name, ID number, phone and
// address); an optional number whose absence is a NaN, for the same records.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>

namespace cleanheat {

template <std::size_t N>
class PackedTexts {
public:
    PackedTexts() = default;
    PackedTexts(const PackedTexts& other) { *this = other; }
    PackedTexts(PackedTexts&&) noexcept = default;
    PackedTexts& operator=(PackedTexts&&) noexcept = default;
    PackedTexts& operator=(const PackedTexts& other) {
        if (this == &other) return *this;
        block_.reset();
        if (other.block_) {
            const std::size_t size = other.bytes();
            block_ = std::make_unique<char[]>(size);
            std::memcpy(block_.get(), other.block_.get(), size);
        }
        return *this;
    }

    std::string_view get(std::size_t k) const {
        if (!block_) return {};
        std::uint32_t length[N];
        std::memcpy(length, block_.get(), sizeof length);
        std::size_t start = sizeof length;
        for (std::size_t i = 0; i < k; ++i) start += length[i];
        return {block_.get() + start, length[k]};
    }

    void set(const std::string_view (&texts)[N]) {
        std::uint32_t length[N];
        std::size_t size = sizeof length;
        bool any = false;
        for (std::size_t i = 0; i < N; ++i) {
            length[i] = static_cast<std::uint32_t>(texts[i].size());
            size += texts[i].size();
            any = any || !texts[i].empty();
        }
        if (!any) {
            block_.reset();
            return;
        }
        auto block = std::make_unique<char[]>(size);
        std::memcpy(block.get(), length, sizeof length);
        std::size_t at = sizeof length;
        for (std::size_t i = 0; i < N; ++i) {
            if (!texts[i].empty()) std::memcpy(block.get() + at, texts[i].data(), texts[i].size());
            at += texts[i].size();
        }
        block_ = std::move(block);
    }

private:
    std::size_t bytes() const {
        std::uint32_t length[N];
        std::memcpy(length, block_.get(), sizeof length);
        std::size_t size = sizeof length;
        for (std::uint32_t l : length) size += l;
        return size;
    }
    std::unique_ptr<char[]> block_;
};

class OptionalReal {
public:
    OptionalReal() = default;
    OptionalReal(std::optional<double> value) : value_(value ? *value : kNone) {}  // NOLINT
    explicit operator bool() const { return !std::isnan(value_); }
    double operator*() const { return value_; }
    double value_or(double other) const { return *this ? value_ : other; }

private:
    static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
    double value_ = kNone;
};

}  // namespace cleanheat
