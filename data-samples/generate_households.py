#!/usr/bin/python3
"""Reproducible sample HOUSEHOLD LISTS (到户清单) for cleanheat.

    cd /work/main && ./build/tools/cleanheat merge data-samples/plans/* \\
        --villages data-samples/villages.gpkg --heating data-samples/heating.xlsx \\
        -o /tmp/hh/merged.gpkg --overwrite --quiet          # exit code 1 is normal
    /usr/bin/python3 data-samples/generate_households.py /tmp/hh/merged.gpkg [--out DIR]

It reads the layer `villages` of the merged GeoPackage (village_code, village_name,
township_code, township_name, county_code, county_name, planned, households_<route>, and
`devices` when present) and writes, into data-samples/households/ (or --out DIR):

  2022/<县市区>2022年清洁取暖改造到户清单.<xlsx|xls|csv>   one list per county, one row per
                                                       planned household, each county in its
                                                       own layout, with planted faults
  prior/<year>年农村清洁取暖改造户名单.xlsx              2017-2021, all counties in one sheet
  expected.json                                        layouts, row ranges, counts, planted
                                                       faults and every expected finding
  README.md                                            what the files are

Province scale (benchmark data, not committed; default --out data-samples/large/households):

    ./build/tools/cleanheat merge DIR/plan_62074.csv --villages DIR/villages_62074.gpkg -o prov.gpkg --quiet
    /usr/bin/python3 data-samples/generate_households.py prov.gpkg --scale province --out OUT [--households N]

from the data of `generate.py --scale province --out DIR`: the planned villages in village-code order
while their households stay within N (default 2,000,000; 11,100 villages, 52 counties), one list per
county in the seven city layouts taken in turn (the layout without codes only where county name and
township + village name identify the villages; xls split by township into sheets of at most 65,000
rows), the city's planted faults and prior lists scaled by N / 121,000, the same expected.json
(full) and a short README.md.  About 5-6 min and 3 GB; the re-reading
(skip it with --no-verify) adds about 5 min and takes the peak to 6.2 GB.

Only the standard library, osgeo (GDAL/OGR), xlsxwriter and xlwt are used (random.Random with
a fixed seed, fixed workbook creation date): the output is byte-identical on every run.  After
writing, the script re-reads every file (GDAL for xlsx/xls, the csv module for the GB18030 CSV),
runs its own small checker over the cells as read and compares the findings with expected.json.
"""

import argparse
import collections
import csv
import datetime
import json
import os
import random
import re
import sys
import time

from osgeo import gdal, ogr

from samplegen.names import code_cell, norm_name, town_short, written_name
from samplegen.writers import Grid, col_letter, lay_headers, lay_title, write_csv, write_xls, write_xlsx

gdal.UseExceptions()
ogr.UseExceptions()

SEED = 20221015
HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_TIME = datetime.datetime(2022, 10, 15, 9, 0, 0)
FILL_DATE = datetime.date(2022, 10, 15)
D = datetime.date

COUNTIES = ["371602", "371603", "371621", "371622", "371623", "371625", "371681"]
ROUTES = ["district_heating", "gas", "electric", "biomass", "other"]
ROUTE_WORD = {"district_heating": "集中供热", "gas": "煤改气", "electric": "煤改电", "biomass": "生物质"}
PRIOR_YEARS = [2017, 2018, 2019, 2020, 2021]
USE_YEARS = (2017, 2018, 2019)      # operating subsidy 2022-2023 by actual use
ROUTE_TEXTS = {
    "集中供热": "district_heating",
    "煤改气": "gas", "燃气壁挂炉": "gas",
    "煤改电": "electric", "空气源热泵": "electric", "蓄热式电暖器": "electric",
    "生物质": "biomass", "生物质炉具": "biomass",
    "地源热泵": "other", "太阳能": "other",
}
COAL_TEXTS = {"洁净型煤", "型煤", "兰炭", "散煤"}
RESULTS = {"合格", "不合格", "整改后合格"}

ROW_CODES = ["E_ID_INVALID", "E_ID_MISSING", "E_HOUSEHOLD_TWICE", "E_HOUSEHOLD_REPEAT",
             "E_ACCEPT_BEFORE_COMPLETE", "E_ROUTE_NOT_PLANNED", "E_CODE_UNKNOWN", "E_DATE_INVALID",
             "E_ACCEPT_RESULT_UNKNOWN", "E_ROUTE_UNKNOWN", "E_ROUTE_NOT_CLEAN", "W_RECTIFY_DATE_MISSING",
             "W_HOUSEHOLD_DECLINED", "W_ACCEPT_FAILED", "W_PLEDGE_MISSING"]
VILLAGE_CODES = ["W_VILLAGE_FEWER_HOUSEHOLDS", "W_VILLAGE_MORE_HOUSEHOLDS"]


def log(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------------------
# the villages
# ---------------------------------------------------------------------------

def read_villages(path):
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName("villages")
    if lyr is None:
        sys.exit("%s has no layer 'villages'" % path)
    defn = lyr.GetLayerDefn()
    names = {defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())}
    need = {"village_code", "village_name", "township_code", "township_name", "county_code", "county_name",
            "planned"} | {"households_" + r for r in ROUTES}
    if need - names:
        sys.exit("%s: layer villages lacks %s" % (path, sorted(need - names)))
    out = []
    for f in lyr:
        hh = {r: int(f["households_" + r] or 0) for r in ROUTES}
        out.append({
            "code": f["village_code"], "name": f["village_name"],
            "town": f["township_code"], "town_name": f["township_name"],
            "county": f["county_code"], "county_name": f["county_name"],
            "planned": int(f["planned"] or 0), "hh": hh,
            "devices": (f["devices"] or "") if "devices" in names else "",
        })
    ds = None
    out.sort(key=lambda v: v["code"])
    return out


# ---------------------------------------------------------------------------
# people: names, IDs, phones
# ---------------------------------------------------------------------------

SURNAMES = ("王 18 李 16 张 15 刘 13 孙 8 杨 7 赵 6 陈 6 高 5 徐 5 马 5 于 5 郭 4 宋 4 韩 4 田 3 "
            "魏 3 吕 3 崔 3 董 3 周 3 吴 3 任 3 朱 3 商 2 邢 2 付 2 贾 2 姜 2 范 2 冯 2 曹 2 段 2 "
            "卢 2 石 2 胡 2 郑 2 程 2 薛 2 侯 2 邵 2 孟 2 牛 2 路 1 房 1 尹 1 鲁 1 成 1 齐 1 白 1 "
            "蔡 1 苏 1 袁 1 霍 1 解 1 盖 1 毕 1 岳 1 阎 1 梁 1 林 1 谢 1 唐 1 彭 1")
SURNAMES2 = ["欧阳", "司马", "诸葛", "上官", "东方", "公孙", "皇甫", "慕容"]
GIVEN = ("建 国 明 华 军 平 强 伟 文 新 春 海 福 德 庆 林 峰 忠 东 红 英 兰 芳 秀 桂 玉 霞 凤 荣 家 宝 "
         "书 振 金 宗 学 永 立 清 生 成 山 义 胜 利 民 安 长 贵 祥 全 友 良 志 刚 勇 俊 杰 涛 波 辉 "
         "亮 敏 静 丽 娟 云 香 梅 珍 花 兴 旺 发 财 顺 军 连 太 法 增 锋 彬 磊 鹏 超 龙 洪 刚").split()

PHONE_PREFIX = ["130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
                "152", "153", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180",
                "181", "182", "183", "185", "186", "187", "188", "189", "198", "199"]

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
BIRTH0 = D(1940, 1, 1)
BIRTH_SPAN = (D(1995, 12, 31) - BIRTH0).days + 1

_sn = SURNAMES.split()
SURNAME_LIST = _sn[0::2]
SURNAME_W = [int(x) for x in _sn[1::2]]


def check_digit(body):
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]


