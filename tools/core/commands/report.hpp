// cleanheat report: one printable A4 PDF for the city office: cover, contents, summary
// against the targets, the annex tables, progress against the milestones, the city maps,
// one section per county and the data problems. It reuses the annex figures, the map
// renderer and the progress computation (without writing to the GeoPackage).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "base/progress.hpp"

namespace cleanheat {

struct ReportOptions {
    std::filesystem::path merged;   // the merged GeoPackage (after contiguity and progress, when run)
    std::string pg_schema;          // the schema when the dataset is PG:"..." (empty: cleanheat)
    std::filesystem::path output;   // .pdf, written atomically
    std::string as_of;              // progress as of this date; empty: the last cleanheat progress run's, else today
    std::filesystem::path style;    // empty: styles/report.json
    std::filesystem::path targets;  // empty: styles/targets.json
    std::filesystem::path units;    // empty: styles/units.json
    bool overwrite = false;
};

struct ReportResult {
    std::filesystem::path output;
    int pages = 0;
    std::vector<std::string> sections;  // the contents' first-level entries
    std::string as_of;
    long long households = 0;
    double area_m2 = 0;
    std::vector<std::string> notes;  // lists cut at the limit, maps left out
};

ReportResult make_report(const ReportOptions& options, const Progress& progress);

}  // namespace cleanheat
