#include "support.hpp"

#include <cstdio>
#include <unistd.h>

#include "dataset/schema.hpp"
#include "io/pg_connection.hpp"

#include <gdal.h>
#include <sqlite3.h>
#include <ogrsf_frmts.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gtest/gtest.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>

namespace cleanheat::test {
namespace {

struct TempRoot {
    fs::path path;
    TempRoot() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("cleanheat-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~TempRoot() {
        std::error_code ec;
        if (!std::getenv("CLEANHEAT_KEEP_TEST_FILES")) fs::remove_all(path, ec);
    }
};

}  // namespace

fs::path temp_dir() {
    static TempRoot root;
    static int counter = 0;
    const fs::path p = root.path / ("t" + std::to_string(++counter));
    fs::create_directories(p);
    return p;
}

fs::path source_dir() {
    return CLEANHEAT_SOURCE_DIR;
}
fs::path samples(const std::string& relative) {
    return source_dir() / "data-samples" / relative;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

CliResult run_cli(const std::vector<std::string>& args) { return run_cli_within(0, args); }

CliResult run_cli_within(std::size_t bytes, const std::vector<std::string>& args) {
    const fs::path dir = temp_dir();
    const fs::path out_path = dir / "stdout", err_path = dir / "stderr";
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        if (chdir(CLEANHEAT_SOURCE_DIR) != 0) _exit(127);
        const rlimit limit{bytes, bytes};
        if (bytes && setrlimit(RLIMIT_AS, &limit) != 0) _exit(127);
        FILE* o = std::freopen(out_path.c_str(), "w", stdout);
        FILE* e = std::freopen(err_path.c_str(), "w", stderr);
        if (!o || !e) _exit(127);
        std::vector<char*> argv;
        std::string binary = CLEANHEAT_BINARY;
        argv.push_back(binary.data());
        std::vector<std::string> copy = args;
        for (auto& a : copy) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(binary.c_str(), argv.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    return r;
}

std::vector<Record> read_layer(const fs::path& source, const std::string& layer_name) {
    GDALAllRegister();
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds) throw std::runtime_error("cannot open " + source.string());
    OGRLayer* layer = ds->GetLayerByName(layer_name.c_str());
    if (!layer) throw std::runtime_error("no layer " + layer_name + " in " + source.string());
    std::vector<Record> out;
    for (auto& f : *layer) {
        Record r;
        for (int i = 0; i < f->GetFieldCount(); ++i) {
            std::string& value = r[f->GetFieldDefnRef(i)->GetNameRef()];
            if (!f->IsFieldSetAndNotNull(i)) continue;
            value = f->GetFieldAsString(i);
            if (f->GetFieldDefnRef(i)->GetType() == OFTDate) {  // as the dataset writes it (GDAL says 2022/06/30)
                int y = 0, m = 0, d = 0, h = 0, mi = 0, tz = 0;
                float sec = 0;
                char iso[16];
                if (f->GetFieldAsDateTime(i, &y, &m, &d, &h, &mi, &sec, &tz)) {
                    std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
                    value = iso;
                }
            }
        }
        if (auto* g = f->GetGeometryRef()) r["geometry"] = g->exportToWkt();
        out.push_back(std::move(r));
    }
    return out;
}

void write_xlsx(const fs::path& path, const std::vector<XlsxSheet>& sheets) {
    lxw_workbook* wb = workbook_new(path.c_str());
    for (const auto& sheet : sheets) {
        lxw_worksheet* ws = workbook_add_worksheet(wb, sheet.name.empty() ? nullptr : sheet.name.c_str());
        for (const auto& m : sheet.merges)
            worksheet_merge_range(ws, m.first_row, m.first_column, m.last_row, m.last_column, m.text.c_str(), nullptr);
        for (const auto& c : sheet.cells) {
            if (c.number)
                worksheet_write_number(ws, c.row, c.column, std::stod(c.text), nullptr);
            else
                worksheet_write_string(ws, c.row, c.column, c.text.c_str(), nullptr);
        }
    }
    if (workbook_close(wb) != LXW_NO_ERROR) throw std::runtime_error("cannot write " + path.string());
}

void write_villages(const fs::path& path, const std::vector<TestVillage>& villages, int epsg, bool points) {
    GDALAllRegister();
    auto* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    std::unique_ptr<GDALDataset> ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    OGRSpatialReference srs;
    srs.importFromEPSG(epsg);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayer* layer = ds->CreateLayer("villages", &srs, points ? wkbPoint : wkbPolygon, nullptr);
    for (const char* name :
         {"village_code", "village_name", "township_code", "township_name", "county_code", "county_name"}) {
        OGRFieldDefn defn(name, OFTString);
        layer->CreateField(&defn);
    }
    for (const auto& v : villages) {
        OGRFeature f(layer->GetLayerDefn());
        f.SetField("village_code", v.code.c_str());
        f.SetField("village_name", v.name.c_str());
        f.SetField("township_code", v.code.substr(0, 9).c_str());
        f.SetField("township_name", v.township_name.c_str());
        f.SetField("county_code", v.code.substr(0, 6).c_str());
        f.SetField("county_name", v.county_name.c_str());
        if (points) {
            OGRPoint p(v.x + 500, v.y + 500);
            f.SetGeometry(&p);
        } else {
            OGRLinearRing ring;
            ring.addPoint(v.x, v.y);
            ring.addPoint(v.x + 1000, v.y);
            ring.addPoint(v.x + 1000, v.y + 1000);
            ring.addPoint(v.x, v.y + 1000);
            ring.addPoint(v.x, v.y);
            OGRPolygon poly;
            poly.addRing(&ring);
            f.SetGeometry(&poly);
        }
        if (layer->CreateFeature(&f) != OGRERR_NONE) throw std::runtime_error("cannot write " + path.string());
    }
}

std::vector<std::vector<std::string>> sheet_rows(const fs::path& path, const std::string& sheet) {
    GDALAllRegister();
    const char* options[] = {"HEADERS=DISABLE", "FIELD_TYPES=STRING", nullptr};
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, options, nullptr));
    std::vector<std::vector<std::string>> rows;
    OGRLayer* layer = ds ? ds->GetLayerByName(sheet.c_str()) : nullptr;
    if (!layer) throw std::runtime_error(path.string() + ": no sheet " + sheet);
    for (auto& f : *layer) {
        std::vector<std::string> cells;
        for (int i = 0; i < f->GetFieldCount(); ++i)
            cells.push_back(f->IsFieldSetAndNotNull(i) ? f->GetFieldAsString(i) : "");
        rows.push_back(cells);
    }
    return rows;
}

