// The map renderer on the samples and on synthetic cases: labels never overlap, the scale
// bar's length is right, bad styles and undrawable text are errors that name the key/text.
#include <cairo.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include <fstream>

#include "base/error.hpp"
#include "io/gdal_context.hpp"
#include "commands/map.hpp"
#include "commands/merge.hpp"
#include "render/map_data.hpp"
#include "render/map_renderer.hpp"
#include "render/style.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

class MapSamples : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::fs::path(test::temp_dir());
        test::merge_samples(*dir_);
    }
    static std::string merged() { return (*dir_ / "merged.gpkg").string(); }
    static test::fs::path* dir_;
};
test::fs::path* MapSamples::dir_ = nullptr;

PageResult render_to_image(const Style& style, const std::string& dataset, double dpi = 72) {
    const MapSource source(dataset);
    std::vector<MapLayer> layers;
    for (const auto& spec : style.layers) layers.push_back(read_map_layer(source, spec, "", "villages", style.file));
    const auto [w, h] = page_size_mm(style);
    cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(w / 25.4 * dpi),
                                                    static_cast<int>(h / 25.4 * dpi));
    cairo_t* cr = cairo_create(s);
    cairo_scale(cr, dpi / 72, dpi / 72);
    PageRequest req;
    req.style = &style;
    req.layers = &layers;
    req.extent = layers_extent(layers);
    req.srs_wkt = source.srs_wkt(style.layers[0].source);
    req.resolution_dpi = dpi;
    PageResult r;
    try {
        r = render_page(cr, req);
    } catch (...) {
        cairo_destroy(cr);
        cairo_surface_destroy(s);
        throw;
    }
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return r;
}

void expect_no_overlap(const PageResult& r) {
    for (std::size_t i = 0; i < r.label_boxes.size(); ++i) {
        for (std::size_t j = i + 1; j < r.label_boxes.size(); ++j)
            EXPECT_FALSE(r.label_boxes[i].intersects(r.label_boxes[j])) << "labels " << i << " and " << j;
        for (const auto& o : r.obstacle_boxes) EXPECT_FALSE(r.label_boxes[i].intersects(o)) << "label " << i;
    }
}

TEST_F(MapSamples, LabelsNeverOverlapAndScaleBarIsTrueWithinOnePercent) {
    for (const char* name : {"route", "density", "heating"}) {
        const Style style = load_style(test::source_dir() / "styles" / (std::string(name) + ".json"));
        const PageResult r = render_to_image(style, merged());
        EXPECT_GT(r.labels_placed, 5) << name;
        expect_no_overlap(r);
        // the bar's ground length measured on the ellipsoid, and its paper length at the map scale
        EXPECT_NEAR(r.scale_bar_true_ground_m / r.scale_bar_ground_m, 1.0, 0.01) << name;
        EXPECT_NEAR(r.scale_bar_paper_mm / 1000 * r.scale_denominator / r.scale_bar_ground_m, 1.0, 0.01) << name;
        // Binzhou (about 118°E) lies east of zone 39's central meridian (117°E): true north is west of grid north
        EXPECT_LT(r.north_angle_deg, -0.2) << name;
        EXPECT_GT(r.north_angle_deg, -1.5) << name;
    }
}

TEST(Map, DenseLabelsAreDroppedNotDrawnOverEachOther) {
    const auto dir = test::temp_dir();
    std::vector<test::TestVillage> villages;
    for (int i = 0; i < 900; ++i)
        villages.push_back({"3716020010" + std::to_string(10 + i), "很长的村庄名称第" + std::to_string(i) + "村", "镇",
                            "滨城区", 39500000.0 + (i % 30) * 1000.0, 4100000.0 + (i / 30) * 1000.0});
    test::write_villages(dir / "dense.gpkg", villages);
    std::ofstream(dir / "dense.json") << R"({"title": "密集标注", "map_use": {"class": "internal"},
      "page": {"size": "A4"},
      "layers": [{"source": "villages", "fill": {"color": "#cccccc"},
                  "labels": {"field": "village_name", "size_pt": 10}}]})";
    const Style style = load_style(dir / "dense.json");
    const PageResult r = render_to_image(style, (dir / "dense.gpkg").string());
    EXPECT_GT(r.labels_placed, 10);
    EXPECT_GT(r.labels_dropped, 500);
    expect_no_overlap(r);
}

