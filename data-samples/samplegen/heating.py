"""附件2: new district-heating floor area in the city and county towns (heating.xlsx)."""

import collections
import os

from .common import AREA_TOTAL_HUNDREDTHS
from .writers import Grid, write_xlsx


HEATING_ROWS = [  # (unit as written, county code or None for a development zone, heat source, 备注)
    ("滨城区", "371602", "热电联产", "主城区管网延伸"),
    ("滨城区", "371602", "工业余热", ""),
    ("沾化", "371603", "热电联产", ""),
    ("惠民县", "371621", "生物质热电", "含县城老旧小区"),
    ("阳信", "371622", "热电联产", ""),
    ("无棣县", "371623", "热电联产", ""),
    ("无棣县", "371623", "燃气锅炉房", "调峰热源"),
    ("博兴", "371625", "工业余热", ""),
    ("邹平市", "371681", "热电联产", ""),
    ("滨州经济技术开发区", None, "热电联产", "市属开发区"),
]


def make_heating(outdir, rng):
    n = len(HEATING_ROWS)
    w = rng.uniform(0.5, 1.5, n)
    w[[1, 6]] *= 0.35      # the second heat source of a county is the smaller one
    vals = []
    for i in range(n - 1):
        x = AREA_TOTAL_HUNDREDTHS * w[i] / w.sum()
        gran = [100, 10, 1][i % 3]          # whole, one or two decimals
        vals.append(int(round(x / gran)) * gran)
    vals.append(AREA_TOTAL_HUNDREDTHS - sum(vals))
    assert vals[-1] > 0 and sum(vals) == AREA_TOTAL_HUNDREDTHS
    g = Grid("附件2")
    g.widths = {0: 8, 1: 22, 2: 24, 3: 16, 4: 22}
    g.put(0, 0, "附件2", "info")
    g.merge(1, 0, 1, 4, "2022年城市（县城）新增集中供热计划表", "title")
    g.merge(2, 0, 2, 4, "单位：万平方米", "unit")
    for c, h in enumerate(["序号", "县（市、区）", "新增集中供热面积（万平方米）", "热源", "备注"]):
        g.put(3, c, h, "header")
    g.header_rows = (3, 3)
    r = 4
    seq = 0
    i = 0
    by_unit = collections.Counter()
    rows = []
    while i < n:
        unit = HEATING_ROWS[i][0]
        span = 1
        while i + span < n and HEATING_ROWS[i + span][0] == unit:
            span += 1
        seq += 1
        if span > 1:
            g.merge(r, 0, r + span - 1, 0, seq, "center")
            g.merge(r, 1, r + span - 1, 1, unit, "center")
        else:
            g.put(r, 0, seq, "center")
            g.put(r, 1, unit, "center")
        for j in range(span):
            _, code, src, note = HEATING_ROWS[i + j]
            v = vals[i + j]
            g.put(r + j, 2, v // 100 if v % 100 == 0 else v / 100.0, "num2")
            g.put(r + j, 3, src, "center")
            g.put(r + j, 4, note or None, "text")
            by_unit[code or unit] += v * 100        # hundredths of 万 m2 -> m2
            rows.append({"row": r + j + 1, "unit": unit, "county_code": code, "area_m2": v * 100,
                         "heat_source": src})
        r += span
        i += span
    g.merge(r, 0, r, 1, "合计", "sum")
    g.put(r, 2, AREA_TOTAL_HUNDREDTHS // 100, "sum2")
    g.put(r, 3, None, "sum")
    g.put(r, 4, None, "sum")
    write_xlsx(os.path.join(outdir, "heating.xlsx"), [g])
    total = sum(by_unit.values())
    assert total == AREA_TOTAL_HUNDREDTHS * 100 == 2920000
    return total, dict(by_unit), rows
