// Bytes as a CSV plan table (UTF-8 or GB18030): read, headers found, rows parsed; and the same
// bytes as a progress report. Only cleanheat's own errors may come out.
#include "base/error.hpp"
#include "fuzz_support.hpp"
#include "io/table_reader.hpp"
#include "commands/plan_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cleanheat;
    const std::string path = fuzz::input_file("plan.csv", data, size);
    try {
        const Table table = read_table(path);
        (void)read_plan_rows(table);
        (void)read_progress_rows(table);
    } catch (const Error&) {
    }
    fuzz::forget(path);
    return 0;
}