TEST(Map, BadStylesNameTheKey) {
    const auto dir = test::temp_dir();
    auto error_of = [&](const std::string& json) {
        std::ofstream(dir / "s.json") << json;
        try {
            load_style(dir / "s.json");
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string base = R"("title": "t", "map_use": {"class": "internal"})";
    EXPECT_NE(error_of("{" + base + R"(, "layers": [{"source": "villages", "fill": {"colour": "#fff"}}]})")
                  .find("layers[0].fill.colour: unknown key"),
              std::string::npos);
    EXPECT_NE(
        error_of("{" + base + R"(, "page": {"dpi": "high"}, "layers": [{"source": "v", "fill": {"color": "#fff"}}]})")
            .find("page.dpi: must be a number"),
        std::string::npos);
    EXPECT_NE(
        error_of(
            R"({"title": "t", "map_use": {"class": "public"}, "layers": [{"source": "v", "fill": {"color": "#fff"}}]})")
            .find("map_use.review_number"),
        std::string::npos);
    EXPECT_NE(error_of(R"({"title": "t", "layers": [{"source": "v", "fill": {"color": "#fff"}}]})").find("map_use"),
              std::string::npos);
    EXPECT_NE(error_of("{" + base + R"(, "layers": [{"source": "v", "fill": {"color": "red"}}]})").find("not a colour"),
              std::string::npos);
}

TEST_F(MapSamples, MissingLayerOrFieldIsNamed) {
    const auto dir = test::temp_dir();
    std::ofstream(dir / "s.json") << R"({"title": "t", "map_use": {"class": "internal"},
      "layers": [{"source": "townships", "fill": {"color": "#ffffff"}}]})";
    MapOptions o;
    o.dataset = merged();
    o.style = dir / "s.json";
    o.output = dir / "m.pdf";
    try {
        make_map(o, Progress());
        FAIL();
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("no layer 'townships'"), std::string::npos) << e.what();
    }
    std::ofstream(dir / "t.json") << R"({"title": "t", "map_use": {"class": "internal"},
      "layers": [{"source": "villages", "fill": {"field": "no_field", "categories": [{"value": "a", "color": "#000"}]}}]})";
    o.style = dir / "t.json";
    EXPECT_THROW(make_map(o, Progress()), UsageError);
    EXPECT_FALSE(test::fs::exists(dir / "m.pdf"));
}

TEST_F(MapSamples, TextTheFontsCannotDrawIsAnErrorNamingIt) {
    const auto dir = test::temp_dir();
    std::ofstream(dir / "s.json") << "{\"title\": \"村庄\xee\x80\x80图\", \"map_use\": {\"class\": \"internal\"},"
                                     "\"layers\": [{\"source\": \"villages\", \"fill\": {\"color\": \"#ffffff\"}}]}";
    MapOptions o;
    o.dataset = merged();
    o.style = dir / "s.json";
    o.output = dir / "m.png";
    try {
        make_map(o, Progress());
        FAIL();
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("村庄"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(test::fs::exists(dir / "m.png"));
    EXPECT_FALSE(test::fs::exists(dir / "m.png.partial"));
}

TEST(Map, ThePagesOrientationFollowsTheExtentUnlessTheStyleFixesIt) {
    const auto dir = test::temp_dir();
    auto style_with = [&](const std::string& page) {
        std::ofstream(dir / "o.json") << R"({"title": "方向", "map_use": {"class": "internal"}, "page": )" << page
                                      << R"(, "layers": [{"source": "villages", "fill": {"color": "#cccccc"}}]})";
        return load_style(dir / "o.json");
    };
    const Box tall{0, 0, 50000, 90000}, wide{0, 0, 90000, 50000}, square{0, 0, 70000, 70000};
    const Style automatic = style_with(R"({"size": "A3"})");
    EXPECT_TRUE(automatic.orientation_auto);
    EXPECT_FALSE(landscape_for(automatic, tall));
    EXPECT_TRUE(landscape_for(automatic, wide));
    // a square extent: the landscape sheet's frame is less tall (title above): portrait shows it larger
    EXPECT_FALSE(landscape_for(automatic, square));
    // just wider than tall still fits a landscape frame better
    EXPECT_TRUE(landscape_for(automatic, Box{0, 0, 80000, 60000}));
    EXPECT_FALSE(landscape_for(style_with(R"({"size": "A3", "orientation": "portrait"})"), wide));
    EXPECT_TRUE(landscape_for(style_with(R"({"size": "A3", "orientation": "landscape"})"), tall));
    EXPECT_TRUE(landscape_for(style_with(R"({"size": "A3", "orientation": "auto"})"), Box{}));  // nothing to show
}

TEST(MapClasses, QuantileEqualJenksManualBreaks) {
    const std::vector<double> v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50, 51, 52, 100};
    EXPECT_EQ(class_breaks(v, "equal", 2, {}), (std::vector<double>{50.5, 100}));
    const auto q = class_breaks(v, "quantile", 2, {});
    EXPECT_EQ(q.back(), 100);
    EXPECT_EQ(q[0], 7);
    const auto j = class_breaks(v, "jenks", 3, {});
    EXPECT_EQ(j, (std::vector<double>{10, 52, 100}));
    EXPECT_EQ(class_breaks(v, "manual", 3, {5, 50}).size(), 3u);
}

}  // namespace
}  // namespace cleanheat