std::string resident_id(const std::string& first17) {
    const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (first17.at(static_cast<std::size_t>(i)) - '0') * weights[i];
    return first17 + "10X98765432"[sum % 11];
}

std::string shell_output(const std::string& command) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    char buf[4096];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    if (p) pclose(p);
    return out;
}

std::string pdf_text(const fs::path& pdf, const std::string& pages) {
    std::string text = shell_output("pdftotext " + pages + " " + pdf.string() + " - 2>/dev/null");
    text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\n'; }), text.end());
    return text;
}

std::vector<Issue> issues_with_code(const std::vector<Issue>& issues, const std::string& code) {
    std::vector<Issue> out;
    for (const auto& i : issues)
        if (i.code == code) out.push_back(i);
    return out;
}

std::vector<std::string> sample_plan_files() {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(samples("plans")))
        files.push_back((fs::path("data-samples/plans") / e.path().filename()).string());
    std::sort(files.begin(), files.end());
    return files;
}

fs::path merge_samples(const fs::path& dir) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(samples("plans"))) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    std::vector<std::string> args = {"merge"};
    args.insert(args.end(), files.begin(), files.end());
    const std::vector<std::string> rest = {
        "--villages", samples("villages.gpkg").string(), "--heating", samples("heating.xlsx").string(),
        "-o",         (dir / "merged.gpkg").string(),    "--quiet"};
    args.insert(args.end(), rest.begin(), rest.end());
    const CliResult r = run_cli(args);
    if (r.exit_code != 0 && r.exit_code != 1) throw std::runtime_error("merge of the samples failed: " + r.err);
    return dir / "merged.gpkg";
}

}  // namespace cleanheat::test

