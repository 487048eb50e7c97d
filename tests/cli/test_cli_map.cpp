#include <cairo.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

TEST(MapCli, PdfKeepsTextAndEmbedsTheCjkFont) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto r = run_cli({"map", gpkg.string(), "--style", "styles/route.json", "-o", (dir / "route.pdf").string(),
                            "--date", "2022-09-20", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["pages"], 1);
    std::string text = shell_output("pdftotext " + (dir / "route.pdf").string() + " - 2>/dev/null");
    text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
    for (const char* s : {"滨州市2022年农村清洁取暖技术路线图", "图例", "煤改电", "集中供热", "未列入计划",
                          "内部资料注意保存", "制图日期：2022年9月20日", "滨城区", "邹平市"})
        EXPECT_NE(text.find(s), std::string::npos) << s;
    const std::string fonts = shell_output("pdffonts " + (dir / "route.pdf").string() + " 2>/dev/null");
    EXPECT_NE(fonts.find("NotoSansCJK"), std::string::npos) << fonts;
    EXPECT_EQ(fonts.find(" no  "), std::string::npos) << "a font is not embedded:\n" << fonts;
}

TEST(MapCli, PngHasTheRouteColoursAndAtlasHasOnePagePerCounty) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"map", gpkg.string(), "--style", "styles/route.json", "-o", (dir / "route.png").string(),
                       "--dpi", "60", "--quiet"})
                  .exit_code,
              0);
    cairo_surface_t* png = cairo_image_surface_create_from_png((dir / "route.png").c_str());
    ASSERT_EQ(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    const int w = cairo_image_surface_get_width(png), h = cairo_image_surface_get_height(png);
    // the sample city is 1.8 times taller than wide: an A3 portrait sheet (the style's
    // orientation is auto)
    EXPECT_EQ(w, static_cast<int>(297 / 25.4 * 60 + 0.5));
    EXPECT_EQ(h, static_cast<int>(420 / 25.4 * 60 + 0.5));
    const unsigned char* data = cairo_image_surface_get_data(png);
    const int stride = cairo_image_surface_get_stride(png);
    long long electric = 0, gas = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const unsigned char* p = data + y * stride + 4 * x;  // BGRA
            if (p[2] == 0x2c && p[1] == 0x7b && p[0] == 0xb6) ++electric;
            if (p[2] == 0xfd && p[1] == 0xae && p[0] == 0x61) ++gas;
        }
    cairo_surface_destroy(png);
    EXPECT_GT(electric, 500);  // 411 electric villages
    EXPECT_GT(gas, 200);
    const auto atlas = run_cli({"map", gpkg.string(), "--style", "styles/route.json", "--atlas", "county", "-o",
                                (dir / "atlas.pdf").string(), "--quiet"});
    ASSERT_EQ(atlas.exit_code, 0) << atlas.err;
    const std::string info = shell_output("pdfinfo " + (dir / "atlas.pdf").string());
    EXPECT_NE(info.find("Pages:           7\n"), std::string::npos) << info;
    std::string text = shell_output("pdftotext " + (dir / "atlas.pdf").string() + " - 2>/dev/null");
    text.erase(std::remove(text.begin(), text.end(), ' '), text.end());  // pdftotext spaces CJK text its own way
    EXPECT_NE(text.find("第7页共7页"), std::string::npos);
    EXPECT_NE(text.find("滨城区（371602）：规划改造14,545户"), std::string::npos);
}

