// Bulk loading of an SQLite R*Tree (the GeoPackage spatial index) by Sort-Tile-Recursive
// packing: the node, rowid and parent tables are written directly, which is many times
// faster than inserting entries one by one through the virtual table.
#pragma once
#include <ogr_core.h>
#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

namespace cleanheat {

using RtreeEntry = std::pair<long long, OGREnvelope>;  // id, box

// Fills the empty 2-D R-tree `rtree` (created by CREATE VIRTUAL TABLE ... USING rtree) with
// `entries`. Returns false, leaving the tree untouched, when the tree is not empty or its
// node size is unexpected; the caller then inserts entries the ordinary way.
bool bulk_load_rtree(sqlite3* db, const std::string& rtree, std::vector<RtreeEntry> entries);

}  // namespace cleanheat