namespace cleanheat::test {

std::string dataset_digest(const fs::path& path) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return {};
    }
    std::vector<std::string> tables;
    sqlite3_stmt* st = nullptr;
    bool ok = sqlite3_prepare_v2(db,
                                 "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                 "AND name NOT LIKE 'rtree_%' AND name NOT IN ('run_info', 'run_log') ORDER BY name",
                                 -1, &st, nullptr) == SQLITE_OK;
    while (ok && sqlite3_step(st) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a over table names, column names and values
    auto mix = [&h](const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    };
    long long rows = 0;
    for (const auto& table : tables) {
        std::string quoted = "\"";
        for (char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        quoted += "\"";
        if (sqlite3_prepare_v2(db, ("SELECT * FROM " + quoted + " ORDER BY rowid").c_str(), -1, &st, nullptr) !=
            SQLITE_OK) {
            sqlite3_finalize(st);
            ok = false;
            break;
        }
        mix(table.data(), table.size() + 1);
        const int columns = sqlite3_column_count(st);
        std::vector<bool> skip(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) {
            const std::string name = sqlite3_column_name(st, c);
            skip[static_cast<std::size_t>(c)] = name == "imported_at" || name == "last_change";
            mix(name.data(), name.size() + 1);
        }
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            // the rows of gpkg_contents and gpkg_ogr_contents about run_info and run_log (their counts grow)
            if (table.rfind("gpkg_", 0) == 0 && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
                const std::string about = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
                if (about == "run_info" || about == "run_log") continue;
            }
            ++rows;
            for (int c = 0; c < columns; ++c) {
                if (skip[static_cast<std::size_t>(c)]) continue;
                const int type = sqlite3_column_type(st, c);
                mix(&type, sizeof type);
                const void* data = sqlite3_column_blob(st, c);
                mix(data, static_cast<std::size_t>(sqlite3_column_bytes(st, c)));
            }
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            ok = false;
            break;
        }
    }
    sqlite3_close(db);
    if (!ok) return {};
    char text[64];
    std::snprintf(text, sizeof text, "%016llx/%zu tables/%lld rows", static_cast<unsigned long long>(h), tables.size(),
                  rows);
    return text;
}

std::string integrity_check(const fs::path& path) {
    sqlite3* db = nullptr;
    std::string result;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW)
                result += std::string(result.empty() ? "" : "\n") +
                          reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        else
            result = sqlite3_errmsg(db);
        sqlite3_finalize(st);
    } else {
        result = "cannot open";
    }
    sqlite3_close(db);
    return result;
}

PgTestDatabase::PgTestDatabase() {
    const char* admin = std::getenv("CLEANHEAT_TEST_PG");
    if (!admin || !*admin) return;
    admin_ = admin;
    static int counter = 0;
    const std::string name = "cleanheat_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    cleanheat::PgConnection db(admin_);
    db.exec("CREATE DATABASE " + name);
    name_ = name;
}

PgTestDatabase::~PgTestDatabase() {
    if (name_.empty()) return;
    try {
        cleanheat::PgConnection db(admin_);
        db.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        for (const auto& role : roles_) db.exec("DROP ROLE IF EXISTS " + db.identifier(role));
    } catch (const std::exception& e) {
        std::cerr << "dropping the test database " << name_ << ": " << e.what() << "\n";
    }
}

std::string PgTestDatabase::conninfo(const std::string& user) const {
    std::string info = admin_ + " dbname=" + name_;
    if (!user.empty()) info += " user=" + user;
    return info;
}

std::string PgTestDatabase::login_role(const std::string& suffix, const std::string& member_of) {
    const std::string role = name_ + "_" + suffix;
    cleanheat::PgConnection db(conninfo());
    db.exec("CREATE ROLE " + db.identifier(role) + " LOGIN IN ROLE " + db.identifier(member_of));
    roles_.push_back(role);
    return role;
}

std::string PgTestDatabase::admin_sql(const std::string& sql) const {
    cleanheat::PgConnection db(conninfo());
    const auto r = db.query(sql);
    return r.rows() > 0 && r.columns() > 0 && !r.null(0, 0) ? r.text(0, 0) : "";
}

