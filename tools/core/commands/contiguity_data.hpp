// What the contiguity check holds in memory between its steps (internal to the core).
#pragma once
#include <ogr_spatialref.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/text_column.hpp"
#include "commands/contiguity.hpp"
#include "dataset/results.hpp"
#include "geo/adjacency.hpp"
#include "geo/coverage.hpp"
#include "io/atomic_output.hpp"
#include "io/pg_connection.hpp"

namespace cleanheat {

struct ContiguityData {
    Coverage coverage;
    Adjacency adjacency;
    std::vector<long long> fids;
    std::vector<std::uint8_t> planned;
    std::vector<std::int32_t> group;   // index into group_values; -1 none
    std::vector<std::int32_t> route;   // index into route_values; -1 none
    std::vector<std::int32_t> within;  // points: index of the --within-field value
    std::vector<double> households;
    TextColumn code, name, township, county;
    std::vector<std::string> group_values, route_values;
    std::vector<std::string> group_names;  // county name for a group value, when known
    std::unique_ptr<OGRSpatialReference> srs;
    std::unique_ptr<OGRSpatialReference> working_srs;  // when the coordinates were projected
    int srs_id = 0;                                    // GeoPackage srs_id of the layer (0 unknown)
    bool transformed = false;                          // coordinates were projected from lon/lat

    // Results per feature
    std::vector<std::int32_t> cluster;        // total cluster id (1 = largest), 0 unplanned
    std::vector<std::int32_t> cluster_size;   // villages in that cluster
    std::vector<std::int32_t> route_cluster;  // cluster among villages of the same route, 0 none
    std::vector<std::int32_t> group_cluster;  // cluster inside its --by group, 0 none
    std::vector<std::uint8_t> isolated, hole, enclosed;
    std::vector<std::int32_t> enclosing;  // cluster whose outline encloses it
};

// Outlines of the clusters (members' shared edges cancelled, else GEOS's union), the unplanned
// villages they enclose, into data.enclosed / result.total.enclosed and per group; outlines as WKB.
// `queen`: the adjacency counted corner contacts (only then does it name every member touching
// another's edge, which the outline by cancelled edges needs; under rook adjacency: GEOS).
std::vector<std::vector<unsigned char>> cluster_outlines(ContiguityData& data, ContiguityResult& result, int threads,
                                                         bool queen, const Progress& progress);
// Infrastructure rules (district-heating coverage, gas mains, grid zones).
void check_rules(const ContiguityOptions& options, ContiguityData& data, ContiguityResult& result);
// The new layers and fields, in one SQLite transaction on `path` (a GeoPackage).
void write_contiguity_layers(const std::string& path, const std::string& layer, const ContiguityOptions& options,
                             const ContiguityData& data, const ContiguityResult& result,
                             const std::vector<std::vector<unsigned char>>& outlines);
// The same results into a dataset in a database (dataset/results.hpp), inside the caller's
// transaction: village_contiguity by its changed rows, the other tables replaced, the run logged.
// Tables made are secured (dataset::pg_secure_dataset).
// `village_rows`: the digests of village_contiguity's rows there, when read already; `staged`:
// village_contiguity's rows being filled on a connection of their own (a first run), when given.
void write_contiguity_tables(const PgConnection& db, const std::string& schema, int srid,
                             const ContiguityOptions& options, const ContiguityData& data,
                             const ContiguityResult& result, const std::vector<std::vector<unsigned char>>& outlines,
                             std::optional<dataset::RowDigests> village_rows, dataset::PgStagedTable* staged);
// One village's row of village_contiguity (its fid, clusters, flags and class).
void village_contiguity_row(const ContiguityOptions& options, const ContiguityData& data, std::size_t f,
                            dataset::RowOut& out);
// The workbook: per-group summary, isolated villages, holes, rule findings.
// The workbook, complete in its .partial file, renamed by the caller once the dataset is written.
std::unique_ptr<AtomicOutput> write_contiguity_workbook(const std::string& path, const ContiguityOptions& options,
                                                        const ContiguityData& data, const ContiguityResult& result);

}  // namespace cleanheat
