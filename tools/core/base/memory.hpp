// How the process asks for memory: big heap steps, and transparent huge pages where the kernel
// gives them only on request. Called first thing in main().
#pragma once
#include <optional>
#include <string>

namespace cleanheat {

// Large runs touch hundreds of MB of fresh memory; on a kernel whose transparent huge pages are
// "madvise" (not "always"), each 4 KB page is a fault of its own (a third of a 620,000-village
// contiguity check went to them). glibc backs its heap with huge pages when its tunable
// glibc.malloc.hugetlb=1 is set, and reads tunables only when a process starts: so the process
// starts itself again, once, with it set (same pid, arguments and environment otherwise).
// Nothing happens for --version and help, when the tunable is already named, when
// CLEANHEAT_HUGE_PAGES=0, on a virtual machine that hands freed memory back to its host (unless
// CLEANHEAT_HUGE_PAGES=1), or in a sanitizer build; a failed restart goes on as before.
void tune_memory(char** argv);

// The GLIBC_TUNABLES value to start again with, or none: `thp_enabled` is the text of
// /sys/kernel/mm/transparent_hugepage/enabled (e.g. "always [madvise] never"), `tunables` and
// `choice` the values of GLIBC_TUNABLES and CLEANHEAT_HUGE_PAGES (nullptr when unset: "0" never,
// "1" even where the host takes freed memory), `host_takes_freed_memory` what the function of
// that name says.
std::optional<std::string> huge_page_tunables(const std::string& thp_enabled, const char* tunables,
                                              const char* choice, bool host_takes_freed_memory = false);

// Whether this is a virtual machine whose balloon device reports freed memory to the host (a
// virtio device of type 5 offering feature bit 5, VIRTIO_BALLOON_F_REPORTING), read from
// `virtio_devices` (/sys/bus/virtio/devices). There, memory a run frees goes back to the host
// within seconds, and the next run gets it back from the host: in 2 MB pages several times
// slower than in 4 KB pages (1 GB touched after a few idle seconds: 2.3 s against 0.35-0.5 s).
bool host_takes_freed_memory(const std::string& virtio_devices = "/sys/bus/virtio/devices");

}  // namespace cleanheat
