#include "base/pooled_text.hpp"

#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace cleanheat {
namespace {

// The texts in chunks that never move: a text is read by its number without the lock (the number
// was handed out under it, so the text was stored before), while other threads add texts.
class Pool {
public:
    Pool() { chunks_[0] = std::make_unique<std::string[]>(kChunk); }  // text 0: the empty one

    std::uint32_t add(std::string_view text) {
        const std::lock_guard<std::mutex> lock(mutex_);
        const auto found = index_.find(text);
        if (found != index_.end()) return found->second;
        const std::uint32_t id = next_++;
        if (id / kChunk >= kChunks) throw std::length_error("more distinct texts than the pool holds");
        auto& chunk = chunks_[id / kChunk];
        if (!chunk) chunk = std::make_unique<std::string[]>(kChunk);
        std::string& stored = chunk[id % kChunk];
        stored.assign(text);
        index_.emplace(std::string_view(stored), id);
        return id;
    }

    const std::string& get(std::uint32_t id) const { return chunks_[id / kChunk][id % kChunk]; }

private:
    static constexpr std::uint32_t kChunk = 1u << 12, kChunks = 1u << 18;
    std::mutex mutex_;
    std::unordered_map<std::string_view, std::uint32_t> index_;
    std::uint32_t next_ = 1;
    std::unique_ptr<std::unique_ptr<std::string[]>[]> chunks_ = std::make_unique<std::unique_ptr<std::string[]>[]>(kChunks);
};

Pool& pool() {
    static Pool p;
    return p;
}

}  // namespace

PooledText::PooledText(std::string_view text) : id_(text.empty() ? 0 : pool().add(text)) {}

const std::string& PooledText::str() const { return pool().get(id_); }

}  // namespace cleanheat
