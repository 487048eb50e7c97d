#include "dataset/pg_rows.hpp"

#include <cstdint>
#include <cstdio>
#include <vector>

#include "base/error.hpp"
#include "io/wkb_reader.hpp"

namespace cleanheat::dataset {

bool blob_to_hex_ewkb(const unsigned char* blob, std::size_t size, int srid, std::string& hex) {
    const std::size_t header = gpkg_header_size(blob, size);  // an empty geometry keeps its (empty) WKB
    if (header == 0 || size < header + 5) return false;
    const unsigned char* wkb = blob + header;
    const std::size_t n = size - header;
    const bool little = wkb[0] == 1;
    std::uint32_t type = little ? (wkb[1] | wkb[2] << 8 | wkb[3] << 16 | std::uint32_t(wkb[4]) << 24)
                                : (std::uint32_t(wkb[1]) << 24 | wkb[2] << 16 | wkb[3] << 8 | wkb[4]);
    type |= 0x20000000u;  // EWKB: an SRID follows the type
    auto put32 = [&](std::uint32_t v, unsigned char* out) {
        for (int i = 0; i < 4; ++i) out[i] = static_cast<unsigned char>(little ? v >> (8 * i) : v >> (8 * (3 - i)));
    };
    std::vector<unsigned char> ewkb(n + 4);
    ewkb[0] = wkb[0];
    put32(type, &ewkb[1]);
    put32(static_cast<std::uint32_t>(srid), &ewkb[5]);
    std::copy(wkb + 5, wkb + n, ewkb.begin() + 9);
    static const char* digits = "0123456789ABCDEF";
    hex.resize(ewkb.size() * 2);
    for (std::size_t i = 0; i < ewkb.size(); ++i) {
        hex[2 * i] = digits[ewkb[i] >> 4];
        hex[2 * i + 1] = digits[ewkb[i] & 15];
    }
    return true;
}

bool copy_sqlite_value(PgCopyIn& copy, sqlite3_stmt* st, int i, bool geometry, int srid, std::string& scratch) {
    const int type = sqlite3_column_type(st, i);
    if (type == SQLITE_NULL) {
        copy.null();
    } else if (geometry) {
        const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(st, i));
        if (!blob_to_hex_ewkb(blob, static_cast<std::size_t>(sqlite3_column_bytes(st, i)), srid, scratch)) return false;
        copy.field(scratch);
    } else if (type == SQLITE_FLOAT) {
        char text[40];
        std::snprintf(text, sizeof text, "%.17g", sqlite3_column_double(st, i));
        copy.field(text);
    } else {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        copy.field(text, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
    }
    return true;
}

void gpkg_geometry_of(const SqliteDb& source, const std::string& table, int& srid, std::string& geometry_type) {
    srid = 0;
    geometry_type = "GEOMETRY";
    source.each(
        "SELECT s.organization_coordsys_id, g.geometry_type_name, g.z, g.m FROM gpkg_geometry_columns g JOIN "
        "gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id WHERE g.table_name = ?1",
        [&](sqlite3_stmt* st) {
            srid = sqlite3_column_int(st, 0);
            geometry_type = sql_text(st, 1);
            // z, m: 1 when every geometry has them (0 none, 2 some)
            const bool z = sqlite3_column_int(st, 2) == 1, m = sqlite3_column_int(st, 3) == 1;
            if (z || m) geometry_type += std::string(" ") + (z ? "Z" : "") + (m ? "M" : "");
        },
        {table});
}

long long copy_sqlite_rows(const SqliteDb& source, const std::string& select, PgCopyIn& copy, int geometry_at,
                           int srid, const std::string& what, int renumber_at,
                           const std::map<long long, long long>* renumber) {
    std::string scratch;
    long long rows = 0;
    source.each(select, [&](sqlite3_stmt* st) {
        const int n = sqlite3_column_count(st);
        for (int i = 0; i < n; ++i) {
            if (i == renumber_at && renumber && sqlite3_column_type(st, i) == SQLITE_INTEGER) {
                const auto found = renumber->find(sqlite3_column_int64(st, i));
                if (found != renumber->end()) {
                    copy.field(std::to_string(found->second));
                    continue;
                }
            }
            if (!copy_sqlite_value(copy, st, i, i == geometry_at, srid, scratch))
                throw InputError(what + " " + sql_text(st, 0) + ": not a GeoPackage geometry; not copied");
        }
        copy.end_row();
        ++rows;
    });
    return rows;
}

}  // namespace cleanheat::dataset