// Every row of a SQLite table as text, keyed by its key column, geometry as WKB hex; reals with
// every digit (%.17g), so that a value changed in its last bit shows.
std::map<std::string, std::vector<std::string>> sqlite_rows(const fs::path& gpkg, const std::string& table,
                                                            const std::string& key, const std::vector<std::string>& columns) {
    std::map<std::string, std::vector<std::string>> rows;
    sqlite3* db = nullptr;
    sqlite3_open_v2(gpkg.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    std::string select;
    for (const auto& c : columns) select += ", \"" + c + "\"";
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, ("SELECT \"" + key + "\"" + select + " FROM \"" + table + "\"").c_str(), -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 1; i <= static_cast<int>(columns.size()); ++i) {
            const int type = sqlite3_column_type(st, i);
            if (type == SQLITE_NULL) {
                row.emplace_back("NULL");
            } else if (columns[i - 1] == "geom") {  // the WKB after the GeoPackage header
                const auto* b = static_cast<const unsigned char*>(sqlite3_column_blob(st, i));
                const int n = sqlite3_column_bytes(st, i);
                static const int envelope[] = {0, 32, 48, 48, 64, 0, 0, 0};
                const int header = 8 + envelope[(b[3] >> 1) & 7];
                std::string hex;
                for (int k = header; k < n; ++k) {
                    char two[3];
                    std::snprintf(two, sizeof two, "%02x", b[k]);
                    hex += two;
                }
                row.push_back(hex);
            } else if (type == SQLITE_FLOAT) {
                char text[40];
                std::snprintf(text, sizeof text, "%.17g", sqlite3_column_double(st, i));
                row.emplace_back(text);
            } else {
                row.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, i)));
            }
        }
        rows[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = row;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

// The columns of a table of a GeoPackage, its key first.
std::vector<std::string> table_columns(const fs::path& gpkg, const std::string& table) {
    std::vector<std::string> columns;
    sqlite3* lite = nullptr;
    sqlite3_open_v2(gpkg.c_str(), &lite, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(lite, ("SELECT name FROM pragma_table_info('" + table + "')").c_str(), -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(lite);
    return columns;
}

void sqlite_exec(const fs::path& path, const std::string& statements) {
    sqlite3* db = nullptr;
    const int opened = sqlite3_open(path.c_str(), &db);
    char* error = nullptr;
    const int rc = opened == SQLITE_OK ? sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &error) : opened;
    const std::string message = error ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error(path.string() + ": " + message + "\n" + statements);
}

std::vector<Record> villages_with_contiguity(const fs::path& gpkg) {
    std::vector<Record> rows;
    sqlite3* db = nullptr;
    sqlite3_open_v2(gpkg.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT v.*, c.* FROM villages v LEFT JOIN village_contiguity c ON c.village_fid = v.fid "
                           "ORDER BY v.fid",
                           -1, &st, nullptr) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            Record r;
            for (int i = 0; i < sqlite3_column_count(st); ++i) {
                if (sqlite3_column_type(st, i) == SQLITE_BLOB) continue;
                const auto* text = sqlite3_column_text(st, i);
                const std::string name = sqlite3_column_name(st, i);
                if (!r.count(name) || text) r[name] = text ? reinterpret_cast<const char*>(text) : "";
            }
            rows.push_back(std::move(r));
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

// A dataset of schema version 3 after contiguity made as version 2 wrote it: the contiguity
// fields in the villages layer, no village_contiguity (statements through GDAL, whose SQLite has
// the GeoPackage functions the layer's triggers name).
void make_version_2(const fs::path& gpkg) {
    namespace ds = cleanheat::dataset;
    GDALAllRegister();
    std::unique_ptr<GDALDataset> dataset(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    if (!dataset) throw std::runtime_error(gpkg.string() + ": cannot open");
    std::vector<std::string> statements;
    for (const auto& c : ds::village_contiguity_columns()) {
        const std::string name = c.name;
        statements.push_back("ALTER TABLE villages ADD COLUMN " + name +
                             (c.type == ds::ColumnType::text ? " TEXT" : " INTEGER"));
        statements.push_back("UPDATE villages SET " + name + " = (SELECT " + name +
                             " FROM village_contiguity WHERE village_fid = villages.fid)");
    }
    statements.insert(statements.end(), {"DROP TABLE village_contiguity",
                                         "DELETE FROM gpkg_contents WHERE table_name = 'village_contiguity'",
                                         "DELETE FROM gpkg_ogr_contents WHERE table_name = 'village_contiguity'",
                                         "UPDATE run_info SET value = '2' WHERE key = 'schema_version'"});
    for (const auto& sql : statements) {
        CPLErrorReset();
        OGRLayer* result = dataset->ExecuteSQL(sql.c_str(), nullptr, nullptr);
        if (result) dataset->ReleaseResultSet(result);
        if (CPLGetLastErrorType() != CE_None) throw std::runtime_error(sql + ": " + CPLGetLastErrorMsg());
    }
}

Coverage coverage_from_wkt(const std::vector<std::string>& wkts) {
    Coverage c;
    for (const auto& w : wkts) {
        OGRGeometry* g = nullptr;
        EXPECT_EQ(OGRGeometryFactory::createFromWkt(w.c_str(), nullptr, &g), OGRERR_NONE) << w;
        if (!g) continue;
        std::vector<unsigned char> wkb(static_cast<std::size_t>(g->WkbSize()));
        g->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
        EXPECT_TRUE(c.add_wkb(wkb.data(), wkb.size())) << w;
        delete g;
    }
    return c;
}

}  // namespace cleanheat::test
