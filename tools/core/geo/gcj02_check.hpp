// Do village points look GCJ-02 shifted? Compares them with reference polygons (villages,
// townships or counties with codes): how many points fall in their own polygon as they are,
// and how many would after undoing (or applying) the GCJ-02 offset.
#pragma once
#include <string>

#include "geo/crs.hpp"
#include "io/geodata_reader.hpp"

namespace cleanheat {

struct Gcj02Check {
    int compared = 0;          // points with a reference polygon of their own code
    int inside_as_taken = 0;   // inside it with the CRS the merge uses
    int inside_other_way = 0;  // inside it with the GCJ-02 offset undone (or, for gcj02 input, kept)
    bool suspicious() const;   // the other way fits clearly better
};

// `villages`: the village points, as the merge opened them (opened once: a second open of the file
// would close a descriptor of it, and with it the locks of the first); `crs`: what the merge takes
// them to be.
// `reference`: any OGR polygon source whose first field named like a code holds 12-, 9- or
// 6-digit division codes. Throws InputError when the reference cannot be read.
Gcj02Check check_gcj02(VillageSource& villages, const CrsChoice& crs, const std::string& reference);

}  // namespace cleanheat