def id_valid(s):
    """GB 11643: 17 digits + check digit (digit or X), a real birth date 1900..2022."""
    if not isinstance(s, str) or not re.match(r"^\d{17}[\dX]$", s):
        return False
    try:
        b = D(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    if not (D(1900, 1, 1) <= b <= FILL_DATE):
        return False
    return check_digit(s[:17]) == s[17]


class People:
    def __init__(self, rng):
        self.r = rng
        self.bodies = set()

    def name(self):
        r = self.r
        s = r.choice(SURNAMES2) if r.random() < 0.004 else r.choices(SURNAME_LIST, SURNAME_W)[0]
        g = r.choice(GIVEN) + ("" if r.random() < 0.3 else r.choice(GIVEN))
        return s + g

    def id(self, county, birth=None):
        r = self.r
        while True:
            if birth is None:
                b = (BIRTH0 + datetime.timedelta(days=r.randrange(BIRTH_SPAN))).strftime("%Y%m%d")
            else:
                b = birth
            body = county + b + "%03d" % r.randint(1, 999)
            if body not in self.bodies:
                self.bodies.add(body)
                return body + check_digit(body)

    def phone(self):
        return self.r.choice(PHONE_PREFIX) + "%08d" % self.r.randrange(10 ** 8)


# ---------------------------------------------------------------------------
# companies, reasons
# ---------------------------------------------------------------------------

CORES = ["鑫源", "恒泰", "瑞丰", "宏昌", "德润", "金诺", "华辰", "盛达", "和顺", "天利", "嘉信", "益民",
         "永兴", "利通", "鼎盛", "广源", "正阳", "汇丰", "聚能", "康达", "海蓝", "绿源", "安泰", "东昊"]
KIND_SUFFIX = {
    "district_heating": ["热力工程有限公司", "供热工程有限公司"],
    "gas": ["燃气工程有限公司", "燃气安装工程有限公司"],
    "electric": ["新能源科技有限公司", "电力安装工程有限公司", "暖通设备有限公司"],
    "biomass": ["生物质能源有限公司", "暖通工程有限公司"],
    "other": ["新能源科技有限公司"],
}
DECLINE_REASONS = ["外出务工", "房屋拆迁", "自行安装", "房屋闲置无人居住", "随子女进城居住", "已自行改用电取暖"]
HARDSHIP = [("低保", 5), ("特困", 2), ("低保边缘", 3)]


def companies_for(county_name, r, places=None):
    """route -> [company names] of one county (places: the place words a name starts with; default
    the city's)."""
    cores = r.sample(CORES, 10)
    short = county_name[:-1]
    places = [short if x is None else x for x in (places or ["滨州市", "山东", None, "滨州"])]
    out = {}
    k = 0
    for route in ROUTES:
        lst = []
        for i in range(2 if route in ("gas", "electric") else 1):
            pre = r.choice(places)
            lst.append(pre + cores[k % len(cores)] + r.choice(KIND_SUFFIX[route]))
            k += 1
        out[route] = lst
    return out


# ---------------------------------------------------------------------------
# the county layouts
# ---------------------------------------------------------------------------

def specs():
    """County code -> how the county writes its household list."""
    C = lambda key, top, sub=None: (key, top, sub)
    common_tail = [C("d_start", "开工日期"), C("d_complete", "完工日期"), C("d_accept", "验收日期"),
                   C("result", "验收结果"), C("d_rectify", "整改日期"), C("d_pledge", "承诺书签订日期"),
                   C("hardship", "困难类别"), C("prior_year", "以前年度改造年份"),
                   C("declined", "是否放弃改造"), C("reason", "放弃原因")]
    return {
        "371602": dict(   # 滨城区
            fmt="xlsx", sheets=["到户清单"], two_level=False,
            cols=[C("seq", "序号"), C("town", "乡镇（街道）"), C("vname", "村（居）"), C("code", "村代码"),
                  C("name", "户主姓名"), C("id", "身份证号"), C("phone", "联系电话"), C("addr", "门牌号"),
                  C("route", "改造方式"), C("device", "设备类型"), C("company", "施工单位")]
            + common_tail + [C("note", "备注")],
            code_style="text", name_style="cun", town_style="full", date_style="excel", route_style="route",
            phone_style="text", declined_no="否", total=False, notes=None,
            info="填报单位：滨城区清洁取暖办　　　　　　　　填报日期：2022年10月15日"),
        "371603": dict(   # 沾化区: xls, no code column
            fmt="xls", sheets=["Sheet1"], two_level=False,
            cols=[C("seq", "序号"), C("town", "乡镇（街道）"), C("vname", "村名"), C("name", "户主"),
                  C("id", "身份证号码"), C("phone", "手机号"), C("addr", "家庭住址"), C("route", "改造方式"),
                  C("company", "施工单位")] + common_tail,
            code_style=None, name_style="bare", town_style="short", date_style="cn", route_style="device",
            phone_style="text", declined_no="", total=False, notes=None,
            info="填报单位：沾化区清洁取暖办　　　　填报日期：2022年10月15日"),
        "371621": dict(   # 惠民县: two-level header
            fmt="xlsx", sheets=["惠民县"], two_level=True,
            cols=[C("seq", "序号"), C("town", "乡镇（街道）"), C("vname", "行政村"), C("code", "统计用区划代码"),
                  C("name", "户主姓名"), C("id", "身份证号"), C("phone", "联系电话"), C("addr", "门牌号"),
                  C("route", "改造方式"), C("device", "设备类型"), C("company", "施工单位"),
                  C("d_start", "开工日期"), C("d_complete", "完工日期"),
                  C("d_accept", "验收", "验收日期"), C("result", "验收", "验收结果"), C("d_rectify", "整改日期"),
                  C("d_pledge", "承诺书", "签订日期"), C("hardship", "困难类别"),
                  C("prior_year", "以前年度改造年份"), C("declined", "是否放弃改造"), C("reason", "放弃原因"),
                  C("note", "备注")],
            code_style="apostrophe", name_style="cun", town_style="full", date_style="slash", route_style="route",
            phone_style="text", declined_no="否", total=False, notes=None,
            info="填报单位：惠民县清洁取暖办　　　　　　填报日期：2022年10月15日"),
        "371622": dict(   # 阳信县: GB18030 CSV
            fmt="csv", sheets=[""], two_level=False,
            cols=[C("seq", "序号"), C("county", "县（市、区）"), C("town", "乡镇（街道）"), C("vname", "村名"),
                  C("code", "村代码"), C("name", "姓名"), C("id", "公民身份号码"), C("phone", "手机号"),
                  C("addr", "家庭住址"), C("route", "改造方式"), C("company", "施工单位")] + common_tail,
            code_style="text_apostrophe", name_style="official", town_style="full", date_style="iso",
            route_style="route", phone_style="text", declined_no="", total=False, notes=None,
            info="填报单位：阳信县清洁取暖办    填报日期：2022年10月15日"),
        "371623": dict(   # 无棣县: two sheets by township
            fmt="xlsx", sheets=["到户清单（一）", "到户清单（二）"], two_level=False,
            cols=[C("seq", "序号"), C("town", "乡镇（街道）"), C("vname", "村（居）"), C("code", "村代码"),
                  C("name", "户主"), C("id", "身份证号"), C("phone", "联系电话"), C("addr", "门牌号"),
                  C("route", "改造方式"), C("company", "施工单位")] + common_tail + [C("note", "备注")],
            code_style="number", name_style="bare", town_style="full", date_style="excelcn", route_style="device",
            phone_style="text", declined_no="", total=False, notes=None,
            info="填报单位：无棣县清洁取暖办　　　　　　填报日期：2022年10月15日"),
        "371625": dict(   # 博兴县: 合计 row and a 说明 line
            fmt="xlsx", sheets=["博兴县"], two_level=False,
            cols=[C("seq", "序号"), C("county", "县（市、区）"), C("town", "乡镇（街道）"), C("vname", "村（居）"),
                  C("code", "统计用区划代码"), C("name", "户主姓名"), C("id", "身份证号码"), C("phone", "联系电话"),
                  C("addr", "家庭住址"), C("route", "改造方式"), C("device", "设备类型"), C("company", "施工单位")]
            + common_tail,
            code_style="mixed", name_style="cun", town_style="full", date_style="excel", route_style="route",
            phone_style="number", declined_no="否", total=True,
            notes=["说明：1.改造方式填写集中供热、煤改气、煤改电、生物质；2.身份证号码为18位；"
                   "3.放弃改造的农户须注明放弃原因；4.验收结果填写合格、不合格或整改后合格。"],
            info="填报单位：博兴县清洁取暖办　　　　　　填报日期：2022年10月15日"),
        "371681": dict(   # 邹平市
            fmt="xlsx", sheets=["邹平市"], two_level=False,
            cols=[C("seq", "序号"), C("town", "乡镇（街道）"), C("vname", "行政村"), C("code", "统计用区划代码"),
                  C("name", "姓名"), C("id", "公民身份号码"), C("phone", "手机号"), C("addr", "门牌号"),
                  C("route", "改造方式"), C("device", "设备类型"), C("company", "施工单位")]
            + common_tail + [C("note", "备注")],
            code_style="mixed", name_style="bare", town_style="full", date_style="mixed", route_style="route",
            phone_style="text", declined_no="", total=False, notes=None,
            info="填报单位：邹平市清洁取暖办　　　　　　填报日期：2022年10月15日"),
    }


WIDTHS = {"seq": 6, "county": 10, "town": 12, "vname": 12, "code": 15, "name": 9, "id": 20, "phone": 13,
          "addr": 18, "route": 11, "device": 13, "company": 30, "d_start": 12, "d_complete": 12,
          "d_accept": 12, "result": 10, "d_rectify": 12, "d_pledge": 14, "hardship": 9, "prior_year": 10,
          "declined": 8, "reason": 14, "note": 14}

DATE_KEYS = ["d_start", "d_complete", "d_accept", "d_rectify", "d_pledge"]


def header_text(col):
    """The header text of a column as one string: sub header under its group, e.g. 验收/验收日期."""
    return col[1] if col[2] is None else "%s/%s" % (col[1], col[2])


def date_text(d, style):
    if style == "slash":
        return "%d/%d/%d" % (d.year, d.month, d.day)
    if style == "iso":
        return d.isoformat()
    if style == "cn":
        return "%d年%d月%d日" % (d.year, d.month, d.day)
    raise ValueError(style)


# ---------------------------------------------------------------------------
# households
# ---------------------------------------------------------------------------

class HH:
    """One household row."""
    __slots__ = ("county", "town", "vcode", "vname", "route", "route_text", "device", "name", "id", "phone",
                 "addr_no", "company", "d_start", "d_complete", "d_accept", "result", "d_rectify", "d_pledge",
                 "hardship", "prior_year", "declined", "reason", "note", "kind", "fault", "override",
                 "code_written", "file", "sheet", "row", "town_name")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))
        if self.override is None:
            self.override = {}

    def copy(self):
        h = HH(**{k: getattr(self, k) for k in self.__slots__})
        h.override = dict(self.override)
        return h


def rdate(r, lo, hi):
    if hi < lo:
        hi = lo
    return lo + datetime.timedelta(days=r.randint(0, (hi - lo).days))


def add_days(d, n):
    return d + datetime.timedelta(days=n)


class Maker:
    def __init__(self, people, rng, companies):
        self.p = people
        self.r = rng
        self.companies = companies       # county -> route -> [names]

    def household(self, v, route, route_text, device, addr_no, vdates, status="ok", pledge=True):
        """status: ok (合格), failed (不合格), rectified (整改后合格), completed (not accepted yet),
        started, none (not started), declined."""
        r = self.r
        v_start, v_complete = vdates
        h = HH(county=v["county"], town=v["town"], vcode=v["code"], vname=v["name"], route=route,
               route_text=route_text, device=device, name=self.p.name(), id=self.p.id(v["county"]),
               phone=self.p.phone(), addr_no=addr_no, kind="plan")
        h.company = self.companies[v["county"]][route if route in ROUTES else "electric"][
            int(v["code"][-3:]) % len(self.companies[v["county"]][route if route in ROUTES else "electric"])]
        if r.random() < 0.04:
            h.hardship = r.choices([x for x, _ in HARDSHIP], [w for _, w in HARDSHIP])[0]
        if status == "declined":
            h.declined = "是"
            h.reason = r.choice(DECLINE_REASONS)
            return h
        if status != "none":
            h.d_start = min(add_days(v_start, r.randint(0, 4)), D(2022, 6, 30))
            if pledge:
                h.d_pledge = add_days(h.d_start, -r.randint(0, 15))
                if h.d_pledge < D(2022, 6, 1):
                    h.d_pledge = rdate(r, D(2022, 6, 1), h.d_start)
        elif pledge:
            h.d_pledge = rdate(r, D(2022, 6, 1), D(2022, 9, 30))
        if status in ("ok", "failed", "rectified", "completed"):
            c = add_days(v_complete, r.randint(-10, 10))
            h.d_complete = max(add_days(h.d_start, 7), min(c, D(2022, 9, 20)))
        if status in ("ok", "failed", "rectified"):
            h.d_accept = min(add_days(h.d_complete, r.randint(1, 20)), D(2022, 10, 10))
            h.result = {"ok": "合格", "failed": "不合格", "rectified": "整改后合格"}[status]
            if status == "rectified":
                h.d_rectify = min(add_days(h.d_accept, r.randint(3, 12)), FILL_DATE)
                if r.random() < 0.5:
                    h.note = "整改完成"
        if status == "completed" and r.random() < 0.3:
            h.note = "待验收"
        return h


def draw_status(r):
    x = r.random()
    if x < 0.005:
        return "declined"
    x = r.random()
    if x < 0.05:
        y = r.random()
        return "completed" if y < 0.7 else ("started" if y < 0.95 else "none")
    if x < 0.08:
        return "failed" if r.random() < 0.55 else "rectified"
    return "ok"


def route_text_for(route, style, device, r):
    if route == "other":
        return device, None
    if style == "device":
        return (device if route != "district_heating" else "集中供热"), None
    if style == "route":
        return ROUTE_WORD[route], (device if route != "district_heating" else None)
    raise ValueError(style)


def village_devices(v, r):
    """route -> device name of a village (from the merged `devices` field when it names one)."""
    dv = v["devices"] or ""
    elec = "蓄热式电暖器" if "蓄热" in dv and "空气源" not in dv else (
        "空气源热泵" if "空气源" in dv else ("空气源热泵" if r.random() < 0.75 else "蓄热式电暖器"))
    other = "地源热泵" if ("地源" in dv or "地热" in dv) else "太阳能"
    return {"district_heating": None, "gas": "燃气壁挂炉", "electric": elec, "biomass": "生物质炉具",
            "other": other}


# ---------------------------------------------------------------------------
# the planted faults: where they go
# ---------------------------------------------------------------------------

