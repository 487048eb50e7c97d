#include "base/memory.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace cleanheat {

namespace {

constexpr const char* kHugePages = "glibc.malloc.hugetlb=1";

bool sanitized() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

}  // namespace

std::optional<std::string> huge_page_tunables(const std::string& thp_enabled, const char* tunables,
                                              const char* choice, bool host_takes_freed_memory) {
    if (choice && std::strcmp(choice, "0") == 0) return std::nullopt;
    if (host_takes_freed_memory && !(choice && std::strcmp(choice, "1") == 0)) return std::nullopt;
    // "always": the kernel gives huge pages unasked; "never": none to ask for
    if (thp_enabled.find("[madvise]") == std::string::npos) return std::nullopt;
    const std::string before = tunables ? tunables : "";
    if (before.find("glibc.malloc.hugetlb") != std::string::npos) return std::nullopt;  // said already, or restarted
    return before.empty() ? std::string(kHugePages) : before + ":" + kHugePages;
}

bool host_takes_freed_memory(const std::string& virtio_devices) {
    constexpr const char* kBalloon = "0x0005";
    constexpr std::size_t kReporting = 5;  // VIRTIO_BALLOON_F_REPORTING: the features file's 6th digit
    std::error_code ec;
    for (const auto& device : std::filesystem::directory_iterator(virtio_devices, ec)) {
        std::ifstream type_file(device.path() / "device");
        std::string type;
        if (!(type_file >> type) || type != kBalloon) continue;
        std::ifstream features_file(device.path() / "features");
        std::string features;
        if (features_file >> features && features.size() > kReporting && features[kReporting] == '1') return true;
    }
    return false;
}

void tune_memory(char** argv) {
    // Large runs allocate hundreds of MB in small pieces: grow the heap in big steps, and keep
    // what is freed (a national map's arrays grow and are freed within seconds: with 64 MB steps
    // a fifth of a 620,000-village PNG went to the kernel's page faults).
    mallopt(M_TOP_PAD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    if (sanitized()) return;  // the sanitizer's allocator, not glibc's
    // the quick answers need no restart (it costs as much as starting: ~0.07 s)
    const std::string first = argv[0] && argv[1] ? argv[1] : "";
    if (first.empty() || first == "--version" || first == "--help" || first == "-h" || first == "help") return;
    std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
    const std::string thp((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto tunables = huge_page_tunables(thp, std::getenv("GLIBC_TUNABLES"), std::getenv("CLEANHEAT_HUGE_PAGES"),
                                             host_takes_freed_memory());
    if (!tunables) return;
    const char* before = std::getenv("GLIBC_TUNABLES");
    const std::string saved = before ? before : "";
    if (setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0) return;
    execv("/proc/self/exe", argv);
    // not restarted (no /proc, a sandbox): go on as we are
    if (before)
        setenv("GLIBC_TUNABLES", saved.c_str(), 1);
    else
        unsetenv("GLIBC_TUNABLES");
}

}  // namespace cleanheat
