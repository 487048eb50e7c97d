// Bytes as a workbook through GDAL: the first byte picks .xlsx or .ods, the rest is the file.
// Read, headers found, rows parsed. Only cleanheat's own errors may come out.
// .xls is left out: GDAL reads it with libfreexl, and on crafted files libfreexl 1.0.6 (Debian 12)
// passes a stack buffer to iconv with a wrong length (AddressSanitizer: stack-buffer-underflow in
// iconv called from libfreexl), a fault of that library that our code cannot fix (reading .xls in a
// separate process would contain it); found
// by this fuzzer (see docs/merge.md, Limits). Build with
// -DFUZZ_XLS to fuzz it anyway.
#include <iterator>

#include "base/error.hpp"
#include "fuzz_support.hpp"
#include "io/table_reader.hpp"
#include "commands/plan_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cleanheat;
    if (size < 1) return 0;
#ifdef FUZZ_XLS
    static const char* const kExtensions[] = {"xlsx", "ods", "xls"};
#else
    static const char* const kExtensions[] = {"xlsx", "ods"};
#endif
    const std::string path = fuzz::input_file(std::string("plan.") + kExtensions[data[0] % std::size(kExtensions)],
                                              data + 1, size - 1);
    try {
        const Table table = read_table(path);
        (void)read_plan_rows(table);
    } catch (const Error&) {
    }
    fuzz::forget(path);
    return 0;
}