// With --threads 3 the villages are read in three runs of fids side by side and the PNG page is
// drawn in three horizontal bands, compressed band by band into one stream: the pixels are those
// of one reader and one drawing (no seam at a band's edge, no feature lost to a run or a band,
// none drawn twice or out of order), and the file reads back through libpng (Cairo's reader).
TEST(MapCli, PngBandsDrawnSideBySideGiveThePixelsOfOneDrawing) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    std::vector<std::vector<unsigned char>> pixels;
    std::vector<long long> drawn;
    for (const char* threads : {"1", "3"}) {
        const auto png = dir / (std::string("route-") + threads + ".png");
        const auto r = run_cli({"map", gpkg.string(), "--style", "route", "-o", png.string(), "--dpi", "100",
                                "--threads", threads, "--date", "2022-09-20", "--json"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        drawn.push_back(nlohmann::json::parse(r.out)["features_drawn"].get<long long>());
        cairo_surface_t* image = cairo_image_surface_create_from_png(png.c_str());
        ASSERT_EQ(cairo_surface_status(image), CAIRO_STATUS_SUCCESS) << threads;
        const int w = cairo_image_surface_get_width(image), h = cairo_image_surface_get_height(image);
        EXPECT_EQ(h, static_cast<int>(420 / 25.4 * 100 + 0.5));  // over 1,024 rows: drawn in bands
        const unsigned char* data = cairo_image_surface_get_data(image);
        const int stride = cairo_image_surface_get_stride(image);
        std::vector<unsigned char> rgb;
        long long gas = 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const unsigned char* p = data + y * stride + 4 * x;  // BGRA
                rgb.insert(rgb.end(), {p[2], p[1], p[0]});
                if (p[2] == 0xfd && p[1] == 0xae && p[0] == 0x61) ++gas;
            }
        cairo_surface_destroy(image);
        EXPECT_GT(gas, 1000) << threads;
        pixels.push_back(std::move(rgb));
    }
    EXPECT_EQ(drawn[0], drawn[1]);
    EXPECT_GT(drawn[0], 3000);
    ASSERT_EQ(pixels[0].size(), pixels[1].size());
    std::size_t differ = 0, first = pixels[0].size();
    for (std::size_t i = 0; i < pixels[0].size(); ++i)
        if (pixels[0][i] != pixels[1][i] && ++differ == 1) first = i;
    EXPECT_EQ(differ, 0u) << "first at byte " << first << " of " << pixels[0].size();
}

// The legend of an atlas page counts the villages of the page's county, by route as the
// dataset holds them; the report's county maps do the same.
TEST(MapCli, AtlasPagesAndTheReportsCountyMapsCountTheirOwnCounty) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"map", gpkg.string(), "--style", "route", "--atlas", "county", "-o", (dir / "atlas.pdf").string(),
                       "--quiet"})
                  .exit_code,
              0);
    // the dataset's own counts: county -> route -> villages
    std::map<std::string, std::map<std::string, long long>> counts;
    for (const auto& [fid, row] : sqlite_rows(gpkg, "villages", "fid", {"county_code", "route_main"}))
        ++counts[row[0]][row[1]];
    const std::vector<std::pair<std::string, std::string>> classes = {
        {"district_heating", "集中供热"}, {"gas", "煤改气"}, {"electric", "煤改电"}, {"biomass", "生物质"}, {"other", "其他"}};
    auto legend_line = [](const std::string& label, long long n) { return label + "（" + std::to_string(n) + "）"; };
    int pages_checked = 0;
    for (int page = 1; page <= 7; ++page) {
        std::string text = shell_output("pdftotext -f " + std::to_string(page) + " -l " + std::to_string(page) + " " +
                                        (dir / "atlas.pdf").string() + " - 2>/dev/null");
        text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
        const auto at = text.find("）：规划改造");
        ASSERT_NE(at, std::string::npos) << "page " << page;
        const std::string code = text.substr(at - 6, 6);
        ASSERT_TRUE(counts.count(code)) << code;
        long long unplanned = 0;
        for (const auto& [route, n] : counts[code])
            if (std::none_of(classes.begin(), classes.end(), [&](const auto& c) { return c.first == route; }))
                unplanned += n;
        for (const auto& [route, label] : classes)
            EXPECT_NE(text.find(legend_line(label, counts[code][route])), std::string::npos)
                << "page " << page << " (" << code << "): " << legend_line(label, counts[code][route]);
        EXPECT_NE(text.find(legend_line("未列入计划", unplanned)), std::string::npos) << "page " << page;
        ++pages_checked;
    }
    EXPECT_EQ(pages_checked, 7);
    // the report's county section: each county's map counts that county
    ASSERT_EQ(run_cli({"report", gpkg.string(), "-o", (dir / "report.pdf").string(), "--quiet"}).exit_code, 0);
    std::string report = shell_output("pdftotext " + (dir / "report.pdf").string() + " - 2>/dev/null");
    report.erase(std::remove_if(report.begin(), report.end(), [](char c) { return c == ' ' || c == '\n'; }),
                 report.end());
    // (pdftotext interleaves the small maps' legends with their labels: each entry is looked
    // for in the county's part of the section, from its map's scale to the next county's)
    std::size_t from = report.rfind("分县（市、区）情况");  // the section, not its line in the contents
    ASSERT_NE(from, std::string::npos);
    for (const auto& [code, routes] : counts) {
        const auto start = report.find("规划技术路线（村庄数）", from);
        ASSERT_NE(start, std::string::npos) << code;
        const auto end = report.find("规划技术路线（村庄数）", start + 1);
        const std::string part = report.substr(start, end == std::string::npos ? std::string::npos : end - start);
        for (const auto& [route, label] : classes) {
            const auto line = legend_line(label, routes.count(route) ? routes.at(route) : 0);
            EXPECT_NE(part.find(line), std::string::npos) << code << ": " << line;
        }
        from = start + 1;
    }
}

