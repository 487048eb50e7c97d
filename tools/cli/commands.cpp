#include "commands.hpp"

namespace cleanheat::cli {

const std::vector<CommandEntry>& commands() {
    static const std::vector<CommandEntry> list = {
        {"merge",
         add_merge,
         {"cleanheat merge data-samples/plans/* --villages data-samples/villages.gpkg \\\n"
          "    --heating data-samples/heating.xlsx -o out/merged.gpkg",
          "cleanheat merge plans/*.xlsx --villages 村级调查区.shp --villages-crs EPSG:4527 -o out/merged.gpkg --json",
          "cleanheat merge plan.csv --villages points.gpkg --villages-crs gcj02 -o out/merged.gpkg --overwrite"}},
        {"inspect",
         add_inspect,
         {"cleanheat inspect data-samples/plans/*",
          "cleanheat inspect 沾化区计划.xlsx --mapping-out 沾化区计划.mapping.json",
          "cleanheat inspect plans/*.xlsx --mapping my.mapping.json --json"}},
        {"annex",
         add_annex,
         {"cleanheat annex out/merged.gpkg -o out/annex.xlsx",
          "cleanheat annex out/merged.gpkg -o out/annex.xlsx --total-first --year 2023 --targets my-targets.json",
          "cleanheat annex national.gpkg -o out/annex.xlsx --no-villages --json"}},
        {"map",
         add_map,
         {"cleanheat map out/merged.gpkg --style styles/route.json -o out/route.pdf",
          "cleanheat map out/merged.gpkg --style styles/route.json -o out/route.png --dpi 150",
          "cleanheat map out/merged.gpkg --style styles/progress.json --atlas county -o out/atlas.pdf",
          "cleanheat map out/merged.gpkg --style styles/route.json --unit 371602 -o out/binchen.pdf"}},
        {"contiguity",
         add_contiguity,
         {"cleanheat contiguity out/merged.gpkg --xlsx out/contiguity.xlsx",
          "cleanheat contiguity out/merged.gpkg --adjacency rook --by none --json --no-write",
          "cleanheat contiguity 村级调查区.shp --planned \"planned = 1\" --tolerance 5 -o out/contiguity.gpkg"}},
        {"progress",
         add_progress,
         {"cleanheat progress out/merged.gpkg data-samples/progress/* --as-of 2022-09-20 -o out/progress.xlsx",
          "cleanheat progress out/merged.gpkg 滨城区_20221010.xlsx --json",
          "cleanheat progress out/merged.gpkg --as-of 2022-06-30 -o out/progress-0630.xlsx --chart out/0630.pdf"}},
        {"households",
         add_households,
         {"cleanheat households out/merged.gpkg data-samples/households/2022/* \\\n"
          "    --prior data-samples/households/prior/*",
          "cleanheat households out/merged.gpkg 滨城区到户清单_修订.xlsx --json",
          "cleanheat households PG:\"dbname=cleanheat\" 滨城区到户清单.xlsx --pg-schema binzhou"}},
        {"subsidy",
         add_subsidy,
         {"cleanheat subsidy out/merged.gpkg --policy styles/subsidy.json --season 2022-2023 -o out/subsidy.xlsx",
          "cleanheat subsidy out/merged.gpkg --season 2023-2024 -o out/subsidy-2023.xlsx --json",
          "cleanheat subsidy out/merged.gpkg --season 2022-2023 -o 财务/花名册.xlsx --unmasked"}},
        {"stations",
         add_stations,
         {"cleanheat stations out/merged.gpkg --stations data-samples/stations/stations.gpkg -o out/stations.xlsx",
          "cleanheat stations out/merged.gpkg --stations 服务站.csv --stations-crs EPSG:4490 --json",
          "cleanheat stations PG:\"dbname=cleanheat\" --stations 服务站.shp --policy my-policy.json"}},
        {"spotcheck",
         add_spotcheck,
         {"cleanheat spotcheck out/merged.gpkg --rate 0.05 --seed 2022 -o out/spotcheck.xlsx",
          "cleanheat spotcheck out/merged.gpkg --count 30 --min-per-county 3 --weight households -o out/check.xlsx",
          "cleanheat spotcheck out/merged.gpkg --rate 0.1 --stage accepted --seed 7 -o out/check.xlsx --no-map"}},
        {"report",
         add_report,
         {"cleanheat report out/merged.gpkg -o out/report.pdf",
          "cleanheat report out/merged.gpkg -o out/report-0920.pdf --as-of 2022-09-20",
          "cleanheat report national.gpkg -o out/report.pdf --style my-report.json --json"}},
        {"copy",
         add_copy,
         {"cleanheat copy out/merged.gpkg backup/merged-20221010.gpkg",
          "cleanheat copy //server/share/merged.gpkg merged.gpkg --overwrite --json",
          "cleanheat copy out/merged.gpkg PG:\"dbname=cleanheat host=gis.example user=city\" --overwrite"}},
        {"db",
         add_db,
         {"cleanheat db init PG:\"dbname=cleanheat host=gis.example user=postgres\"",
          "cleanheat db init PG:\"dbname=cleanheat\" --units styles/units.json --pg-schema binzhou --json",
          "cleanheat db gather PG:\"dbname=province\" --city binzhou=city_binzhou --city jinan=city_jinan"}},
    };
    return list;
}

std::string examples(const std::string& command) {
    for (const auto& entry : commands()) {
        if (command != entry.name) continue;
        std::string text = "Examples:\n";
        for (const auto& e : entry.examples) text += "  " + e + "\n";
        text +=
            "\nExit status: 0 done; 1 done, some rows rejected (see the issues table); 2 usage;\n"
            "3 input missing or unreadable; 4 output cannot be written or exists; 5 internal error; 130 interrupted (143 SIGTERM).\n"
            "Documentation: docs/" +
            command + ".md";
        return text;
    }
    return {};
}

}  // namespace cleanheat::cli
