// The report's section on acceptance and subsidies (验收与补贴), when the dataset holds household
// lists: households listed, accepted, failed and declined per unit (from the lists, as
// docs/households.md counts them) and the latest season's subsidies (table subsidies). It only reads.
#pragma once
#include <string>

#include "io/gpkg_sql.hpp"
#include "report/pdf_document.hpp"

namespace cleanheat {

// Whether the dataset holds what the section shows (household lists this login may read, or subsidies).
bool has_household_section(const SqliteDb& db);
// The section under `heading` (三、验收与补贴 ...).
void add_household_section(PdfDocument& doc, const SqliteDb& db, const std::string& heading);

}  // namespace cleanheat
