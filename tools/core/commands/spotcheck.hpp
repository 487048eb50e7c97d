// cleanheat spotcheck: a reproducible, county-stratified random sample of the completed or
// accepted villages for the city's on-site checks, the inspectors' workbook and a map.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/issue.hpp"
#include "base/progress.hpp"

namespace cleanheat {

struct SpotcheckOptions {
    std::string merged;               // the merged dataset (.gpkg or PG:) after cleanheat progress
    std::string pg_schema;            // the schema when the dataset is PG:"..." (empty: cleanheat)
    double rate = 0;                  // share of the eligible villages per county (0: use count)
    long long count = 0;              // villages in all, shared out by county size
    int min_per_county = 1;           // at least this many per county (all when fewer are eligible)
    std::uint64_t seed = 0;           // the same seed and data give the same sample
    bool weight_households = false;   // draw with probability proportional to the planned households
    std::string stage = "completed";  // completed: completed or accepted villages; accepted: accepted only
    std::filesystem::path output;     // inspectors' workbook (.xlsx)
    std::filesystem::path map;        // map of the sampled villages (.pdf/.png/.svg); empty: none
    std::filesystem::path style;      // empty: styles/spotcheck.json
    bool overwrite = false;
    std::string command_line;
};

struct SampledVillage {
    int number = 0;  // 1.. in the workbook
    long long fid = 0;
    std::string code, name, township_name, county_code, county_name, routes, stage;
    long long planned = 0, completed = 0, accepted = 0;
};

struct CountySample {
    std::string code, name;
    long long eligible = 0, quota = 0, sampled = 0;
};

struct SpotcheckResult {
    std::vector<SampledVillage> sample;
    std::vector<CountySample> counties;
    long long eligible = 0;
    std::uint64_t seed = 0;
    std::vector<Issue> issues;
    std::vector<std::filesystem::path> outputs;
};

SpotcheckResult spotcheck(const SpotcheckOptions& options, const Progress& progress);

// The villages to draw per county: with a rate, ceil(rate x eligible); with a count, shares
// of the count by county size (largest remainders); never fewer than the minimum, never
// more than the eligible.
std::vector<long long> spotcheck_quotas(const std::vector<long long>& eligible, double rate, long long count,
                                        int min_per_county);
// Indexes of k of n candidates drawn without replacement, reproducibly from the seed;
// with weights, each with probability proportional to its weight (Efraimidis-Spirakis).
std::vector<std::size_t> draw_sample(std::size_t n, std::size_t k, std::uint64_t seed,
                                     const std::vector<double>& weights = {});

}  // namespace cleanheat