# (code, variant, county); each on its own village, drawn with the seed
PLANTED = [
    ("E_ID_INVALID", "check", "371602"), ("E_ID_INVALID", "check", "371622"), ("E_ID_INVALID", "check", "371681"),
    ("E_ID_INVALID", "month13", "371621"), ("E_ID_INVALID", "feb30", "371623"),
    ("E_ID_INVALID", "len17", "371603"), ("E_ID_INVALID", "len19", "371625"),
    ("E_ID_MISSING", "", "371602"), ("E_ID_MISSING", "", "371623"),
    ("E_HOUSEHOLD_TWICE", "", "371603"), ("E_HOUSEHOLD_TWICE", "", "371621"),
    ("E_HOUSEHOLD_TWICE", "", "371623"), ("E_HOUSEHOLD_TWICE", "", "371681"),
    ("E_HOUSEHOLD_REPEAT", "prior2017", "371602"), ("E_HOUSEHOLD_REPEAT", "prior2018", "371603"),
    ("E_HOUSEHOLD_REPEAT", "prior2019", "371621"), ("E_HOUSEHOLD_REPEAT", "prior2020", "371622"),
    ("E_HOUSEHOLD_REPEAT", "prior2021", "371625"), ("E_HOUSEHOLD_REPEAT", "prior2019", "371681"),
    ("E_HOUSEHOLD_REPEAT", "year2018", "371623"), ("E_HOUSEHOLD_REPEAT", "year2019", "371625"),
    ("E_ACCEPT_BEFORE_COMPLETE", "", "371602"), ("E_ACCEPT_BEFORE_COMPLETE", "", "371622"),
    ("E_ACCEPT_BEFORE_COMPLETE", "", "371681"),
    ("E_ROUTE_NOT_PLANNED", "", "371621"), ("E_ROUTE_NOT_PLANNED", "", "371623"),
    ("E_ROUTE_NOT_PLANNED", "", "371625"),
    ("W_VILLAGE_FEWER_HOUSEHOLDS", "", "371602"), ("W_VILLAGE_FEWER_HOUSEHOLDS", "", "371603"),
    ("W_VILLAGE_FEWER_HOUSEHOLDS", "", "371681"),
    ("W_VILLAGE_MORE_HOUSEHOLDS", "", "371622"), ("W_VILLAGE_MORE_HOUSEHOLDS", "", "371625"),
    ("E_CODE_UNKNOWN", "", "371602"), ("E_CODE_UNKNOWN", "", "371681"),
    ("E_DATE_INVALID", "九月", "371603"), ("E_DATE_INVALID", "2022-13-05", "371625"),
    ("E_ACCEPT_RESULT_UNKNOWN", "", "371622"),
    ("E_ROUTE_UNKNOWN", "", "371623"), ("E_ROUTE_NOT_CLEAN", "", "371621"),
    ("W_RECTIFY_DATE_MISSING", "", "371603"), ("W_RECTIFY_DATE_MISSING", "", "371681"),
]
UNKNOWN_NAMES = ["东风村", "前进村", "红旗村", "新华村", "胜利村", "幸福村", "光明村", "团结村"]
# when a (province) county already has villages of all the names above
UNKNOWN_NAMES_MORE = [p + x for p in ("新", "大", "小", "前", "后", "东", "西") for x in UNKNOWN_NAMES]


def pick_fault_villages(planned, first_of_sheet, rng, planted=PLANTED):
    """[(code, variant, county, village)] with distinct villages."""
    used = set(first_of_sheet)
    out = []
    of_county = collections.defaultdict(list)
    for v in planned:
        of_county[v["county"]].append(v)
    for code, variant, county in planted:
        cands = [v for v in of_county[county] if v["code"] not in used
                 and sum(v["hh"].values()) >= 20]
        if code == "E_ROUTE_NOT_PLANNED":
            cands = [v for v in cands if any(v["hh"][r] == 0 for r in ("gas", "electric", "biomass"))]
        if code == "W_VILLAGE_FEWER_HOUSEHOLDS":
            cands = [v for v in cands if max(v["hh"][r] for r in ROUTES) >= 10]
        if not cands:
            sys.exit("no village of %s left for the planted %s" % (county, code))
        v = cands[rng.randrange(len(cands))]
        used.add(v["code"])
        out.append((code, variant, county, v))
    return out


# ---------------------------------------------------------------------------
# laying out
# ---------------------------------------------------------------------------

def lay_county(county, cname, spec, sheets_blocks, rng):
    """sheets_blocks: [[village block: [HH]]] per sheet.  Writes row numbers into the HH objects.
    Returns (grids, sheet infos)."""
    cols = spec["cols"]
    keys = [c[0] for c in cols]
    ncols = len(cols)
    grids, infos = [], []
    title = "%s2022年农村清洁取暖改造到户清单" % cname
    for sname, blocks in zip(spec["sheets"], sheets_blocks):
        g = Grid(sname or "csv")
        for i, k in enumerate(keys):
            g.widths[i] = WIDTHS[k]
        r = lay_title(g, title, ncols, spec["info"], None)
        header_rows = list(range(r + 1, r + (3 if spec["two_level"] else 2)))
        r = lay_headers(g, r, cols, spec["two_level"])
        first = r + 1
        seq = 0
        n = 0
        for block in blocks:
            code_style_draw = rng.random()
            for h in block:
                seq += 1
                n += 1
                for c, k in enumerate(keys):
                    val, st = cell_value(h, k, spec, cname, seq, code_style_draw, rng)
                    if val is not None or k == "seq":
                        g.put(r, c, val, st)
                h.file, h.sheet, h.row = None, sname, r + 1
                r += 1
        last = r
        info = {"name": sname, "title_row": 1, "header_rows": header_rows, "first_data_row": first,
                "last_data_row": last, "households": n}
        if spec["total"]:
            ci = keys.index("name")
            g.merge(r, 0, r, ci - 1, "合计", "sum")
            g.put(r, ci, "共%d户" % n, "sum")
            info["total_row"] = r + 1
            r += 1
        if spec["notes"]:
            r += 1
            info["note_rows"] = []
            for note in spec["notes"]:
                g.merge(r, 0, r, ncols - 1, note, "note")
                info["note_rows"].append(r + 1)
                r += 1
        grids.append(g)
        infos.append(info)
    return grids, infos


def cell_value(h, k, spec, cname, seq, code_draw, rng):
    """(value, style) of one cell."""
    if k in h.override:
        v = h.override[k]
        return (v, "center") if v is not None else (None, "text")
    if k == "seq":
        return seq, "center"
    if k == "county":
        return cname, "text"
    if k == "town":
        return (town_short(h.town_name) if spec["town_style"] == "short" else h.town_name), "text"
    if k == "vname":
        return written_name(h.vname, spec["name_style"]), "text"
    if k == "code":
        st = spec["code_style"]
        if st == "mixed":        # one typing per village block (copied down by the clerk)
            st = "number" if code_draw < 0.5 else ("text" if code_draw < 0.8 else "apostrophe")
        elif st == "text_apostrophe":
            st = "apostrophe" if code_draw < 0.3 else "text"
        val, style = code_cell(h.vcode, st)
        h.code_written = val
        return val, style
    if k == "name":
        return h.name, "text"
    if k == "id":
        return h.id, "text"
    if k == "phone":
        return (int(h.phone), "code") if spec["phone_style"] == "number" else (h.phone, "text")
    if k == "addr":
        base = written_name(h.vname, "cun")
        if spec["cols"][[c[0] for c in spec["cols"]].index("addr")][1] == "家庭住址":
            base = h.town_name + base
        return "%s%d号" % (base, h.addr_no), "text"
    if k == "route":
        return h.route_text, "center"
    if k == "device":
        return h.device, "center"
    if k == "company":
        return h.company, "text"
    if k in DATE_KEYS:
        d = getattr(h, k)
        if d is None:
            return None, "center"
        st = spec["date_style"]
        if st == "mixed":
            st = "excel" if (seq * 7 + DATE_KEYS.index(k)) % 5 else "iso"
        if st == "excel":
            return d, "date"
        if st == "excelcn":
            return d, "datecn"
        return date_text(d, st), "center"
    if k == "result":
        return h.result, "center"
    if k == "hardship":
        return h.hardship, "center"
    if k == "prior_year":
        return h.prior_year, "center"
    if k == "declined":
        return (h.declined or spec["declined_no"] or None), "center"
    if k == "reason":
        return h.reason, "text"
    if k == "note":
        return h.note, "text"
    raise KeyError(k)


# ---------------------------------------------------------------------------
# province scale
# ---------------------------------------------------------------------------

CITY_HOUSEHOLDS = 121000     # planned households of the city lists: the unit of the province's fault rate
TEMPLATE_NAMES = {"371602": "滨城区", "371603": "沾化区", "371621": "惠民县", "371622": "阳信县",
                  "371623": "无棣县", "371625": "博兴县", "371681": "邹平市"}
XLS_ROWS = 65000             # household rows per xls sheet (65,536 rows a sheet, title and header above)


def select_planned(planned, target):
    """The planned villages in code order while their households stay within target."""
    out, n = [], 0
    for v in planned:
        k = sum(v["hh"].values())
        if n + k > target:
            break
        out.append(v)
        n += k
    return out


def province_specs(counties, villages, planned, county_name):
    """County code -> layout: the seven city layouts in turn, by county code.  The layout without a code
    column (沾化区) goes only to a county whose name is unique in the province and whose planned villages
    are identified by township (short name) + village name; otherwise that county takes the next layout.
    xls: townships over sheets of at most XLS_ROWS households; the two-sheet layout (无棣县) keeps its two
    sheets (townships halved) unless the county lists a single township."""
    tmpl = specs()
    names = collections.Counter(n for c, n in county_name.items())
    towns_of = collections.defaultdict(list)
    hh_town = collections.Counter()
    for v in planned:
        if v["town"] not in towns_of[v["county"]]:
            towns_of[v["county"]].append(v["town"])
        hh_town[v["town"]] += sum(v["hh"].values())
    of_county = collections.defaultdict(list)
    for v in villages:
        of_county[v["county"]].append(v)

    def nocode_ok(c):
        if names[county_name[c]] != 1:
            return False
        shorts = {}
        for v in of_county[c]:
            if shorts.setdefault(town_short(v["town_name"]), v["town"]) != v["town"]:
                return False
        keys = collections.Counter((v["town"], norm_name(v["name"])) for v in of_county[c])
        return all(keys[(v["town"], norm_name(v["name"]))] == 1 for v in planned if v["county"] == c)

    out = collections.OrderedDict()
    i = 0
    for c in counties:
        while True:
            t = COUNTIES[i % len(COUNTIES)]
            i += 1
            if tmpl[t]["code_style"] is not None or nocode_ok(c):
                break
        spec = dict(tmpl[t])
        spec["template"] = t
        spec["info"] = spec["info"].replace(TEMPLATE_NAMES[t], county_name[c])
        ts = towns_of[c]
        if spec["fmt"] == "xls":
            k, rows, town_sheet = 0, 0, {}
            for town in ts:
                if rows and rows + hh_town[town] > XLS_ROWS:
                    k += 1
                    rows = 0
                town_sheet[town] = k
                rows += hh_town[town]
            spec["sheets"] = ["Sheet%d" % (j + 1) for j in range(k + 1)]
            spec["town_sheet"] = town_sheet
        elif len(spec["sheets"]) > len(ts):
            spec["sheets"] = spec["sheets"][:len(ts)]
        out[c] = spec
    return out


def province_planted(SP, counties, planned, reps):
    """The city's planted faults, reps times: each on a county of the same layout as the city county it
    is planted in, drawn in proportion to the county's households."""
    r = random.Random(SEED + 6)
    hh = collections.Counter()
    for v in planned:
        hh[v["county"]] += sum(v["hh"].values())
    of_layout = collections.defaultdict(list)
    for c in counties:
        of_layout[SP[c]["template"]].append(c)
    out = []
    for _ in range(reps):
        for code, variant, t in PLANTED:
            cands = of_layout.get(t) or list(counties)
            out.append((code, variant, r.choices(cands, [hh[c] for c in cands])[0]))
    return out


