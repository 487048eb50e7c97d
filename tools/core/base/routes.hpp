// The technology routes (改造技术路线) and the mapping of the many names and device
// types that county tables use onto them.
#pragma once
#include <array>
#include <string>
#include <string_view>

namespace cleanheat {

enum class Route { district_heating = 0, gas, electric, biomass, other };
constexpr std::size_t kRouteCount = 5;
constexpr std::array<Route, kRouteCount> kRoutes = {Route::district_heating, Route::gas, Route::electric,
                                                    Route::biomass, Route::other};

// Stable English key: district_heating, gas, electric, biomass, other (field names use it).
const char* route_key(Route route);
// Chinese name as the annexes print it: 集中供热, 煤改气, 煤改电, 生物质, 其他.
const char* route_name(Route route);

struct RouteMatch {
    Route route = Route::other;
    bool recognised = false;  // false: no known keyword, the text is kept as the detail
    bool not_clean = false;   // coal in any form (洁净型煤, 型煤, 兰炭, 散煤, 燃煤 ...): recognised, never counted
    bool ambiguous = false;   // names two routes (煤改气、煤改电): a count cannot be split between them
    Route other_route = Route::other;  // with ambiguous: the second route named
    std::string detail;       // e.g. 地热, 太阳能 for other routes; the coal as named; empty for the four
};

// Classifies a route or device text: 集中供热, 气代煤, 燃气壁挂炉, 空气源热泵, 蓄热式电暖器,
// 生物质炉具, 地源热泵 (other: 地热), 太阳能+电辅热 (other: 太阳能) ... The keyword that
// stands first in the text wins.
// Coal (洁净型煤, 兰炭 ...) is recognised as not clean, also next to a clean device (洁净型煤+生物质炉具);
// 煤改气/煤改电 (coal to gas or electricity) are the clean routes, not coal. Text that names two
// routes (煤改气、煤改电, 光伏+电采暖) is ambiguous.
// Traditional and full-width forms are read as their simplified, half-width forms.
RouteMatch classify_route(std::string_view text);

// A route written briefly under a household group (改造户数 over 气 | 电 | 集中 | 生物 | 其他):
// only the whole text counts, never a part of it (电话 is not electricity). Not recognised
// when the text is not one of the short forms; 热 alone (heat network or heat pump) is not one.
RouteMatch classify_short_route(std::string_view text);

// A route header without the words around the route: 其中：/含 before it, (户)/户数/户 after it.
std::string route_core(std::string_view header);

// True when the text is only a route's name or keyword (煤改电, 电代煤, 燃气, electric), not a
// device or a longer description (空气源热泵, 燃气壁挂炉).
bool names_route_only(std::string_view text);

}  // namespace cleanheat
