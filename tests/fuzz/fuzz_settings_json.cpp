// Bytes as a settings file: the first byte picks the reader (map style, mapping file, units,
// milestones, targets), the rest is the file. Only cleanheat's own errors may come out: a JSON
// or type error of the library must reach the user as an InputError naming the file.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "commands/annex.hpp"
#include "base/error.hpp"
#include "io/header_detect.hpp"
#include "commands/milestones.hpp"
#include "render/style.hpp"
#include "base/units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cleanheat;
    if (size < 1) return 0;
    static const std::string path = "/tmp/cleanheat-fuzz-settings-" + std::to_string(getpid()) + ".json";
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
    }
    try {
        switch (data[0] % 5) {
            case 0:
                (void)load_style(path);
                break;
            case 1:
                (void)load_mappings(path);
                break;
            case 2: {
                UnitRegistry units;
                units.load(path);
                break;
            }
            case 3:
                (void)load_milestones(path);
                break;
            default:
                (void)load_targets(path);
                break;
        }
    } catch (const Error&) {
    }
    return 0;
}