TEST(MapCli, SvgIsXmlAndContiguityStyleNeedsTheCheckFirst) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto bad =
        run_cli({"map", gpkg.string(), "--style", "styles/contiguity.json", "-o", (dir / "c.svg").string()});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("cleanheat contiguity"), std::string::npos) << bad.err;
    ASSERT_EQ(run_cli({"contiguity", gpkg.string(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(
        run_cli({"map", gpkg.string(), "--style", "styles/contiguity.json", "-o", (dir / "c.svg").string(), "--quiet"})
            .exit_code,
        0);
    const std::string svg = read_file(dir / "c.svg");
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
    EXPECT_NE(svg.find("<svg"), std::string::npos);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
    EXPECT_EQ(run_cli({"map", gpkg.string(), "--style", "styles/route.json", "-o", (dir / "c.svg").string()}).exit_code,
              4);
}

}  // namespace

TEST(MapCli, WhereIsParsedBoundAndCanOnlyRestrict) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    auto drawn = [&](const std::vector<std::string>& extra) {
        std::vector<std::string> args = {"map",   gpkg.string(), "--style", "styles/route.json",  "-o",
                                         (dir / "w.png").string(), "--dpi",  "30",  "--overwrite", "--json"};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = run_cli(args);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return r.exit_code == 0 ? nlohmann::json::parse(r.out).value("features_drawn", -1) : -1;
    };
    const int all = drawn({});
    const int one = drawn({"--where", "county_code = '371621'"});
    EXPECT_GT(one, 0);
    EXPECT_LT(one, all);
    EXPECT_EQ(drawn({"--where", "county_code IN ('371621') AND households_total >= 0 OR county_code = '371621'"}), one);
    EXPECT_EQ(drawn({"--where", "county_code = 371621"}), one);  // a whole number compared with a code
    // what would cancel or change the statement is refused with the place, exit 2
    for (const char* attack : {"1=1) OR (1=1", "county_code = '371621') OR (1=1", "county_code = '1'; DELETE FROM villages",
                               "nosuch = 1"}) {
        const auto r = run_cli({"map", gpkg.string(), "--style", "styles/route.json", "-o", (dir / "x.png").string(),
                                "--where", attack});
        EXPECT_EQ(r.exit_code, 2) << attack << ": " << r.err;
        EXPECT_NE(r.err.find("at character"), std::string::npos) << attack << ": " << r.err;
        EXPECT_FALSE(fs::exists(dir / "x.png"));
    }
    // a filter that keeps nothing is an error, not an empty map
    const auto none = run_cli({"map", gpkg.string(), "--style", "styles/route.json", "-o", (dir / "x.png").string(),
                               "--where", "county_code = '999999'"});
    EXPECT_EQ(none.exit_code, 2) << none.err;
    EXPECT_NE(none.err.find("no village matches it"), std::string::npos) << none.err;
    EXPECT_FALSE(fs::exists(dir / "x.png"));
    // a style's own filter goes through the same parser
    auto style = nlohmann::json::parse(read_file(source_dir() / "styles/progress_township.json"));
    bool changed = false;
    for (auto& layer : style["layers"])
        if (layer.contains("where")) {
            layer["where"] = "households_total > 0) OR (1=1";
            changed = true;
        }
    ASSERT_TRUE(changed);
    std::ofstream(dir / "bad-style.json") << style.dump(2);
    const auto bad = run_cli({"map", gpkg.string(), "--style", (dir / "bad-style.json").string(), "-o",
                              (dir / "x.png").string()});
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
    EXPECT_NE(bad.err.find("where \"households_total > 0) OR (1=1\": at character 21"), std::string::npos) << bad.err;
}