def write_readme_province(outdir, m):
    t, sel = m["totals"], m["selection"]
    L = ["# 农村清洁取暖改造到户清单: province-scale household lists (benchmark data)\n"]
    L.append("Synthetic household lists made by `data-samples/generate_households.py --scale province` from the "
             "GeoPackage that `cleanheat merge` writes from `generate.py --scale province` (seed %d; re-running "
             "gives the same files). Not committed: benchmark data.\n" % SEED)
    L.append("Selection: the planned villages in village-code order while their planned households stay within "
             "%d: %d villages (%s to %s), %d households, %d counties (%d planned villages in the dataset). "
             "The counties take the seven city layouts in turn (`layouts[code].layout_of`), the one without "
             "codes (沾化区) only where county name and township + village name identify the villages; xls "
             "lists are split by township into sheets of at most %d households. Planted faults: the city's "
             "set %d times, each in a county of its layout; prior lists (2017-2021, one sheet per year) %d "
             "times the city's size, on any village of the selected counties.\n" % (
                 sel["target_households"], sel["planned_villages"], sel["first_village"], sel["last_village"],
                 sel["households"], sel["counties"], sel["planned_villages_in_dataset"], XLS_ROWS,
                 sel["fault_rounds"], sel["fault_rounds"]))
    L.append("Totals: %d data rows, %d planned, %d prior households. Row findings by code: %s. Village "
             "findings: %s. `expected.json` has the same structure as the city one (rules, layouts, files, "
             "counts, planted faults, every expected row finding).\n" % (
                 t["data_rows"], t["planned_households"], t["prior_households"],
                 ", ".join("%s %d" % (c, n) for c, n in t["findings_by_code"].items()),
                 ", ".join("%s %d" % (c, n) for c, n in t["village_findings_by_code"].items())))
    L.append("| file | county | layout of | format | sheets | households |")
    L.append("| --- | --- | --- | --- | --- | --- |")
    for f in m["files"]:
        lay = m["layouts"][f["county_code"]]
        L.append("| `%s` | %s %s | %s | %s | %s | %d |" % (
            f["file"], f["county_code"], lay["county_name"], lay["layout_of"], f["format"],
            ", ".join(s["name"] or "CSV" for s in f["sheets"]), sum(s["households"] for s in f["sheets"])))
    for p in m["prior"]:
        L.append("| `%s` | all | - | xlsx | %s | %d |" % (p["file"], p["sheet"], p["households"]))
    with open(os.path.join(outdir, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def make(merged, outdir, target=None):
    """target: None for the city scale; at province scale the number of households to list (planned
    villages taken in code order while their households stay within it)."""
    villages = read_villages(merged)
    vby = {v["code"]: v for v in villages}
    county_name = {}
    for v in villages:
        county_name.setdefault(v["county"], v["county_name"])
    if target is None:
        counties = COUNTIES
        missing = [c for c in COUNTIES if c not in county_name]
        if missing:
            sys.exit("counties missing from the villages layer: %s" % missing)
    planned = [v for v in villages if v["planned"] == 1 and sum(v["hh"].values()) > 0]
    odd = [v["code"] for v in villages if (v["planned"] == 1) != (sum(v["hh"].values()) > 0)]
    if odd:
        log("note: %d villages with planned and households disagreeing (planned = 1 with no households, "
            "or households with planned = 0); only planned = 1 villages with households are listed" % len(odd))
    if target is None:
        SP = specs()
        reps, planted_list, prior_pool, places = 1, PLANTED, villages, None
        prior_info = "填报单位：滨州市清洁取暖建设推进办公室　　　　　　填报日期：2022年10月15日"
        file_stem = {c: county_name[c] for c in counties}
        selection = None
    else:
        n_all = len(planned)
        planned = select_planned(planned, target)
        if not planned:
            sys.exit("no planned village fits in %d households" % target)
        counties = sorted({v["county"] for v in planned})
        total = sum(sum(v["hh"].values()) for v in planned)
        reps = max(1, int(round(total / CITY_HOUSEHOLDS)))
        SP = province_specs(counties, villages, planned, county_name)
        planted_list = province_planted(SP, counties, planned, reps)
        in_sel = set(counties)
        prior_pool = [v for v in villages if v["county"] in in_sel]
        places = ["山东", "山东省", None, None]
        prior_info = "填报单位：山东省清洁取暖工作专班办公室　　　　　　填报日期：2022年10月15日"
        same = collections.Counter(county_name[c] for c in counties)
        file_stem = {c: county_name[c] if same[county_name[c]] == 1 else "%s（%s）" % (county_name[c], c)
                     for c in counties}
        selection = collections.OrderedDict([
            ("target_households", target), ("households", total), ("planned_villages", len(planned)),
            ("planned_villages_in_dataset", n_all), ("counties", len(counties)),
            ("first_village", planned[0]["code"]), ("last_village", planned[-1]["code"]),
            ("fault_rounds", reps)])
        log("province: %d of %d planned villages (%s..%s), %d households, %d counties; planted faults x%d, "
            "prior lists x%d" % (len(planned), n_all, planned[0]["code"], planned[-1]["code"], total,
                                 len(counties), reps, reps))
    # 沾化区 writes no codes: township + name must identify a village
    for county, spec in SP.items():
        if spec["code_style"] is None:
            keys = collections.Counter((v["town"], norm_name(v["name"])) for v in villages if v["county"] == county)
            dup = [(v["code"], v["name"]) for v in planned
                   if v["county"] == county and keys[(v["town"], norm_name(v["name"]))] > 1]
            if dup:
                sys.exit("%s writes no codes, but township + name do not identify these planned villages: %s"
                         % (county, dup))

    # townships per sheet
    towns_of = collections.defaultdict(list)
    for v in planned:
        if v["town"] not in towns_of[v["county"]]:
            towns_of[v["county"]].append(v["town"])
    sheet_of_town = {}
    for county in counties:
        if "town_sheet" in SP[county]:     # province, xls: townships over sheets of at most XLS_ROWS rows
            sheet_of_town.update(SP[county]["town_sheet"])
            continue
        ts = towns_of[county]
        k = len(SP[county]["sheets"])
        per = -(-len(ts) // k)
        for i, t in enumerate(ts):
            sheet_of_town[t] = i // per
    first_of_sheet = set()
    seen = set()
    for v in planned:
        key = (v["county"], sheet_of_town[v["town"]])
        if key not in seen:
            seen.add(key)
            first_of_sheet.add(v["code"])

    r_fault = random.Random(SEED + 1)
    faults = pick_fault_villages(planned, first_of_sheet, r_fault, planted_list)
    fault_village = {v["code"]: (code, variant) for code, variant, _, v in faults}

    people = People(random.Random(SEED))
    r_hh = random.Random(SEED + 2)
    comp_r = random.Random(SEED + 3)
    companies = {c: companies_for(county_name[c], comp_r, places) for c in counties}
    maker = Maker(people, r_hh, companies)

    # --- the households of the plan ----------------------------------------
    blocks = collections.OrderedDict()      # village code -> [HH]
    vdates_of, devices_of = {}, {}
    for v in planned:
        r = r_hh
        n = sum(v["hh"].values())
        nums = r.sample(range(1, int(n * 1.6) + 12), n + 6)     # house numbers, a few spare for extras
        v_start = D(2022, 6, 1) + datetime.timedelta(days=r.randint(0, 24))
        v_complete = add_days(v_start, r.randint(30, 80))
        vdates_of[v["code"]] = (v_start, v_complete)
        dev = village_devices(v, r)
        devices_of[v["code"]] = dev
        lst = []
        k = 0
        plain = v["code"] in fault_village
        for route in ROUTES:
            for _ in range(v["hh"][route]):
                status = "ok" if plain else draw_status(r)
                pledge = True
                if status in ("ok", "rectified") and not plain and r.random() < 0.021:
                    pledge = False
                text, device = route_text_for(route, SP[v["county"]]["route_style"], dev[route], r)
                h = maker.household(v, route, text, device, nums[k], vdates_of[v["code"]], status, pledge)
                h.town_name = None
                lst.append(h)
                k += 1
        v["spare_nums"] = nums[k:]
        blocks[v["code"]] = lst

    # --- prior years ---------------------------------------------------------
    r_prior = random.Random(SEED + 4)
    by_county = collections.defaultdict(list)
    for v in villages:
        by_county[v["county"]].append(v)
    prior = {}
    for year in PRIOR_YEARS:
        n = r_prior.randint(1500 * reps, 3000 * reps)
        rows = []
        for _ in range(n):
            v = r_prior.choice(prior_pool)
            route = r_prior.choices(["gas", "electric", "biomass", "district_heating"], [45, 35, 12, 8])[0]
            rows.append(prior_household(v, route, year, people, r_prior))
        prior[year] = rows

    # --- plant the faults ------------------------------------------------------
    r = r_fault
    extra_after = collections.defaultdict(list)     # village code -> extra rows at the end of the block
    twice = []
    repeats = []
    fewer_more = []
    unknown_rows = []

    def pick(lst, route=None):
        cands = [h for h in lst[1:] if h.kind == "plan" and (route is None or h.route == route)]
        return cands[r.randrange(len(cands))]

    for code, variant, county, v in faults:
        lst = blocks[v["code"]]
        vd = vdates_of[v["code"]]
        dev = devices_of[v["code"]]
        spec = SP[county]
        if code == "E_ID_INVALID":
            h = pick(lst)
            body = h.id[:17]
            if variant == "check":
                good = h.id[17]
                h.id = body + [c for c in "0123456789X" if c != good][r.randrange(10)]
            elif variant == "month13":
                b = body[:10] + "13" + body[12:]
                people.bodies.add(b)
                h.id = b + check_digit(b)
            elif variant == "feb30":
                b = body[:10] + "0230" + body[14:]
                people.bodies.add(b)
                h.id = b + check_digit(b)
            elif variant == "len17":
                h.id = body
            elif variant == "len19":
                h.id = h.id[:14] + h.id[14] + h.id[14:]
            h.fault = (code, "id", "%s: %s" % (variant, h.id))
        elif code == "E_ID_MISSING":
            h = pick(lst)
            h.fault = (code, "id", "ID cell empty (was %s)" % h.id)
            h.id = None
        elif code == "E_HOUSEHOLD_TWICE":
            h0 = pick(lst)
            h = h0.copy()
            h.kind = "copy"
            h.fault = (code, "id", "exact copy of the row of %s %s" % (h0.name, h0.id))
            twice.append((h0, h))
            extra_after[v["code"]].append(h)
        elif code == "E_HOUSEHOLD_REPEAT":
            h = pick(lst)
            if variant.startswith("prior"):
                year = int(variant[5:])
                ph = prior_household(v, r.choice(["gas", "electric", "biomass"]), year, people, r_prior)
                people.bodies.discard(ph.id[:17])
                ph.id, ph.name = h.id, h.name
                prior[year].append(ph)
                h.fault = (code, "id", "%s %s is in the %d list" % (h.name, h.id, year))
                repeats.append((h, ph))
            else:
                h.prior_year = int(variant[4:])
                h.fault = (code, "prior_year", "以前年度改造年份 %d, ID in no prior list" % h.prior_year)
        elif code == "E_ACCEPT_BEFORE_COMPLETE":
            h = pick(lst)
            gap = r.randint(3, 10)
            h.d_accept = add_days(h.d_complete, -gap)
            assert h.d_accept >= h.d_start and h.d_pledge <= h.d_accept
            h.fault = (code, "d_accept", "验收日期 %s before 完工日期 %s" % (h.d_accept, h.d_complete))
        elif code == "E_ROUTE_NOT_PLANNED":
            route = [x for x in ("gas", "electric", "biomass") if v["hh"][x] == 0][0]
            text, device = route_text_for(route, spec["route_style"], dev[route], r)
            h = maker.household(v, route, text, device, v["spare_nums"].pop(), vd, "ok")
            h.kind = "extra"
            h.fault = (code, "route", "%s (%s) in a village with 0 planned %s households" % (text, route, route))
            insert_route_extra(lst, h)
        elif code in ("W_VILLAGE_FEWER_HOUSEHOLDS", "W_VILLAGE_MORE_HOUSEHOLDS"):
            routes = [x for x in ROUTES if v["hh"][x] >= (10 if code.startswith("W_VILLAGE_F") else 1)]
            route = routes[r.randrange(len(routes))]
            k = r.randint(1, 3) if code == "W_VILLAGE_FEWER_HOUSEHOLDS" else r.randint(1, 2)
            if code == "W_VILLAGE_FEWER_HOUSEHOLDS":
                idx = [i for i, x in enumerate(lst) if x.route == route]
                drop = set(r.sample(idx[1:], k))
                for i in sorted(drop, reverse=True):
                    people.bodies.discard(lst[i].id[:17])
                    del lst[i]
                listed = v["hh"][route] - k
            else:
                for _ in range(k):
                    text, device = route_text_for(route, spec["route_style"], dev[route], r)
                    h = maker.household(v, route, text, device, v["spare_nums"].pop(), vd, "ok")
                    h.kind = "extra"
                    insert_route_extra(lst, h)
                listed = v["hh"][route] + k
            fewer_more.append((code, v, route, listed))
            continue
        elif code == "E_CODE_UNKNOWN":
            used = {norm_name(x["name"]) for x in villages if x["county"] == county}
            name = ([x for x in UNKNOWN_NAMES if norm_name(x) not in used] or
                    [x for x in UNKNOWN_NAMES_MORE if norm_name(x) not in used])[0]
            all_codes = {x["code"] for x in villages}
            while True:
                ucode = v["town"] + "%03d" % r.randint(400, 599)
                if ucode not in all_codes:
                    break
            pv = dict(v, code=ucode, name=name + "委会" if name.endswith("村") else name)
            route = [x for x in ROUTES[:4] if v["hh"][x] > 0][0]
            text, device = route_text_for(route, spec["route_style"], dev[route], r)
            h = maker.household(pv, route, text, device, r.randint(1, 120), vd, "ok")
            h.kind = "extra"
            h.fault = (code, "code", "code %s does not exist; the name %s matches no village of the county"
                       % (ucode, name))
            unknown_rows.append((v, h))
        elif code == "E_DATE_INVALID":
            h = pick(lst)
            key = "d_complete" if variant == "九月" else "d_accept"
            h.override[key] = variant
            h.fault = (code, key, "%s written %r" % (key, variant))
        elif code == "E_ACCEPT_RESULT_UNKNOWN":
            h = pick(lst)
            h.result = "待定"
            h.fault = (code, "result", "验收结果 待定")
        elif code in ("E_ROUTE_UNKNOWN", "E_ROUTE_NOT_CLEAN"):
            route = [x for x in ROUTES if v["hh"][x] > 0][0]
            if code == "E_ROUTE_UNKNOWN":
                h = maker.household(v, route, "待定", None, v["spare_nums"].pop(), vd, "none")
                h.route = None
                h.fault = (code, "route", "改造方式 待定")
            else:
                h = maker.household(v, route, "洁净型煤", None, v["spare_nums"].pop(), vd, "ok")
                h.route = "coal"
                h.fault = (code, "route", "改造方式 洁净型煤")
            h.kind = "extra"
            extra_after[v["code"]].append(h)
        elif code == "W_RECTIFY_DATE_MISSING":
            h = pick(lst)
            h.result = "整改后合格"
            h.fault = (code, "d_rectify", "整改后合格 without 整改日期")
        else:
            raise ValueError(code)
    for code_, lst in extra_after.items():
        blocks[code_].extend(lst)

    # --- sheets and blocks per county ---------------------------------------
    unknown_after = collections.defaultdict(list)    # last village code of a township -> rows
    last_of_town = {}
    for v in planned:
        last_of_town[v["town"]] = v["code"]
    for v, h in unknown_rows:
        unknown_after[last_of_town[v["town"]]].append(h)
    county_sheets = {c: [[] for _ in SP[c]["sheets"]] for c in counties}
    for v in planned:
        for h in blocks[v["code"]]:
            h.town_name = v["town_name"]
        county_sheets[v["county"]][sheet_of_town[v["town"]]].append(blocks[v["code"]])
        for h in unknown_after.get(v["code"], []):
            h.town_name = v["town_name"]
            county_sheets[v["county"]][sheet_of_town[v["town"]]].append([h])

    # --- write ---------------------------------------------------------------
    d2022 = os.path.join(outdir, "2022")
    dprior = os.path.join(outdir, "prior")
    for d in (outdir, d2022, dprior):
        os.makedirs(d, exist_ok=True)
    for d, pat in ((d2022, r"^.+2022年清洁取暖改造到户清单\.(xlsx|xls|csv)$"),
                   (dprior, r"^\d{4}年农村清洁取暖改造户名单\.xlsx$")):
        for fn in os.listdir(d):
            if re.match(pat, fn):
                os.remove(os.path.join(d, fn))
    r_lay = random.Random(SEED + 5)
    files = []
    t_write = time.time()
    for county in counties:
        spec = SP[county]
        cname = county_name[county]
        grids, infos = lay_county(county, cname, spec, county_sheets[county], r_lay)
        fname = "%s2022年清洁取暖改造到户清单.%s" % (file_stem[county], spec["fmt"])
        path = os.path.join(d2022, fname)
        if spec["fmt"] == "xlsx":
            write_xlsx(path, grids, author=cname + "清洁取暖办", created=FIXED_TIME)
        elif spec["fmt"] == "xls":
            assert all(g.nrows <= 65536 for g in grids)
            write_xls(path, grids)
        else:
            write_csv(path, grids[0], encoding="gb18030")
        for sheet in county_sheets[county]:
            for block in sheet:
                for h in block:
                    h.file = fname
        files.append({"file": fname, "county_code": county, "county_name": cname, "format": spec["fmt"],
                      "encoding": "gb18030" if spec["fmt"] == "csv" else None,
                      "sheets": [dict(i, name=i["name"] if spec["fmt"] != "csv" else "") for i in infos]})
        del grids
        if selection is not None:
            log("  %s %s: %s, %d rows (%.0f s)" % (county, fname, "/".join(s["name"] for s in infos) or "csv",
                                                    sum(s["households"] for s in infos), time.time() - t_write))
    prior_files = write_prior(dprior, prior, county_name, prior_info)
    return dict(villages=villages, planned=planned, vby=vby, SP=SP, county_name=county_name, counties=counties,
                selection=selection,
                county_sheets=county_sheets, files=files, prior=prior, prior_files=prior_files,
                twice=twice, repeats=repeats, fewer_more=fewer_more, blocks=blocks, faults=faults)


def insert_route_extra(lst, h):
    """Insert an extra household at the end of its route's group in a village block (route order)."""
    order = {r: i for i, r in enumerate(ROUTES)}
    pos = len(lst)
    for i, x in enumerate(lst):
        if x.kind in ("plan", "extra") and x.route in order and order[x.route] > order[h.route]:
            pos = i
            break
    lst.insert(pos, h)


def prior_household(v, route, year, people, r):
    h = HH(county=v["county"], town=v["town"], vcode=v["code"], vname=v["name"], route=route,
           route_text=ROUTE_WORD[route], name=people.name(), id=people.id(v["county"]), phone=people.phone(),
           kind="prior")
    h.town_name = v["town_name"]
    h.prior_year = year
    use = {}
    if year in USE_YEARS:
        if route == "gas":
            use["gas"] = r.randint(300, 1500)
        elif route == "electric":
            use["electric"] = r.randint(1500, 8000)
        elif route == "biomass":
            use["biomass"] = round(r.uniform(1.0, 4.0), 1)
    h.override = use
    return h


PRIOR_COLS = [("seq", "序号"), ("year", "改造年度"), ("county", "县（市、区）"), ("town", "乡镇（街道）"),
              ("vname", "村（居）"), ("code", "村代码"), ("name", "户主姓名"), ("id", "身份证号"),
              ("phone", "联系电话"), ("route", "改造方式")]
USE_COLS = [("gas", "用气量（立方米）"), ("electric", "用电量（千瓦时）"), ("biomass", "生物质用量（吨）")]


def write_prior(dprior, prior, county_name, info):
    out = []
    for year in PRIOR_YEARS:
        rows = sorted(prior[year], key=lambda h: (h.vcode, ))
        cols = PRIOR_COLS + (USE_COLS if year in USE_YEARS else [])
        g = Grid("%d年" % year)
        widths = [6, 9, 10, 12, 14, 15, 9, 20, 13, 10, 16, 16, 16]
        for i in range(len(cols)):
            g.widths[i] = widths[i]
        r = lay_title(g, "%d年农村清洁取暖改造户名单" % year, len(cols), info, None)
        header_row = r + 1
        r = lay_headers(g, r, [(k, t, None) for k, t in cols], False)
        first = r + 1
        by_route = collections.Counter()
        for i, h in enumerate(rows):
            vals = {"seq": (i + 1, "center"), "year": (year, "center"),
                    "county": (county_name[h.county], "text"), "town": (h.town_name, "text"),
                    "vname": (written_name(h.vname, "cun"), "text"), "code": (h.vcode, "text"),
                    "name": (h.name, "text"), "id": (h.id, "text"), "phone": (h.phone, "text"),
                    "route": (h.route_text, "center")}
            for k, _ in USE_COLS:
                if k in h.override:
                    vals[k] = (h.override[k], "num2" if k == "biomass" else "int")
            for c, (k, _) in enumerate(cols):
                if k in vals:
                    g.put(r, c, *vals[k])
            h.file, h.sheet, h.row = "%d年农村清洁取暖改造户名单.xlsx" % year, g.name, r + 1
            by_route[h.route] += 1
            r += 1
        prior[year] = rows
        fname = "%d年农村清洁取暖改造户名单.xlsx" % year
        write_xlsx(os.path.join(dprior, fname), [g], created=FIXED_TIME)
        out.append({"file": fname, "year": year, "sheet": g.name, "header_row": header_row,
                    "first_data_row": first, "last_data_row": r, "households": len(rows),
                    "by_route": {k: by_route[k] for k in ROUTES if by_route[k]},
                    "columns": [t for _, t in cols]})
    return out


# ---------------------------------------------------------------------------
# expected.json
# ---------------------------------------------------------------------------

W_COLUMN = {"W_HOUSEHOLD_DECLINED": "declined", "W_ACCEPT_FAILED": "result", "W_PLEDGE_MISSING": "d_pledge"}


def ordinary_code(h):
    """The finding an unplanted row carries (or None)."""
    if h.declined == "是":
        return "W_HOUSEHOLD_DECLINED"
    if h.result == "不合格":
        return "W_ACCEPT_FAILED"
    if h.result in ("合格", "整改后合格") and h.d_pledge is None:
        return "W_PLEDGE_MISSING"
    return None


def col_of(spec, key):
    keys = [c[0] for c in spec["cols"]]
    i = keys.index(key)
    return col_letter(i), header_text(spec["cols"][i])


def shown(h, key, spec):
    """The value of a cell as written (dates as ISO text), for expected.json."""
    if key in h.override:
        return h.override[key]
    if key == "code":
        return h.code_written
    if key == "route":
        return h.route_text
    v = getattr(h, key)
    if isinstance(v, datetime.date):
        return v.isoformat()
    return v


def manifest(st, merged):
    SP, files = st["SP"], st["files"]
    planned_per_county = collections.Counter()
    for v in st["planned"]:
        planned_per_county[v["county"]] += sum(v["hh"].values())
    findings, planted = [], []
    rows_per_county = collections.Counter()
    distinct_per_county = collections.Counter()
    counted = collections.Counter()
    ordinary = collections.Counter()
    status = collections.Counter()
    twice_first = {id(c): h0 for h0, c in st["twice"]}
    repeat_prior = {id(h): ph for h, ph in st["repeats"]}
    for county in st["counties"]:
        spec = SP[county]
        for sheet in st["county_sheets"][county]:
            for block in sheet:
                for h in block:
                    rows_per_county[county] += 1
                    if h.kind != "copy":
                        distinct_per_county[county] += 1
                    if h.kind == "plan" or (h.kind == "extra" and h.fault is None):
                        counted[county] += 1
                    if h.declined:
                        status["declined"] += 1
                    elif h.result:
                        status[{"合格": "accepted_ok", "不合格": "accepted_failed",
                                "整改后合格": "accepted_rectified"}.get(h.result, "accepted_other")] += 1
                    elif h.d_complete or "d_complete" in h.override:
                        status["completed_not_accepted"] += 1
                    elif h.d_start:
                        status["started_not_completed"] += 1
                    else:
                        status["not_started"] += 1
                    if h.fault:
                        code, key, what = h.fault
                        L, H = col_of(spec, key)
                        findings.append((h.file, h.sheet, h.row, code))
                        e = collections.OrderedDict([
                            ("code", code), ("file", h.file), ("sheet", h.sheet), ("row", h.row), ("column", L),
                            ("header", H), ("value", shown(h, key, spec)),
                            ("village_code", h.vcode if code != "E_CODE_UNKNOWN" else None),
                            ("id", h.id), ("what", what)])
                        if code == "E_CODE_UNKNOWN":
                            e["written_code"] = h.vcode
                        if id(h) in twice_first:
                            e["first_row"] = twice_first[id(h)].row
                        if id(h) in repeat_prior:
                            ph = repeat_prior[id(h)]
                            e["prior"] = {"file": ph.file, "sheet": ph.sheet, "row": ph.row, "year": ph.prior_year}
                        planted.append(e)
                    else:
                        c = ordinary_code(h)
                        if c:
                            findings.append((h.file, h.sheet, h.row, c))
                            ordinary[c] += 1
    vfind = []
    for code, v, route, listed in st["fewer_more"]:
        h = [x for x in st["blocks"][v["code"]] if x.route == route][0]
        vfind.append(collections.OrderedDict([
            ("code", code), ("village_code", v["code"]), ("village_name", v["name"]), ("route", route),
            ("listed", listed), ("planned", v["hh"][route]), ("file", h.file), ("sheet", h.sheet),
            ("row", h.row), ("column", None)]))
    order = {c: i for i, c in enumerate(ROW_CODES)}
    planted.sort(key=lambda e: (order[e["code"]], e["file"], e["sheet"], e["row"]))
    findings.sort(key=lambda f: (f[0], f[1], f[2]))
    by_code = collections.Counter(f[3] for f in findings)
    layouts = collections.OrderedDict()
    for f in files:
        spec = SP[f["county_code"]]
        keys = [c[0] for c in spec["cols"]]
        layouts[f["county_code"]] = collections.OrderedDict([
            ("county_name", f["county_name"]), ("file", f["file"]), ("format", spec["fmt"]),
            ("sheets", [s["name"] for s in f["sheets"]]),
            ("two_level_header", spec["two_level"]),
            ("columns", [collections.OrderedDict([("letter", col_letter(i)), ("key", k),
                                                  ("header", c[1]), ("subheader", c[2])])
                         for i, (k, c) in enumerate(zip(keys, spec["cols"]))]),
            ("codes", {"text": "text", "number": "numbers", "apostrophe": "text with a leading apostrophe",
                       "text_apostrophe": "text, about 30 % of the villages with a leading apostrophe",
                       "mixed": "per village: number (50 %), text (30 %), text with a leading apostrophe (20 %)",
                       None: "no code column (township + village name)"}[spec["code_style"]]),
            ("village_names", {"cun": "段家庄村 style", "bare": "short (段家庄)",
                               "official": "official (…村民委员会)"}[spec["name_style"]]),
            ("townships", "short (下洼)" if spec["town_style"] == "short" else "full"),
            ("dates", {"excel": "Excel date cells (yyyy/m/d)", "excelcn": "Excel date cells shown 2022年7月15日",
                       "slash": "text 2022/7/15", "iso": "text 2022-07-15", "cn": "text 2022年7月15日",
                       "mixed": "Excel date cells (yyyy/m/d), about one in five as text 2022-07-15"}[spec["date_style"]]),
            ("routes", "改造方式 as route words (集中供热, 煤改气, 煤改电, 生物质)" +
             (" and a 设备类型 column" if "device" in keys else "") if spec["route_style"] == "route" else
             "改造方式 as device names (集中供热, 燃气壁挂炉, 空气源热泵, 蓄热式电暖器, 生物质炉具)"),
            ("phones", "numbers" if spec["phone_style"] == "number" else "text"),
            ("declined_no", spec["declined_no"] or None),
            ("total_row", spec["total"]), ("notes", spec["notes"]),
        ])
        if "template" in spec:       # province: the city county whose layout this county uses
            layouts[f["county_code"]]["layout_of"] = "%s %s" % (spec["template"], TEMPLATE_NAMES[spec["template"]])
    totals = collections.OrderedDict([
        ("planned_households", sum(planned_per_county.values())),
        ("data_rows", sum(rows_per_county.values())),
        ("distinct_households", sum(distinct_per_county.values())),
        ("households_counted", sum(counted.values())),
        ("planned_villages", len(st["planned"])),
        ("prior_households", sum(len(x) for x in st["prior"].values())),
        ("status", collections.OrderedDict(sorted(status.items()))),
        ("findings_by_code", collections.OrderedDict((c, by_code[c]) for c in ROW_CODES)),
        ("village_findings_by_code", collections.OrderedDict(
            (c, sum(1 for x in vfind if x["code"] == c)) for c in VILLAGE_CODES)),
    ])
    m = collections.OrderedDict([
        ("generator", "data-samples/generate_households.py"), ("seed", SEED),
        ("villages", os.path.basename(merged)), ("fill_date", FILL_DATE.isoformat())])
    if st.get("selection"):
        m["scale"] = "province"
        m["selection"] = st["selection"]
    m.update([
        ("rules", RULES),
        ("layouts", layouts),
        ("files", [collections.OrderedDict([
            ("file", "2022/" + f["file"]), ("county_code", f["county_code"]), ("format", f["format"]),
            ("encoding", f["encoding"]),
            ("sheets", [collections.OrderedDict([(k, s[k]) for k in
                        ("name", "title_row", "header_rows", "first_data_row", "last_data_row", "households",
                         "total_row", "note_rows") if k in s]) for s in f["sheets"]])]) for f in files]),
        ("households_per_county", collections.OrderedDict(
            (c, collections.OrderedDict([("planned", planned_per_county[c]), ("data_rows", rows_per_county[c]),
                                         ("distinct", distinct_per_county[c]), ("counted", counted[c])]))
            for c in st["counties"])),
        ("totals", totals),
        ("prior", [collections.OrderedDict([("file", "prior/" + p["file"])] +
                                           [(k, p[k]) for k in p if k != "file"]) for p in st["prior_files"]]),
        ("planted", planted),
        ("village_findings", vfind),
        ("expected_findings", [collections.OrderedDict([("file", f[0]), ("sheet", f[1]), ("row", f[2]),
                                                        ("code", f[3])]) for f in findings]),
    ])
    return m


RULES = collections.OrderedDict([
    ("rows", "row = the 1-based row number a spreadsheet program shows (CSV: the line number); sheet = the "
             "sheet name, empty for the CSV; file = the base name (files[] gives the folder)"),
    ("data_rows", "every row from first_data_row to last_data_row of a sheet is a household row; above are "
                  "the merged title (row 1), the 填报单位/填报日期 line (row 2) and the header row(s); below, in "
                  "博兴县 only, a 合计 row (共N户) and, after a blank row, a 说明 line"),
    ("one_code_per_row", "every row carries at most one expected row finding; planted rows lie in "
                         "different villages, which have no declined, failed or pledge-less households"),
    ("ids", "GB 11643: 6-digit area code (= the county code), birth date 1940-1995, 3-digit sequence, check "
            "digit (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 indexes 10X98765432); every ID is "
            "valid and unique across all 2022 and prior lists, except the planted rows"),
    ("twice", "E_HOUSEHOLD_TWICE: the later of two identical rows (same village, route, name, ID; only 序号 "
              "differs), placed at the end of the village's rows"),
    ("repeat", "E_HOUSEHOLD_REPEAT: a 2022 row whose ID is in a prior-year list (prior/), or whose "
               "以前年度改造年份 is filled"),
    ("dates", "ordinary rows: 承诺书签订日期 <= 开工日期 <= 完工日期 <= 验收日期 <= 整改日期 <= 2022-10-15; "
              "E_ACCEPT_BEFORE_COMPLETE when 验收日期 < 完工日期; E_DATE_INVALID for a date cell that is not a "
              "date (九月, 2022-13-05)"),
    ("acceptance", "验收结果 合格 / 不合格 / 整改后合格, or empty together with 验收日期 (not accepted yet); "
                   "W_ACCEPT_FAILED for every 不合格 row; 整改后合格 always has a 整改日期 except the "
                   "W_RECTIFY_DATE_MISSING rows; W_PLEDGE_MISSING for a row with 验收结果 合格 or 整改后合格 and "
                   "no 承诺书签订日期 (no other row lacks a pledge date, except declined rows)"),
    ("declined", "W_HOUSEHOLD_DECLINED for every row with 是否放弃改造 = 是 (no dates, no result, a 放弃原因); "
                 "other rows 否 or empty"),
    ("routes", "改造方式 names the route: 集中供热; 煤改气 / 燃气壁挂炉 (gas); 煤改电 / 空气源热泵 / 蓄热式电暖器 "
               "(electric); 生物质 / 生物质炉具 (biomass); 地源热泵 / 太阳能 (other); 设备类型 when present "
               "agrees with it. 待定 is E_ROUTE_UNKNOWN, 洁净型煤 E_ROUTE_NOT_CLEAN (both extra rows, counted "
               "nowhere)"),
    ("village_counts", "listed = the rows of a village and route, without the second row of an "
                       "E_HOUSEHOLD_TWICE pair; rows with an ID, date or result fault count (the household is "
                       "there, a cell is wrong); rows of E_ROUTE_NOT_PLANNED, E_ROUTE_UNKNOWN, "
                       "E_ROUTE_NOT_CLEAN, E_CODE_UNKNOWN are not counted towards a planned route. listed == "
                       "planned for every planned village and route, except village_findings (row = the first "
                       "row of the village with that route, column empty). A route with 0 planned households "
                       "gets E_ROUTE_NOT_PLANNED on its rows, no village finding"),
    ("villages", "rows are matched by 村代码 / 统计用区划代码 (text, number or 'text); 沾化区 has no code column: "
                 "township (short, e.g. 下洼) + village name (short) identify exactly one village, compared "
                 "after removing the committee suffix and one trailing 村/社区"),
    ("counts", "households_per_county: planned (from the villages layer), data_rows (every household row), "
               "distinct (data_rows without the E_HOUSEHOLD_TWICE copies), counted (rows that count towards "
               "the plan: distinct minus the E_ROUTE_NOT_PLANNED / E_ROUTE_UNKNOWN / E_ROUTE_NOT_CLEAN / "
               "E_CODE_UNKNOWN rows); counted = planned - fewer + more"),
])


def dump_json(obj):
    """indent=2, but flat objects and lists of scalars stay on one line each."""
    marks = {}

    def walk(o):
        if isinstance(o, dict):
            if o and all(not isinstance(x, (dict, list)) for x in o.values()) and len(o) <= 10:
                key = "@@%d@@" % len(marks)
                marks[key] = json.dumps(o, ensure_ascii=False)
                return key
            return collections.OrderedDict((k, walk(v)) for k, v in o.items())
        if isinstance(o, list):
            if all(not isinstance(x, (dict, list)) for x in o) and (not o or not isinstance(o[0], str) or len(o) <= 8):
                key = "@@%d@@" % len(marks)
                marks[key] = json.dumps(o, ensure_ascii=False)
                return key
            return [walk(x) for x in o]
        return o
    text = json.dumps(walk(obj), ensure_ascii=False, indent=2)
    text = re.sub(r'"(@@\d+@@)"', lambda mm: marks[mm.group(1)], text)
    return text + "\n"


# ---------------------------------------------------------------------------
# verification: re-read every file and check it with a small independent checker
# ---------------------------------------------------------------------------

def read_sheet(path, sheet):
    """{1-based row: [cell text or None]}: GDAL (headers off, all fields strings) or csv for the CSV."""
    if path.endswith(".csv"):
        with open(path, "rb") as fb:
            text = fb.read().decode("gb18030")
        assert "\r\n" in text
        rows = list(csv.reader(text.split("\r\n")[:-1]))
        return {i + 1: [c if c != "" else None for c in r] for i, r in enumerate(rows)}
    if path.endswith(".xls"):
        gdal.SetConfigOption("OGR_XLS_HEADERS", "DISABLE")
        gdal.SetConfigOption("OGR_XLS_FIELD_TYPES", "STRING")
        ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
        gdal.SetConfigOption("OGR_XLS_HEADERS", None)
        gdal.SetConfigOption("OGR_XLS_FIELD_TYPES", None)
    else:
        ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY,
                         open_options=["HEADERS=DISABLE", "FIELD_TYPES=STRING"])
    lyr = ds.GetLayerByName(sheet)
    assert lyr is not None, (path, sheet)
    n = lyr.GetLayerDefn().GetFieldCount()
    out = {}
    for i, f in enumerate(lyr):
        out[i + 1] = [f.GetField(j) if f.IsFieldSet(j) and not f.IsFieldNull(j) else None for j in range(n)]
    ds = None
    return out


def cell(cells, i):
    if i is None or i >= len(cells) or cells[i] is None:
        return None
    s = str(cells[i]).strip()
    return s or None


def clean_code(x):
    if x is None:
        return None
    s = re.sub(r"[\s']", "", x)
    if re.match(r"^\d+\.0+$", s):
        s = s.split(".")[0]
    if re.match(r"^\d(\.\d+)?[eE]\+\d+$", s):
        s = "%d" % float(s)
    return s or None


def parse_date(s):
    """A date cell as read -> date, None (empty) or 'invalid'."""
    if s is None:
        return None
    m = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?$", s)
    if not m:
        return "invalid"
    try:
        return D(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return "invalid"


def check_outputs(outdir, m, st):
    """Re-read every file; compute the findings from the cells; compare with expected.json."""
    SP, villages = st["SP"], st["villages"]
    vby = st["vby"]
    by_name = {}
    for v in villages:
        by_name[(v["county"], town_short(v["town_name"]), norm_name(v["name"]))] = v
        by_name[(v["county"], v["town_name"], norm_name(v["name"]))] = v
    # prior lists
    prior_ids = {}
    for p in m["prior"]:
        grid = read_sheet(os.path.join(outdir, p["file"]), p["sheet"])
        hdr = [cell(grid[p["header_row"]], i) for i in range(len(p["columns"]))]
        assert hdr == p["columns"], (p["file"], hdr)
        ci = {t: i for i, t in enumerate(hdr)}
        n = 0
        for row in range(p["first_data_row"], p["last_data_row"] + 1):
            c = grid[row]
            pid = cell(c, ci["身份证号"])
            assert id_valid(pid) and pid not in prior_ids, (p["file"], row, pid)
            assert cell(c, ci["改造年度"]) in (str(p["year"]), "%d.0" % p["year"])
            assert clean_code(cell(c, ci["村代码"])) in vby
            route = ROUTE_TEXTS[cell(c, ci["改造方式"])]
            uses = {k: cell(c, ci[t]) for k, t in USE_COLS if t in ci}
            if p["year"] in USE_YEARS:
                for k, val in uses.items():
                    assert (val is not None) == (k == route), (p["file"], row, uses)
            prior_ids[pid] = (p["file"], row)
            n += 1
        assert n == p["households"] and len(grid) == p["last_data_row"], (p["file"], n, len(grid))
    # the 2022 lists
    found = []
    listed = collections.Counter()
    first_row = {}
    ids_seen = {}
    twice_keys = {}
    per_county = collections.Counter()
    for f in m["files"]:
        county = f["county_code"]
        spec = SP[county]
        keys = [c[0] for c in spec["cols"]]
        ci = {k: i for i, k in enumerate(keys)}
        path = os.path.join(outdir, f["file"])
        fname = os.path.basename(f["file"])
        for s in f["sheets"]:
            grid = read_sheet(path, s["name"] if f["format"] != "csv" else None) if f["format"] != "csv" \
                else read_sheet(path, None)
            assert cell(grid[1], 0) == "%s2022年农村清洁取暖改造到户清单" % m["layouts"][county]["county_name"]
            assert cell(grid[2], 0).startswith("填报单位：") and cell(grid[2], 0).endswith("填报日期：2022年10月15日")
            hr = s["header_rows"]
            for i, c in enumerate(spec["cols"]):
                if c[2] is None:
                    assert cell(grid[hr[0]], i) == c[1], (fname, i, cell(grid[hr[0]], i))
                else:
                    assert cell(grid[hr[1]], i) == c[2], (fname, i)
                    assert cell(grid[hr[0]], i) in (c[1], None)
            seq = 0
            for row in range(s["first_data_row"], s["last_data_row"] + 1):
                c = grid[row]
                seq += 1
                assert cell(c, ci["seq"]) in (str(seq), "%d.0" % seq), (fname, row, c[:3])
                per_county[county] += 1
                g = lambda k: cell(c, ci.get(k))
                codes = []
                # village
                if "code" in ci:
                    vcode = clean_code(g("code"))
                    v = vby.get(vcode)
                    if v is None:
                        codes.append("E_CODE_UNKNOWN")
                else:
                    v = by_name.get((county, g("town"), norm_name(g("vname"))))
                    assert v is not None, (fname, row)
                # ID
                pid = g("id")
                if pid is None:
                    codes.append("E_ID_MISSING")
                elif not id_valid(pid):
                    codes.append("E_ID_INVALID")
                # route
                text = g("route")
                route = ROUTE_TEXTS.get(text)
                if text in COAL_TEXTS:
                    codes.append("E_ROUTE_NOT_CLEAN")
                elif route is None:
                    codes.append("E_ROUTE_UNKNOWN")
                elif v is not None and v["hh"][route] == 0:
                    codes.append("E_ROUTE_NOT_PLANNED")
                if g("device") is not None:
                    assert ROUTE_TEXTS[g("device")] == route
                # twice / repeat
                copy = False
                if pid is not None and id_valid(pid):
                    key = (v["code"] if v else None, route, pid, g("name"))
                    if key in twice_keys:
                        codes.append("E_HOUSEHOLD_TWICE")
                        copy = True
                    else:
                        assert pid not in ids_seen, (fname, row, pid, ids_seen.get(pid))
                        twice_keys[key] = row
                        ids_seen[pid] = (fname, row)
                    if pid in prior_ids:
                        codes.append("E_HOUSEHOLD_REPEAT")
                if g("prior_year") is not None:
                    codes.append("E_HOUSEHOLD_REPEAT")
                # dates
                dates = {k: parse_date(g(k)) for k in DATE_KEYS}
                if "invalid" in dates.values():
                    codes.append("E_DATE_INVALID")
                ds_ = {k: (x if isinstance(x, D) else None) for k, x in dates.items()}
                if ds_["d_accept"] and ds_["d_complete"] and ds_["d_accept"] < ds_["d_complete"]:
                    codes.append("E_ACCEPT_BEFORE_COMPLETE")
                result = g("result")
                if result is not None and result not in RESULTS:
                    codes.append("E_ACCEPT_RESULT_UNKNOWN")
                if result == "不合格":
                    codes.append("W_ACCEPT_FAILED")
                if result == "整改后合格" and dates["d_rectify"] is None:
                    codes.append("W_RECTIFY_DATE_MISSING")
                if g("declined") == "是":
                    codes.append("W_HOUSEHOLD_DECLINED")
                    assert all(x is None for x in dates.values()) and result is None and g("reason")
                else:
                    assert g("declined") in (None, "否") and g("reason") is None
                if result in ("合格", "整改后合格") and dates["d_pledge"] is None:
                    codes.append("W_PLEDGE_MISSING")
                assert len(codes) <= 1, (fname, row, codes)
                if not codes:     # an ordinary row: consistent in every way
                    seqd = [ds_[k] for k in ("d_pledge", "d_start", "d_complete", "d_accept", "d_rectify") if ds_[k]]
                    assert seqd == sorted(seqd) and (not seqd or seqd[-1] <= FILL_DATE), (fname, row, seqd)
                    assert (result is None) == (ds_["d_accept"] is None), (fname, row)
                    assert (result == "整改后合格") == (ds_["d_rectify"] is not None), (fname, row)
                    assert ds_["d_complete"] is None or ds_["d_start"] is not None
                    assert ds_["d_accept"] is None or ds_["d_complete"] is not None
                    assert g("declined") == "是" or ds_["d_pledge"] is not None
                    assert all(D(2022, 6, 1) <= x <= FILL_DATE for x in seqd)
                    assert re.match(r"^1[3-9]\d{9}$", g("phone")) or re.match(r"^1[3-9]\d{9}(\.0+)?$", g("phone"))
                for code in codes:
                    found.append((fname, s["name"], row, code))
                counts = v is not None and route is not None and not copy and v["hh"][route] > 0
                if counts:
                    listed[(v["code"], route)] += 1
                    first_row.setdefault((v["code"], route), (fname, s["name"], row))
            if s.get("total_row"):
                assert cell(grid[s["total_row"]], 0) == "合计"
                assert cell(grid[s["total_row"]], ci["name"]) == "共%d户" % s["households"]
            if s.get("note_rows"):
                assert cell(grid[s["note_rows"][0]], 0).startswith("说明")
            assert max(grid) == (s.get("note_rows") or [s.get("total_row") or s["last_data_row"]])[-1], (fname, max(grid))
    exp = {(e["file"], e["sheet"], e["row"], e["code"]) for e in m["expected_findings"]}
    got = set(found)
    assert len(got) == len(found)
    if got != exp:
        log("missing:", sorted(exp - got)[:10])
        log("unexpected:", sorted(got - exp)[:10])
        raise AssertionError("findings differ from expected.json")
    # village counts
    vf = []
    for v in st["planned"]:
        for route in ROUTES:
            if v["hh"][route] > 0 and listed[(v["code"], route)] != v["hh"][route]:
                n = listed[(v["code"], route)]
                fr = first_row[(v["code"], route)]
                vf.append(("W_VILLAGE_FEWER_HOUSEHOLDS" if n < v["hh"][route] else "W_VILLAGE_MORE_HOUSEHOLDS",
                           v["code"], route, n, v["hh"][route]) + fr)
    expv = {(e["code"], e["village_code"], e["route"], e["listed"], e["planned"], e["file"], e["sheet"], e["row"])
            for e in m["village_findings"]}
    assert set(vf) == expv, (sorted(vf), sorted(expv))
    # counts
    for c, x in m["households_per_county"].items():
        assert per_county[c] == x["data_rows"], (c, per_county[c], x)
    # planted rows hold what expected.json says
    grids = {}
    for e in m["planted"]:
        f = [x for x in m["files"] if os.path.basename(x["file"]) == e["file"]][0]
        key = (e["file"], e["sheet"])
        if key not in grids:
            grids[key] = read_sheet(os.path.join(outdir, f["file"]), e["sheet"] or None)
        c = grids[key][e["row"]]
        ci = ord(e["column"]) - 65
        val = cell(c, ci)
        want = e["value"]
        if e["header"] in ("村代码", "统计用区划代码"):
            val, want = clean_code(val), clean_code(str(want)) if want is not None else None
        elif isinstance(want, str) and isinstance(parse_date(want), D):
            val = parse_date(val)
            want = D.fromisoformat(want)
        elif isinstance(want, int):
            val = int(float(val))
        assert val == want, (e, val)
    log("verified: %d household rows in %d lists, %d prior lists; %d row findings and %d village findings "
        "computed from the cells as read equal expected.json" % (
            sum(per_county.values()), len(m["files"]), len(m["prior"]), len(found), len(vf)))


# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------

def write_readme(outdir, m):
    t = m["totals"]
    L = []
    L.append("# 农村清洁取暖改造到户清单 sample household lists\n")
    L.append("Synthetic per-household lists (到户清单) of the %d planned villages of the sample plan, one per "
             "county, and the household lists of earlier years (2017-2021). Made by "
             "`data-samples/generate_households.py` from the GeoPackage that `cleanheat merge` writes from the "
             "plan samples, with a fixed seed (%d) and a fixed workbook date: re-running gives byte-identical "
             "files.\n" % (t["planned_villages"], SEED))
    L.append("```\ncd /work/main   # the repository root\n"
             "./build/tools/cleanheat merge data-samples/plans/* --villages data-samples/villages.gpkg \\\n"
             "    --heating data-samples/heating.xlsx -o /tmp/hh/merged.gpkg --overwrite --quiet"
             "   # exit code 1 is normal\n"
             "/usr/bin/python3 data-samples/generate_households.py /tmp/hh/merged.gpkg   # [--out DIR]\n```\n")
    L.append("Needs Debian's python3 with python3-gdal, python3-xlsxwriter and python3-xlwt (it shares "
             "`samplegen/names.py` and `samplegen/writers.py` with the plan samples). After writing, the script "
             "re-reads every file (GDAL for xlsx/xls, Python's csv for the GB18030 CSV), computes the findings "
             "from the cells as read with a small checker of its own, and compares them with `expected.json`. "
             "All names, ID numbers, phone numbers and companies are invented. Only the city scale exists so far "
             "(`--scale province` exits with a message). A run takes about 35 s (half of it the re-reading) "
             "and 0.5 GB of memory.\n")
    L.append("## Files\n")
    L.append("| file | county | format | sheets (header rows, data rows) | households |")
    L.append("| --- | --- | --- | --- | --- |")
    for f in m["files"]:
        sh = "; ".join("%s (%s, %d-%d)" % (s["name"] or "CSV, GB18030, CRLF", "/".join(map(str, s["header_rows"])),
                                           s["first_data_row"], s["last_data_row"]) for s in f["sheets"])
        L.append("| `%s` | %s %s | %s | %s | %d |" % (f["file"], f["county_code"],
                                                     m["layouts"][f["county_code"]]["county_name"], f["format"], sh,
                                                     sum(s["households"] for s in f["sheets"])))
    for p in m["prior"]:
        L.append("| `%s` | all (县（市、区） column) | xlsx | %s (%d, %d-%d) | %d |" % (
            p["file"], p["sheet"], p["header_row"], p["first_data_row"], p["last_data_row"], p["households"]))
    L.append("")
    L.append("Every 2022 list: row 1 a merged title `<县市区>2022年农村清洁取暖改造到户清单`, row 2 "
             "`填报单位：<县市区>清洁取暖办 … 填报日期：2022年10月15日`, then the header (one row; two rows in 惠民县), "
             "then one row per household, sorted by township, village code and route. 无棣县 splits its "
             "townships over two sheets, each with its own title, 填报 line and header (序号 restarts). 博兴县 "
             "ends with a 合计 row (合计 merged over the columns before 户主姓名, `共N户` under it), a blank row and "
             "a 说明 line.\n")
    L.append("### Columns per county\n")
    for code, lay in m["layouts"].items():
        hdr = []
        cols = lay["columns"]
        i = 0
        while i < len(cols):
            c = cols[i]
            if c["subheader"]:
                grp = [x["subheader"] for x in cols if x["header"] == c["header"] and x["subheader"]]
                hdr.append("%s (%s)" % (c["header"], " \\| ".join(grp)))
                i += len(grp)
            else:
                hdr.append(c["header"])
                i += 1
        L.append("- **%s %s** (%s, %s): %s." % (code, lay["county_name"], lay["format"],
                                                 " / ".join(lay["sheets"]) or "CSV", " | ".join(hdr)))
        L.append("  Codes: %s; village names %s; townships %s; dates %s; %s; phones as %s; 是否放弃改造 %s." % (
            lay["codes"], lay["village_names"], lay["townships"], lay["dates"], lay["routes"], lay["phones"],
            "否 or 是" if lay["declined_no"] else "empty or 是"))
    L.append("")
    L.append("Values: names from common (mostly Shandong) surnames, a few two-character surnames; 18-character "
             "resident ID numbers (GB 11643: area code = county code, birth date 1940-1995, 3-digit sequence, "
             "check digit), always text cells; mobile numbers 1[3-9] + 9 digits; 门牌号 `段家庄村45号`, 家庭住址 with "
             "the township in front; one invented construction company per village and route; dates from "
             "2022-06-01 to 2022-10-15. 困难类别 (低保, 特困, 低保边缘) on about 4 % of the households. "
             "以前年度改造年份 is empty except on two planted rows.\n")
    s = t["status"]
    L.append("Household status (all lists): %s.\n" % ", ".join("%s %d" % (k, n) for k, n in s.items()))
    L.append("### Prior years (`prior/`)\n")
    L.append("`<year>年农村清洁取暖改造户名单.xlsx`, 2017-2021: one sheet `<year>年`, title, 填报 line, header "
             "序号 | 改造年度 | 县（市、区） | 乡镇（街道） | 村（居） | 村代码 (text) | 户主姓名 | 身份证号 | 联系电话 | "
             "改造方式, and for 2017-2019 also 用气量（立方米） | 用电量（千瓦时） | 生物质用量（吨） (the 2022-2023 "
             "season's use, filled only in the column of the household's route: gas 300-1500, electricity "
             "1500-8000, biomass 1.0-4.0; 集中供热 households have none). Villages are any villages of the city, "
             "planned in 2022 or not. Their IDs differ from all 2022 IDs except the six planted repeats.\n")
    L.append("## Planted faults and expected findings\n")
    L.append("Each planted row has exactly one fault and lies in its own village; those villages have no "
             "declined, failed or pledge-less households. `expected.json` → `planted` gives file, sheet, row, "
             "column letter, header, the value as written (dates ISO), village code and ID.\n")
    L.append("| code | file | sheet | row | column | what |")
    L.append("| --- | --- | --- | --- | --- | --- |")
    for e in m["planted"]:
        L.append("| `%s` | %s | %s | %d | %s %s | %s |" % (e["code"], e["file"], e["sheet"] or "-", e["row"],
                                                          e["column"], e["header"], e["what"]))
    for e in m["village_findings"]:
        L.append("| `%s` | %s | %s | %d | - | village %s %s, %s: %d listed, %d planned (row = its first %s row) |" % (
            e["code"], e["file"], e["sheet"] or "-", e["row"], e["village_code"], e["village_name"], e["route"],
            e["listed"], e["planned"], e["route"]))
    L.append("")
    L.append("Not faults, but findings on ordinary rows (all listed in `expected_findings`): "
             "`W_HOUSEHOLD_DECLINED` %d (是否放弃改造 = 是), `W_ACCEPT_FAILED` %d (验收结果 不合格), "
             "`W_PLEDGE_MISSING` %d (合格 or 整改后合格 without 承诺书签订日期).\n" % (
                 t["findings_by_code"]["W_HOUSEHOLD_DECLINED"], t["findings_by_code"]["W_ACCEPT_FAILED"],
                 t["findings_by_code"]["W_PLEDGE_MISSING"]))
    L.append("Expected row findings by code: %s. Village findings: %s.\n" % (
        ", ".join("%s %d" % (c, n) for c, n in t["findings_by_code"].items()),
        ", ".join("%s %d" % (c, n) for c, n in t["village_findings_by_code"].items())))
    L.append("## expected.json\n")
    L.append("- `rules`: the exact definitions behind the expected results (rows, IDs, dates, village counts);")
    L.append("- `layouts[county]`: columns (letter, key, header, subheader), codes, names, dates, routes;")
    L.append("- `files[]`: `file` (relative path), `county_code`, `format`, `encoding`, `sheets[]` with `name` "
             "(empty for the CSV), `title_row`, `header_rows`, `first_data_row`, `last_data_row`, `households` "
             "(data rows), `total_row` and `note_rows` where present;")
    L.append("- `households_per_county[code]`: `planned`, `data_rows`, `distinct` (without E_HOUSEHOLD_TWICE "
             "copies), `counted` (towards the plan); `totals`: %d planned, %d data rows, %d distinct, %d "
             "counted, %d prior households, statuses, findings by code;" % (
                 t["planned_households"], t["data_rows"], t["distinct_households"], t["households_counted"],
                 t["prior_households"]))
    L.append("- `prior[]`: file, year, sheet, header_row, first/last data row, households, by_route, columns;")
    L.append("- `planted[]`: the planted row faults (code, file, sheet, row, column, header, value, village_code, "
             "id, what; `first_row` of a twice pair, `prior` file/row/year of a repeat);")
    L.append("- `village_findings[]`: code, village_code, village_name, route, listed, planned, file, sheet, row "
             "(first row of that village and route), column null;")
    L.append("- `expected_findings[]`: every row finding {file, sheet, row, code}: the planted faults and the "
             "W_HOUSEHOLD_DECLINED / W_ACCEPT_FAILED / W_PLEDGE_MISSING rows. No other row of the lists "
             "should get a finding.\n")
    with open(os.path.join(outdir, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(L))


def main():
    ap = argparse.ArgumentParser(description="Write sample household lists (到户清单).")
    ap.add_argument("merged", help="merged GeoPackage (cleanheat merge output) with layer villages")
    ap.add_argument("--out", help="output folder (default: data-samples/households; province: "
                                  "data-samples/large/households, which git ignores)")
    ap.add_argument("--scale", choices=["city", "province"], default="city",
                    help="city: the merged city samples, all planned villages; province: the merged "
                         "generate.py --scale province data, the planned villages in code order up to --households")
    ap.add_argument("--households", type=int, default=2000000,
                    help="province scale: households to list, about (default: 2000000)")
    ap.add_argument("--no-verify", action="store_true", help="skip re-reading the files")
    args = ap.parse_args()
    province = args.scale == "province"
    if args.out is None:
        args.out = os.path.join(HERE, "large", "households") if province else os.path.join(HERE, "households")
    t0 = time.time()
    st = make(args.merged, args.out, args.households if province else None)
    m = manifest(st, args.merged)
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as f:
        f.write(dump_json(m))
    if province:
        write_readme_province(args.out, m)
    else:
        write_readme(args.out, m)
    t = m["totals"]
    log("wrote %d lists (%d household rows, %d planned) and %d prior lists (%d households) into %s in %.1f s" % (
        len(m["files"]), t["data_rows"], t["planned_households"], len(m["prior"]), t["prior_households"],
        args.out, time.time() - t0))
    log("findings: " + ", ".join("%s %d" % (c, n) for c, n in t["findings_by_code"].items()))
    if not args.no_verify:
        check_outputs(args.out, m, st)
        log("total %.1f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
