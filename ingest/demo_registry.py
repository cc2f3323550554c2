"""A synthetic employer registry for the Qingdao demo (illustrative, generated).

:func:`generate_registry` makes tens of thousands of employers placed in the
demo grid's village cells, with everything a real labour-inspection export
has and the faults real exports have; :func:`write_registry` writes them, one
file per county bureau, in the formats and encodings such exports come in.
Every employer is invented; place names are real (NBS 2023 list and, for
historical names, the 2016 list).

What a row carries
------------------
* **Who**: a name in the styles registers use (``青岛XX服装有限公司``,
  ``黄岛区XX小吃店``), a valid unified social credit code
  (:func:`ingest.uscc.make_uscc`) whose registration-area code is the true
  county for about 85 % of rows, the city (370200) or an old county code
  (370282 即墨市, 370284 胶南市) for about 8 %, another Qingdao county for
  about 5 % and another province for about 2 %; a legal representative and a
  phone number.
* **What**: a GB/T 4754-2017 industry (:data:`INDUSTRIES`) for one of the
  campaign target types of the seeds (小作坊, 小砖窑, 小矿山, garment and toy
  processing, catering, construction, entertainment venues, live-streaming,
  labour dispatch and overseas-labour agencies) or an ordinary employer;
  economic type; staff counts that obey the register's rules (staff = men +
  women; staff >= on post >= migrant workers; signed <= required <= staff;
  insured <= staff); an update date, some of them stale (> 6 months).
* **Where**: a true point drawn uniformly inside a village cell (weights:
  urban communities denser than rural villages, campaign types where they
  occur); about 3 % of employers sit in the six development-zone towns
  without geometry and have an address only.  Addresses follow the formats
  of real registers (:data:`ADDRESS_FORMATS`), some with full-width digits;
  about 9 % use historical names: 即墨市 / 胶南市, towns renamed since 2016
  (王台镇, 蓝村镇...), villages merged away in 2019-2021.  The registered
  address mostly equals the operating address; some employers are
  registered in another county or province.  Coordinates come in mixed
  datums: about 45 % WGS-84/CGCS2000, 25 % GCJ-02, 10 % BD-09, 20 % missing.
* **Faults**: about 3 % of rows carry one deliberate defect
  (:data:`DEFECTS`).

:attr:`RegistryDemo.truth` records, per row, the true cells and point, how
the row was written and which defect it carries; it is for accuracy checks
and never part of the registry.

Everything is deterministic: one seeded :class:`numpy.random.Generator`
stream per aspect, no iteration over sets or unordered dicts, a fixed
reference date (:data:`AS_OF`).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from grid.coords import wgs84_to_bd09, wgs84_to_gcj02
from grid.errors import GridBuildError
from ingest.divisions import HISTORICAL_VERSION, division_files
from ingest.uscc import ALPHABET, make_uscc, uscc_check_char

# --------------------------------------------------------------------------
# public constants

#: Column headers of the registry, as real exports write them.
HEADERS: Final[tuple[str, ...]] = (
    "单位名称",
    "统一社会信用代码",
    "注册地址",
    "生产经营地址",
    "经度",
    "纬度",
    "坐标系",
    "行业代码",
    "行业名称",
    "经济类型",
    "重点类别",
    "职工人数",
    "男",
    "女",
    "在岗人数",
    "农民工人数",
    "应签合同人数",
    "劳动合同签订人数",
    "参保人数",
    "法定代表人",
    "联系电话",
    "更新日期",
)
#: Head-count columns (integers).
COUNT_HEADERS: Final[tuple[str, ...]] = HEADERS[11:19]

#: Reference date: update dates fall in the two years before it.
AS_OF: Final = dt.date(2026, 9, 30)
#: Data older than this many days is stale (the six-month refresh rule).
STALE_DAYS: Final = 183

#: Truth columns, one row per registry row.
TRUTH_COLUMNS: Final[tuple[str, ...]] = (
    "row",
    "uscc",
    "true_uscc",
    "true_name",
    "category",
    "county_code",
    "county_name",
    "township_code",
    "village_code",
    "has_geometry",
    "lon",
    "lat",
    "crs",
    "crs_label",
    "address_format",
    "historical",
    "historical_names",
    "registered_county_code",
    "registered_elsewhere",
    "uscc_area",
    "uscc_area_kind",
    "uscc_area_matches",
    "stale",
    "defects",
    "duplicate_of",
)

#: Deliberate defects (names follow :data:`ingest.registry.KINDS` where one
#: exists): kind -> (Chinese, English).
DEFECTS: Final[dict[str, tuple[str, str]]] = {
    "uscc_check": ("统一社会信用代码校验位错误", "wrong check character"),
    "uscc_malformed": ("统一社会信用代码格式错误", "malformed credit code"),
    "uscc_duplicate": ("统一社会信用代码重复", "credit code used by an earlier row"),
    "name_missing": ("缺少单位名称", "name missing"),
    "coord_swapped": ("经纬度颠倒", "longitude and latitude swapped"),
    "coord_out_of_range": ("坐标超出范围", "coordinates out of range"),
    "staff_sum": ("男女人数之和不等于职工人数", "men + women differ from staff"),
    "migrant_gt_on_post": ("农民工人数大于在岗人数", "migrant workers exceed on-post"),
    "signed_gt_required": ("签订合同人数大于应签人数", "signed exceed required"),
    "date_invalid": ("更新日期无法识别", "unparseable update date"),
    "crs_unknown": ("坐标系无法识别", "unknown coordinate system"),
}
#: Defects that need coordinates on the row.
_COORD_DEFECTS: Final = ("coord_swapped", "coord_out_of_range", "crs_unknown")

#: Address formats (truth ``address_format``) with an example each.
ADDRESS_FORMATS: Final[dict[str, str]] = {
    "full": "山东省青岛市黄岛区辛安街道前湾港路123号",
    "city": "青岛市黄岛区王台街道后石沟村",
    "county": "黄岛区灵山卫街道海滨路8号",
    "short": "青岛黄岛辛安街道前湾港路123号",
    "town": "辛安街道后石沟村26号",
    "road": "青岛市市南区香港中路10号3号楼1201室 (no township)",
    "xihaian": "青岛西海岸新区王台街道后石沟村",
    "province": "北京市朝阳区建国路88号 (registered in another province)",
}

#: Declared datum labels per datum (truth ``crs``) and their weights.
CRS_LABELS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "wgs84": (("WGS84", 0.6), ("wgs84", 0.15), ("EPSG:4326", 0.25)),
    "cgcs2000": (("CGCS2000", 0.55), ("EPSG:4490", 0.45)),
    "gcj02": (("GCJ02", 0.5), ("高德", 0.3), ("火星坐标", 0.2)),
    "bd09": (("BD09", 0.6), ("百度", 0.4)),
}
#: Target shares of the datums over all rows ("none": no coordinates).
CRS_SHARES: Final[dict[str, float]] = {
    "wgs84": 0.27,
    "cgcs2000": 0.18,
    "gcj02": 0.25,
    "bd09": 0.10,
    "none": 0.20,
}
_BAD_CRS: Final = ("北京54", "西安80", "XIAN80", "EPSG:3857", "自定义坐标", "未知")

#: Target shares of the USCC registration-area kinds.
USCC_AREA_SHARES: Final[dict[str, float]] = {
    "true_county": 0.85,
    "city_or_old": 0.08,
    "other_county": 0.05,
    "other_province": 0.02,
}

#: Share of employers in towns without geometry (address only).
NO_GEOMETRY_SHARE: Final = 0.03
#: Share of rows whose address uses historical names.
HISTORICAL_SHARE: Final = 0.09
#: Share of rows with a deliberate defect.
DEFECT_SHARE: Final = 0.03

CITY_CODE: Final = "370200"
#: County codes of today -> their code and name before a reform.
OLD_COUNTIES: Final[dict[str, tuple[str, str]]] = {
    "370215": ("370282", "即墨市"),
    "370211": ("370284", "胶南市"),
}
#: Towns of today's 黄岛区 that belonged to the former 胶南市 (370284).
JIAONAN_TOWNS: Final[tuple[str, ...]] = (
    "370211007",
    "370211009",
    "370211010",
    "370211011",
    "370211012",
    "370211013",
    "370211014",
    "370211015",
    "370211102",
    "370211103",
    "370211104",
    "370211105",
    "370211106",
    "370211107",
    "370211108",
    "370211109",
)

#: Registration areas in other provinces and how their addresses start.
OTHER_PROVINCES: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    ("110105", "北京市朝阳区", ("建国路", "东三环中路", "酒仙桥路")),
    ("110108", "北京市海淀区", ("中关村大街", "学院路", "西三环北路")),
    ("120116", "天津市滨海新区", ("第二大街", "响螺湾路")),
    ("310115", "上海市浦东新区", ("张杨路", "世纪大道", "金桥路")),
    ("320583", "江苏省昆山市", ("前进中路", "长江北路")),
    ("330106", "浙江省杭州市西湖区", ("文三路", "古墩路")),
    ("440305", "广东省深圳市南山区", ("科技园路", "南海大道")),
    ("370102", "山东省济南市历下区", ("经十路", "泉城路")),
)

# --------------------------------------------------------------------------
# industries and campaign categories


@dataclass(frozen=True)
class Industry:
    """One GB/T 4754-2017 class used by the generator.

    Attributes
    ----------
    code : str
        Section letter + 4-digit class (``"C3031"``).
    name : str
        Class name in the standard.
    words : tuple of str
        Words for employer names (``"砖厂"``, ``"建材厂"``).
    factory : bool
        Manufacturing that may have large plants (500-5,000 staff).
    """

    code: str
    name: str
    words: tuple[str, ...]
    factory: bool = False


def _ind(code: str, name: str, *words: str, factory: bool = False) -> Industry:
    return Industry(code, name, words, factory)


#: GB/T 4754-2017 classes used, keyed by code.  劳务派遣服务 is L7263 (L7262 is
#: 职业中介服务); the standard has no class for 对外劳务合作, whose agencies
#: register under L7269 其他人力资源服务; bars are H6233 酒吧服务, KTV R9011.
#: Every code and name was checked against the standard's own table of
#: GB/T 4754-2011 -> 2017 correspondences (its appendix B), as
#: extracted in github.com/robin621/gbcrosswalk,
#: inst/raw-crosswalks/GB_2011_2017_raw.csv, and cross-checked against other
#: public copies of the 2017 class list.  Only 4-digit classes are valid
#: codes: 499 其他建筑安装业 is a group split into 4991 and 4999.
INDUSTRIES: Final[dict[str, Industry]] = {
    i.code: i
    for i in (
        _ind("C1371", "蔬菜加工", "食品加工坊", "蔬菜加工厂", "食品"),
        _ind("C1362", "鱼糜制品及水产品干腌制加工",
             "海产品加工厂", "水产加工坊", "海产品"),
        _ind("C1392", "豆制品制造", "豆制品加工坊", "豆腐坊", "食品"),
        _ind("C1411", "糕点、面包制造", "糕点坊", "食品厂", "食品"),
        _ind("C1431", "米、面制品制造", "面食加工坊", "馒头房", "食品"),
        _ind("C1761", "针织或钩针编织物织造", "针织厂", "织布厂", "针织", "纺织"),
        _ind("C1952", "皮鞋制造", "鞋厂", "制鞋加工厂", "鞋业"),
        _ind("C2021", "胶合板制造", "木业加工厂", "板材厂", "木业"),
        _ind("C2110", "木质家具制造", "家具厂", "木器加工厂", "家具", "木业"),
        _ind("C2927", "日用塑料制品制造", "塑料制品厂", "塑料加工厂", "塑业"),
        _ind("C2439", "其他工艺美术及礼仪用品制造",
             "工艺品厂", "发制品加工厂", "工艺品"),
        _ind("C3031", "粘土砖瓦及建筑砌块制造", "砖厂", "页岩砖厂", "建材", "新型建材"),
        _ind("B1019", "粘土及其他土砂石开采", "采石场", "石子厂", "矿业", "石料"),
        _ind("B1012", "建筑装饰用石开采", "石材厂", "石料厂", "石材", "矿业"),
        _ind("B0921", "金矿采选", "金矿", "黄金矿业"),
        _ind("B1092", "石墨、滑石采选", "石墨矿", "石墨"),
        _ind("C1819", "其他机织服装制造", "服装加工厂", "制衣厂", "服装", "服饰",
             factory=True),
        _ind("C1829", "其他针织或钩针编织服装制造", "针织服装厂", "针织服装", "针织",
             factory=True),
        _ind("C1830", "服饰制造", "服饰加工厂", "服饰", "帽业", factory=True),
        _ind("C2452", "塑胶玩具制造", "玩具厂", "玩具", "塑胶制品", factory=True),
        _ind("C2455", "娃娃玩具制造", "玩具厂", "玩具", "工艺玩具", factory=True),
        _ind("C2459", "其他玩具制造", "玩具加工厂", "玩具", "工艺品", factory=True),
        _ind("H6210", "正餐服务", "饭店", "酒楼", "大酒店", "餐饮"),
        _ind("H6220", "快餐服务", "快餐店", "餐饮管理"),
        _ind("H6291", "小吃服务", "小吃店", "水饺馆", "面馆", "包子铺", "餐饮"),
        _ind("H6299", "其他未列明餐饮业", "烧烤店", "海鲜烧烤店", "排档", "餐饮"),
        _ind("H6241", "餐饮配送服务", "餐饮配送", "团餐服务"),
        _ind("E4710", "住宅房屋建筑", "建筑工程", "建设工程", "建安"),
        _ind("E4790", "其他房屋建筑业", "建筑工程", "建筑安装工程"),
        _ind("E4813", "市政道路工程建筑", "市政工程", "路桥工程"),
        _ind("E4910", "电气安装", "电气安装工程", "机电安装"),
        _ind("E4999", "其他建筑安装", "安装工程", "钢结构工程"),
        _ind("E5012", "住宅装饰和装修", "装饰工程", "装饰装修"),
        _ind("R9011", "歌舞厅娱乐活动", "KTV", "量贩式KTV", "娱乐会所", "文化娱乐"),
        _ind("R9013", "网吧活动", "网吧", "网咖", "网络科技"),
        _ind("R9019", "其他室内娱乐活动", "棋牌室", "娱乐城", "剧本杀馆", "文化娱乐"),
        _ind("H6233", "酒吧服务", "酒吧", "清吧", "音乐酒吧", "餐饮管理"),
        _ind("I6429", "互联网其他信息服务", "直播工作室", "文化传媒", "网络科技"),
        _ind("L7251", "互联网广告服务", "文化传媒", "电子商务", "传媒"),
        _ind("L7263", "劳务派遣服务", "劳务派遣", "人力资源", "劳务服务"),
        _ind("L7262", "职业中介服务", "职业介绍所", "人力资源", "就业服务"),
        _ind("L7269", "其他人力资源服务", "国际经济技术合作", "对外劳务合作"),
        _ind("C1513", "啤酒制造", "啤酒", "精酿啤酒", factory=True),
        _ind("C1361", "水产品冷冻加工", "水产", "食品", factory=True),
        _ind("C2319", "包装装潢及其他印刷", "印刷", "包装", "印刷厂", factory=True),
        _ind("C3311", "金属结构制造", "钢结构", "金属制品", factory=True),
        _ind("C3484", "机械零部件加工", "机械", "精密机械", "机械加工厂", factory=True),
        _ind("C3670", "汽车零部件及配件制造", "汽车配件", "汽车部件", factory=True),
        _ind("C3851", "家用制冷电器具制造", "电器", "制冷设备", factory=True),
        _ind("C3982", "电子电路制造", "电子", "电子科技", factory=True),
        _ind("F5212", "超级市场零售", "超市", "便利店", "商贸"),
        _ind("G6020", "快递服务", "快递", "速递", "快递服务部"),
        _ind("H6121", "经济型连锁酒店", "宾馆", "快捷酒店", "酒店管理"),
        _ind("K7020", "物业管理", "物业管理", "物业服务"),
        _ind("L7212", "投资与资产管理", "投资", "资产管理"),
        _ind("O8111", "汽车修理与维护", "汽修厂", "汽车维修", "汽车服务"),
        _ind("O8040", "理发及美容服务", "美发店", "美容院", "美容美发"),
        _ind("I6513", "应用软件开发", "软件", "信息技术"),
        _ind("A0411", "海水养殖", "养殖场", "水产养殖", "海珍品养殖"),
    )
}  # fmt: skip
#: Last characters of words that name a shop or works (no 有限公司 after them).
_SHOP_ENDINGS: Final = (*"厂店坊馆铺房场矿吧室城院所档市部", "KTV", "网咖")


@dataclass(frozen=True)
class Category:
    """A campaign target type (重点类别) and how its employers look.

    Attributes
    ----------
    key : str
        English key (truth ``category``).
    label : str
        Value of the 重点类别 column (``""`` for ordinary employers).
    share : float
        Share of all employers.
    industries : tuple of (code, weight)
    urban, rural : float
        Location weight of a community (社区) and of a village (村).
    counties : tuple of (county code, multiplier)
        Multipliers of the city-wide county shares (others: 1).
    staff : (median, sigma, low, high)
        Log-normal staff size, clipped.
    individual : float
        Share of 个体工商户.
    female, migrant, signed, insured : float
        Mean shares of women, migrant workers, contracts signed, insured.
    """

    key: str
    label: str
    share: float
    industries: tuple[tuple[str, float], ...]
    urban: float
    rural: float
    counties: tuple[tuple[str, float], ...]
    staff: tuple[float, float, int, int]
    individual: float
    female: float
    migrant: float
    signed: float
    insured: float


_RURAL_COUNTIES = (
    ("370202", 0.0),
    ("370203", 0.0),
    ("370213", 0.2),
    ("370212", 0.5),
    ("370283", 2.5),
    ("370285", 2.0),
    ("370281", 1.2),
)

#: The categories, in a fixed order; shares add up to 1.
CATEGORIES: Final[tuple[Category, ...]] = (
    Category(
        key="workshop",
        label="小作坊",
        share=0.08,
        industries=(
            ("C1371", 1),
            ("C1362", 1.5),
            ("C1392", 1.5),
            ("C1411", 1),
            ("C1431", 1.5),
            ("C1761", 1),
            ("C1952", 1),
            ("C2021", 1),
            ("C2110", 1.5),
            ("C2927", 1),
            ("C2439", 1.5),
        ),
        urban=0.3,
        rural=1.0,
        counties=(),
        staff=(8, 0.6, 3, 40),
        individual=0.5,
        female=0.5,
        migrant=0.5,
        signed=0.55,
        insured=0.35,
    ),
    Category(
        key="brick_kiln",
        label="小砖窑",
        share=0.006,
        industries=(("C3031", 1),),
        urban=0.0,
        rural=1.0,
        counties=_RURAL_COUNTIES,
        staff=(25, 0.5, 8, 120),
        individual=0.1,
        female=0.2,
        migrant=0.75,
        signed=0.45,
        insured=0.25,
    ),
    Category(
        key="mine",
        label="小矿山",
        share=0.006,
        industries=(("B1019", 3), ("B1012", 2), ("B0921", 1), ("B1092", 1)),
        urban=0.0,
        rural=1.0,
        counties=_RURAL_COUNTIES,
        staff=(30, 0.6, 8, 200),
        individual=0.05,
        female=0.08,
        migrant=0.7,
        signed=0.5,
        insured=0.35,
    ),
    Category(
        key="garment",
        label="服装加工",
        share=0.05,
        industries=(("C1819", 3), ("C1829", 2), ("C1830", 1)),
        urban=0.6,
        rural=1.0,
        counties=(("370281", 1.5), ("370215", 1.5)),
        staff=(45, 0.9, 5, 800),
        individual=0.15,
        female=0.75,
        migrant=0.6,
        signed=0.7,
        insured=0.5,
    ),
    Category(
        key="toy",
        label="玩具加工",
        share=0.015,
        industries=(("C2452", 2), ("C2455", 1), ("C2459", 1)),
        urban=0.5,
        rural=1.0,
        counties=(("370283", 1.5), ("370285", 1.3)),
        staff=(50, 0.9, 5, 800),
        individual=0.1,
        female=0.65,
        migrant=0.6,
        signed=0.7,
        insured=0.5,
    ),
    Category(
        key="catering",
        label="餐饮",
        share=0.12,
        industries=(
            ("H6210", 3),
            ("H6220", 2),
            ("H6291", 4),
            ("H6299", 2),
            ("H6241", 0.5),
        ),
        urban=5.0,
        rural=0.8,
        counties=(),
        staff=(8, 0.8, 2, 150),
        individual=0.65,
        female=0.55,
        migrant=0.5,
        signed=0.6,
        insured=0.4,
    ),
    Category(
        key="construction",
        label="建筑施工",
        share=0.06,
        industries=(
            ("E4710", 2),
            ("E4790", 1),
            ("E4813", 1),
            ("E4910", 1),
            ("E4999", 1),
            ("E5012", 1.5),
        ),
        urban=3.0,
        rural=1.0,
        counties=(),
        staff=(40, 1.0, 5, 1500),
        individual=0.0,
        female=0.1,
        migrant=0.8,
        signed=0.75,
        insured=0.55,
    ),
    Category(
        key="entertainment",
        label="娱乐场所",
        share=0.03,
        industries=(("R9011", 3), ("R9013", 1.5), ("R9019", 1.5), ("H6233", 2)),
        urban=6.0,
        rural=0.4,
        counties=(("370202", 1.5), ("370203", 1.3)),
        staff=(15, 0.6, 3, 120),
        individual=0.3,
        female=0.55,
        migrant=0.45,
        signed=0.6,
        insured=0.4,
    ),
    Category(
        key="live_streaming",
        label="网络直播",
        share=0.015,
        industries=(("I6429", 2), ("L7251", 1)),
        urban=6.0,
        rural=0.3,
        counties=(("370211", 1.3), ("370212", 1.3)),
        staff=(10, 0.8, 3, 150),
        individual=0.05,
        female=0.6,
        migrant=0.3,
        signed=0.6,
        insured=0.5,
    ),
    Category(
        key="labour_dispatch",
        label="劳务派遣",
        share=0.015,
        industries=(("L7263", 4), ("L7262", 1)),
        urban=5.0,
        rural=0.4,
        counties=(),
        staff=(12, 0.7, 3, 80),
        individual=0.0,
        female=0.45,
        migrant=0.3,
        signed=0.8,
        insured=0.7,
    ),
    Category(
        key="overseas_labour",
        label="对外劳务合作",
        share=0.003,
        industries=(("L7269", 1),),
        urban=5.0,
        rural=0.2,
        counties=(("370211", 2.0),),
        staff=(10, 0.6, 3, 50),
        individual=0.0,
        female=0.45,
        migrant=0.2,
        signed=0.85,
        insured=0.8,
    ),
    Category(
        key="ordinary",
        label="",
        share=0.6,
        industries=(
            ("C1513", 0.3),
            ("C1361", 1),
            ("C2319", 1),
            ("C3311", 1),
            ("C3484", 1.5),
            ("C3670", 1),
            ("C3851", 0.5),
            ("C3982", 1),
            ("F5212", 3),
            ("G6020", 1.5),
            ("H6121", 1.5),
            ("K7020", 2),
            ("L7212", 1.5),
            ("O8111", 2),
            ("O8040", 3),
            ("I6513", 2),
            ("A0411", 0.5),
        ),
        urban=4.0,
        rural=1.0,
        counties=(),
        staff=(12, 1.0, 3, 600),
        individual=0.3,
        female=0.45,
        migrant=0.3,
        signed=0.85,
        insured=0.75,
    ),
)

#: City-wide share of employers per county (before category multipliers).
COUNTY_SHARES: Final[dict[str, float]] = {
    "370202": 0.07,
    "370203": 0.10,
    "370211": 0.24,
    "370212": 0.06,
    "370213": 0.07,
    "370214": 0.13,
    "370215": 0.11,
    "370281": 0.09,
    "370283": 0.07,
    "370285": 0.06,
}

#: Probability that a factory-type employer is a large plant (500-5,000).
_LARGE_SHARE: Final = 0.04

# --------------------------------------------------------------------------
# names, people, phones, roads

_TRADE_CHARS = (
    "鑫华宏泰盛源海诚信达恒丰瑞金隆祥利通顺嘉德福兴润昌永佳凯博晟汇聚远航中百"
    "发明东宇辰晨创新天正元和美康乐益安邦腾飞龙凤鹏锦绣宏图众合佳禾青岛崂琴益"
)
_SURNAMES = (
    ("王", 9.0), ("张", 7.5), ("李", 7.0), ("刘", 6.0), ("孙", 3.5), ("于", 3.0),
    ("姜", 2.8), ("董", 2.2), ("高", 2.2), ("杨", 2.0), ("赵", 2.0), ("陈", 2.0),
    ("徐", 1.8), ("宋", 1.5), ("丁", 1.3), ("郭", 1.3), ("薛", 1.2), ("马", 1.2),
    ("周", 1.2), ("林", 1.1), ("崔", 1.0), ("韩", 1.0), ("吕", 0.9), ("曲", 0.9),
    ("隋", 0.8), ("纪", 0.8), ("修", 0.6), ("逄", 0.5), ("宫", 0.5), ("臧", 0.5),
    ("匡", 0.4), ("黄", 0.8), ("吴", 0.8), ("朱", 0.7), ("胡", 0.7), ("邹", 0.6),
)  # fmt: skip
_GIVEN_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健浩洋凯峰松林海东春建国志红丽娜静"
    "敏燕艳霞娟芳秀玲英梅兰凤洁琳雪婷倩颖晓宇浩然子涵欣怡思文博俊"
)
_ROADS: Final[dict[str, tuple[str, ...]]] = {
    "370202": ("香港中路", "香港西路", "山东路", "南京路", "福州南路", "东海西路",
               "中山路", "湛山二路", "宁夏路", "江西路"),
    "370203": ("辽宁路", "延安三路", "台东一路", "威海路", "敦化路", "重庆南路",
               "鞍山路", "四流南路", "哈尔滨路", "南京路"),
    "370211": ("长江中路", "前湾港路", "江山中路", "井冈山路", "黄河东路", "峨眉山路",
               "珠江路", "灵山湾路", "双珠路", "香江路", "昆仑山路", "海滨大道"),
    "370212": ("松岭路", "海尔路", "株洲路", "深圳路", "仙霞岭路", "秦岭路", "苗岭路"),
    "370213": ("九水东路", "京口路", "黑龙江中路", "重庆中路", "振华路", "金水路",
               "书院路", "巨峰路"),
    "370214": ("正阳路", "长城路", "春阳路", "兴阳路", "青威路", "仙山东路", "崇阳路"),
    "370215": ("鹤山路", "蓝鳌路", "烟青路", "振华街", "长江二路", "通济路",
               "嵩山二路"),
    "370281": ("福州南路", "兰州东路", "扬州路", "广州北路", "常州路", "澳门路"),
    "370283": ("红旗路", "北京路", "胜利路", "常州路", "人民路", "杭州路"),
    "370285": ("烟台路", "威海路", "石岛路", "上海路", "重庆路", "长广路"),
}  # fmt: skip
_MOBILE_PREFIXES = tuple(
    str(p)
    for p in (
        *range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 176,
        177, 178, *range(180, 190), 191, 198, 199,
    )
)  # fmt: skip
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

#: Economic types (经济类型) -> (authority, organisation type) of the USCC.
ECONOMIC_TYPES: Final[dict[str, tuple[str, str]]] = {
    "私营有限责任公司": ("9", "1"),
    "有限责任公司(自然人投资或控股)": ("9", "1"),
    "私营独资企业": ("9", "1"),
    "私营合伙企业": ("9", "1"),
    "股份有限公司": ("9", "1"),
    "国有企业": ("9", "1"),
    "集体企业": ("9", "1"),
    "外商投资企业": ("9", "1"),
    "港澳台商投资企业": ("9", "1"),
    "个体工商户": ("9", "2"),
    "农民专业合作社": ("9", "3"),
}
_COMPANY_TYPES: Final = (
    ("私营有限责任公司", 0.55),
    ("有限责任公司(自然人投资或控股)", 0.17),
    ("私营独资企业", 0.07),
    ("私营合伙企业", 0.02),
    ("股份有限公司", 0.03),
    ("国有企业", 0.02),
    ("集体企业", 0.03),
    ("外商投资企业", 0.07),
    ("港澳台商投资企业", 0.04),
)
_LARGE_TYPES: Final = (
    ("私营有限责任公司", 0.3),
    ("股份有限公司", 0.25),
    ("国有企业", 0.15),
    ("外商投资企业", 0.2),
    ("港澳台商投资企业", 0.1),
)
_FOREIGN_TRADE_NAMES = ("韩进", "大宇", "晓星", "永旺", "丰和", "东洋", "泰光", "世元")

# --------------------------------------------------------------------------
# export styles


@dataclass(frozen=True)
class ExportStyle:
    """How one county bureau exports its registry.

    Attributes
    ----------
    kind : {"csv", "xlsx"}
    encoding : str
        ``"gbk"`` (Chinese Excel's CSV; GB18030 if a character needs it),
        ``"utf-8-sig"`` (UTF-8 with BOM) or ``""`` for XLSX.
    date_format : str
        How dates are written in a CSV: ``"iso"`` (2024-03-05), ``"slash"``
        (2024/3/5), ``"compact"`` (20240305), ``"chinese"`` (2024年3月5日);
        XLSX files hold date cells.
    title_row : bool
        A title line above the header (XLSX).
    """

    kind: str
    encoding: str
    date_format: str
    title_row: bool = False


#: Export style of each county bureau.
EXPORT_STYLES: Final[dict[str, ExportStyle]] = {
    "370202": ExportStyle("csv", "utf-8-sig", "iso"),
    "370203": ExportStyle("csv", "gbk", "slash"),
    "370211": ExportStyle("xlsx", "", "iso", title_row=True),
    "370212": ExportStyle("csv", "utf-8-sig", "compact"),
    "370213": ExportStyle("csv", "gbk", "slash"),
    "370214": ExportStyle("xlsx", "", "iso"),
    "370215": ExportStyle("csv", "gbk", "chinese"),
    "370281": ExportStyle("xlsx", "", "iso"),
    "370283": ExportStyle("csv", "gbk", "slash"),
    "370285": ExportStyle("csv", "utf-8-sig", "iso"),
}

_DEFAULT_CACHE = Path(__file__).resolve().parents[1] / "data" / "cache"


# --------------------------------------------------------------------------
# result


@dataclass(frozen=True)
class RegistryDemo:
    """A generated registry and its ground truth.

    Attributes
    ----------
    rows : pandas.DataFrame
        The registry, columns :data:`HEADERS`: text columns as ``str``
        (missing: NA), ``经度``/``纬度`` float (NaN when missing), head
        counts ``Int64``, ``更新日期`` a :class:`datetime.date` or, on rows
        with an unparseable date, the text.
    truth : pandas.DataFrame
        Columns :data:`TRUTH_COLUMNS`, aligned with ``rows`` (``row`` is the
        position in ``rows``).  ``lon``/``lat``: true WGS-84 point (NaN in
        towns without geometry); ``crs``: ``wgs84``, ``cgcs2000``,
        ``gcj02``, ``bd09`` or ``none``; ``historical``: comma-separated
        ``county``/``town``/``village`` (names in ``historical_names``);
        ``uscc_area_kind``: a key of :data:`USCC_AREA_SHARES`;
        ``defects``: comma-separated keys of :data:`DEFECTS` (``""`` on good
        rows); ``duplicate_of``: the row whose code a ``uscc_duplicate`` row
        copies (-1 otherwise).
    seconds : float
        Generation time.
    as_of : datetime.date
        Reference date of the update dates.
    """

    rows: pd.DataFrame
    truth: pd.DataFrame
    seconds: float
    as_of: dt.date

    def mix(self) -> dict[str, pd.Series]:
        """Return the shares and counts actually produced.

        Returns
        -------
        dict of pandas.Series
            ``crs``, ``address_format``, ``historical``, ``uscc_area_kind``,
            ``category``, ``county`` (shares), ``defects`` (counts per kind).
        """
        t = self.truth
        defects = t["defects"][t["defects"] != ""].str.split(",").explode()
        return {
            "crs": t["crs"].value_counts(normalize=True).sort_index(),
            "address_format": t["address_format"]
            .value_counts(normalize=True)
            .sort_index(),
            "historical": t["historical"][t["historical"] != ""]
            .str.split(",")
            .explode()
            .value_counts()
            .sort_index()
            / len(t),
            "uscc_area_kind": t["uscc_area_kind"]
            .value_counts(normalize=True)
            .sort_index(),
            "category": t["category"].value_counts(normalize=True).sort_index(),
            "county": t["county_code"].value_counts(normalize=True).sort_index(),
            "defects": defects.value_counts().sort_index(),
        }

    def summary(self) -> str:
        """Return a plain-text summary of :meth:`mix`."""
        t = self.truth
        lines = [
            f"{len(t)} employers generated in {self.seconds:.2f} s "
            f"(as of {self.as_of.isoformat()})",
            f"no geometry (address only): {(~t['has_geometry']).mean():.1%}; "
            f"historical names: {(t['historical'] != '').mean():.1%}; "
            f"registered elsewhere: {t['registered_elsewhere'].mean():.1%}; "
            f"stale: {t['stale'].mean():.1%}; "
            f"bad rows: {(t['defects'] != '').sum()}",
        ]
        for key, values in self.mix().items():
            if key == "defects":
                text = ", ".join(f"{k} {int(v)}" for k, v in values.items())
            else:
                text = ", ".join(f"{k or '-'} {v:.1%}" for k, v in values.items())
            lines.append(f"{key}: {text}")
        return "\n".join(lines)


# --------------------------------------------------------------------------
# the generator


def generate_registry(
    cells: pd.DataFrame,
    *,
    n: int = 30_000,
    seed: int = 20231,
    divisions_2016: Mapping[str, Path] | None = None,
    as_of: dt.date = AS_OF,
) -> RegistryDemo:
    """Generate a synthetic employer registry on the Qingdao demo grid.

    Parameters
    ----------
    cells : GeoDataFrame
        The demo cell frame (:func:`grid.demo.build_qingdao_demo`); its
        village cells (with or without geometry) are the places employers
        get.
    n : int, default 30,000
        Number of rows.
    seed : int, default 20231
        Seed; the same seed, cells and 2016 list give the same registry.
    divisions_2016 : mapping, optional
        The 2016 division list as returned by
        ``division_files("2.0.0", cache)`` (needs ``streets.csv`` and
        ``villages.csv``); by default read from ``data/cache`` (fetched once
        with npm when missing).
    as_of : date, default :data:`AS_OF`
        Update dates fall in the two years before it.

    Returns
    -------
    RegistryDemo

    Raises
    ------
    GridBuildError
        ``n`` below 100, or no village cells in ``cells``.

    Examples
    --------
    Needs the demo grid, so not run as a doctest::

        cells, _ = build_qingdao_demo(Path("data/qingdao"))
        demo = generate_registry(cells, n=2_000)
        demo.rows.head()
    """
    started = time.perf_counter()
    if n < 100:
        msg = f"generate at least 100 rows, got n={n!r}"
        raise GridBuildError(msg)
    files = (
        division_files(HISTORICAL_VERSION, _DEFAULT_CACHE)
        if divisions_2016 is None
        else divisions_2016
    )
    gaz = _gazetteer(cells, files)
    streams = iter(np.random.SeedSequence(seed).spawn(16))

    def rng() -> np.random.Generator:
        return np.random.default_rng(next(streams))

    work = _who_and_where(rng(), rng(), gaz, n)
    _points(rng(), gaz, work)
    _uscc_areas(rng(), gaz, work)
    _uscc_codes(rng(), work)
    _names(rng(), gaz, work)
    _people(rng(), work)
    _staff(rng(), work)
    _dates(rng(), work, as_of)
    _historical(rng(), gaz, work)
    _addresses(rng(), gaz, work)
    _coordinates(rng(), work)
    work["true_uscc"] = work["uscc"]
    work["true_name"] = work["name"]
    _defects(rng(), work)
    rows, truth = _assemble(work, gaz)
    return RegistryDemo(rows, truth, time.perf_counter() - started, as_of)


# --------------------------------------------------------------------------
# the gazetteer: villages, towns and historical names


@dataclass(frozen=True)
class _Gazetteer:
    """Villages (one row per village cell) and historical names."""

    villages: pd.DataFrame
    town_names: dict[str, str]
    county_names: dict[str, str]
    old_town_names: dict[str, str]
    #: village code -> old names of villages merged into it (sorted)
    predecessors: dict[str, tuple[str, ...]]


def _short_village(name: str) -> str:
    """Return a committee name as addresses write it (``王台东村委会`` -> ``王台东村``).

    Examples
    --------
    >>> _short_village("台东路社区居民委员会"), _short_village("雒家村委会")
    ('台东路社区', '雒家村')
    """
    for suffix, kind in (
        ("村民委员会", "村"),
        ("村委会", "村"),
        ("居民委员会", "社区"),
        ("居委会", "社区"),
        ("委员会", "社区"),
    ):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if kind == "村":
                return base if base.endswith("村") else base + "村"
            return base if base.endswith(("社区", "村")) else base + "社区"
    return name


def _town_stem(name: str) -> str:
    return re.sub(r"(街道办事处|办事处|街道|镇|乡)$", "", name)


def _gazetteer(cells: pd.DataFrame, files: Mapping[str, Path]) -> _Gazetteer:
    """Collect villages, names and the historical names of the 2016 list."""
    lacking = [c for c in ("code", "name", "level", "geometry") if c not in cells]
    if lacking:
        msg = f"the cell frame lacks columns {lacking}; has {list(cells.columns)}"
        raise GridBuildError(msg)
    villages = cells[cells["level"].astype(str) == "village"]
    if villages.empty:
        msg = "the cell frame has no village cells to place employers in"
        raise GridBuildError(msg)
    names = dict(zip(cells["code"].astype(str), cells["name"].astype(str), strict=True))
    table = pd.DataFrame(
        {
            "code": villages["code"].astype(str).to_numpy(),
            "name": villages["name"].astype(str).to_numpy(),
        }
    )
    table["town_code"] = table["code"].str[:9]
    table["county_code"] = table["code"].str[:6]
    table["short"] = table["name"].map(_short_village)
    table["community"] = table["code"].str[-3:].astype(int) < 200
    geometry = villages["geometry"].to_numpy(dtype=object)
    has = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    table["has_geometry"] = has
    table["geometry"] = geometry
    table = table.sort_values("code", ignore_index=True)
    town_names = {t: names.get(t, t) for t in sorted(set(table["town_code"]))}
    counties = sorted(set(table["county_code"]))
    old_towns, predecessors = _historical_names(table, town_names, files)
    return _Gazetteer(
        villages=table,
        town_names=town_names,
        county_names={c: names.get(c, c) for c in counties},
        old_town_names=old_towns,
        predecessors=predecessors,
    )


def _historical_names(
    villages: pd.DataFrame, town_names: dict[str, str], files: Mapping[str, Path]
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Map 2016 towns and vanished villages onto today's towns and villages.

    A 2016 town maps to today's town of the same county (即墨市 370282 is
    today's 370215) with the same name stem (王台镇 -> 王台街道), else with
    the same code (藏南镇 -> 藏马镇).  A 2016 village whose name is found
    nowhere in today's county vanished in a merger; its successor is the
    village of its town sharing the longest name prefix (two characters at
    least), else the one at the same relative position in the town's code
    order (codes run roughly along the ground).
    """
    missing = [k for k in ("streets.csv", "villages.csv") if k not in files]
    if missing:
        msg = f"the 2016 division list lacks {missing}; got {sorted(files)}"
        raise GridBuildError(msg)
    counties = set(villages["county_code"])
    fix = {old: new for new, (old, _) in OLD_COUNTIES.items()}
    streets = pd.read_csv(
        files["streets.csv"], dtype=str, usecols=["code", "name", "areaCode"]
    )
    streets["county"] = streets["areaCode"].replace(fix)
    streets = streets[streets["county"].isin(counties)].sort_values("code")
    stems = {(code[:6], _town_stem(name)): code for code, name in town_names.items()}
    old_to_new: dict[str, str] = {}
    old_town_names: dict[str, str] = {}
    for code, name, county in zip(
        streets["code"], streets["name"], streets["county"], strict=True
    ):
        target = stems.get((county, _town_stem(name)))
        if target is None and county + code[6:] in town_names:
            target = county + code[6:]
        if target is None:
            continue
        old_to_new[code] = target
        display = name.removesuffix("办事处")
        now = town_names[target]
        renamed = _town_stem(display) != _town_stem(now)
        if renamed or (display.endswith("镇") and now.endswith("街道")):
            old_town_names[target] = display
    old = pd.read_csv(
        files["villages.csv"],
        dtype=str,
        usecols=["code", "name", "streetCode"],
        engine="pyarrow",
    )
    old = old[old["streetCode"].isin(old_to_new)].sort_values("code")
    return old_town_names, _predecessors(villages, old, old_to_new)


def _predecessors(
    villages: pd.DataFrame, old: pd.DataFrame, old_to_new: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """Return today's village code -> old names of villages merged into it."""
    known = set(zip(villages["county_code"], villages["short"], strict=True))
    by_town = {
        str(town): list(zip(group["code"], group["short"], strict=True))
        for town, group in villages.groupby("town_code", sort=True)
    }
    found: dict[str, list[str]] = {}
    for street, group in old.groupby("streetCode", sort=True):
        town = old_to_new[str(street)]
        now = by_town.get(town)
        if not now:
            continue
        shorts = group["name"].map(_short_village).tolist()
        for position, short in enumerate(shorts):
            if (town[:6], short) in known:
                continue
            code = _successor(short, position / max(len(shorts), 1), now)
            found.setdefault(code, []).append(short)
    return {code: tuple(sorted(set(v))) for code, v in sorted(found.items())}


def _successor(short: str, position: float, now: list[tuple[str, str]]) -> str:
    """Pick today's village that an old village most plausibly merged into."""
    best, best_len = "", 1
    for code, name in now:
        common = 0
        for a, b in zip(short, name, strict=False):
            if a != b:
                break
            common += 1
        if common > best_len:
            best, best_len = str(code), common
    if best:
        return best
    index = min(int(position * len(now)), len(now) - 1)
    return str(now[index][0])


# --------------------------------------------------------------------------
# who and where


def _village_weights(gaz: _Gazetteer, category: Category) -> npt.NDArray[np.float64]:
    """Return the probability of each village for employers of a category."""
    v = gaz.villages
    kind = np.where(v["community"].to_numpy(), category.urban, category.rural)
    mult = dict(category.counties)
    county = v["county_code"]
    county_w = county.map(lambda c: COUNTY_SHARES.get(c, 0.0) * mult.get(c, 1.0))
    per_county = pd.Series(kind, index=v.index).groupby(county).transform("sum")
    denominator = per_county.to_numpy(dtype=float)
    weights = np.divide(
        county_w.to_numpy(dtype=float) * kind,
        denominator,
        out=np.zeros(len(v)),
        where=denominator > 0,
    )
    geo = v["has_geometry"].to_numpy()
    on, off = weights[geo].sum(), weights[~geo].sum()
    if on > 0 and off > 0:
        weights[geo] *= (1 - NO_GEOMETRY_SHARE) / on
        weights[~geo] *= NO_GEOMETRY_SHARE / off
    total = weights.sum()
    if total <= 0:
        msg = f"no village can hold employers of category {category.key!r}"
        raise GridBuildError(msg)
    return np.asarray(weights / total, dtype=np.float64)


def _pick(
    rng: np.random.Generator, options: Sequence[tuple[str, float]], size: int
) -> npt.NDArray[np.object_]:
    """Draw ``size`` labels from ``(label, weight)`` pairs."""
    labels = np.array([o[0] for o in options], dtype=object)
    weights = np.array([o[1] for o in options], dtype=float)
    return labels[rng.choice(len(labels), size=size, p=weights / weights.sum())]


def _choose(rng: np.random.Generator, options: Sequence[tuple[str, float]]) -> str:
    """Draw one label from ``(label, weight)`` pairs (cheap, for per-row loops)."""
    left = rng.random() * sum(w for _, w in options)
    for label, weight in options:
        left -= weight
        if left < 0:
            return label
    return options[-1][0]


def _who_and_where(
    rng: np.random.Generator, place_rng: np.random.Generator, gaz: _Gazetteer, n: int
) -> pd.DataFrame:
    """Draw category, industry, economic type and village of every row."""
    shares = np.array([c.share for c in CATEGORIES])
    cat = rng.choice(len(CATEGORIES), size=n, p=shares / shares.sum())
    industry = np.empty(n, dtype=object)
    village = np.zeros(n, dtype=np.int64)
    individual = np.zeros(n, dtype=bool)
    for k, category in enumerate(CATEGORIES):
        rows = np.flatnonzero(cat == k)
        if rows.size == 0:
            continue
        industry[rows] = _pick(rng, category.industries, rows.size)
        individual[rows] = rng.random(rows.size) < category.individual
        weights = _village_weights(gaz, category)
        village[rows] = place_rng.choice(len(weights), size=rows.size, p=weights)
    # a 个体工商户 runs a shop or works, not a property or software firm
    shop = np.array([any(_is_shop(w) for w in INDUSTRIES[c].words) for c in industry])
    individual &= shop
    factory = np.array([INDUSTRIES[c].factory for c in industry])
    large = factory & ~individual & (rng.random(n) < _LARGE_SHARE)
    econ = _pick(rng, _COMPANY_TYPES, n)
    econ[large] = _pick(rng, _LARGE_TYPES, int(large.sum()))
    coop = (industry == "A0411") & (rng.random(n) < 0.3)
    econ[coop] = "农民专业合作社"
    econ[individual] = "个体工商户"
    v = gaz.villages
    return pd.DataFrame(
        {
            "category": [CATEGORIES[k].key for k in cat],
            "cat": cat,
            "industry": industry,
            "individual": individual,
            "large": large,
            "econ": econ,
            "village_idx": village,
            "village_code": v["code"].to_numpy()[village],
            "town_code": v["town_code"].to_numpy()[village],
            "county_code": v["county_code"].to_numpy()[village],
            "community": v["community"].to_numpy()[village],
            "has_geometry": v["has_geometry"].to_numpy()[village],
        }
    )


def _points(rng: np.random.Generator, gaz: _Gazetteer, work: pd.DataFrame) -> None:
    """Draw a true point uniformly inside each row's village (rejection in bbox)."""
    v = gaz.villages
    geo = v["has_geometry"].to_numpy()
    geoms = np.full(len(v), None, dtype=object)
    # copies, so that preparing them does not touch the caller's cells
    geoms[geo] = shapely.from_wkb(shapely.to_wkb(v["geometry"].to_numpy()[geo]))
    shapely.prepare(geoms[geo])
    bounds = np.full((len(v), 4), np.nan)
    bounds[geo] = shapely.bounds(geoms[geo])
    vi = work["village_idx"].to_numpy()
    lon = np.full(len(work), np.nan)
    lat = np.full(len(work), np.nan)
    pending = np.flatnonzero(work["has_geometry"].to_numpy())
    for _ in range(200):
        if pending.size == 0:
            break
        box = bounds[vi[pending]]
        x = box[:, 0] + rng.random(pending.size) * (box[:, 2] - box[:, 0])
        y = box[:, 1] + rng.random(pending.size) * (box[:, 3] - box[:, 1])
        inside = shapely.contains_xy(geoms[vi[pending]], x, y)
        lon[pending[inside]] = x[inside]
        lat[pending[inside]] = y[inside]
        pending = pending[~inside]
    if pending.size:
        fallback = shapely.point_on_surface(geoms[vi[pending]])
        lon[pending] = shapely.get_x(fallback)
        lat[pending] = shapely.get_y(fallback)
    work["true_lon"] = lon
    work["true_lat"] = lat


# --------------------------------------------------------------------------
# credit codes


def _uscc_areas(rng: np.random.Generator, gaz: _Gazetteer, work: pd.DataFrame) -> None:
    """Choose each code's registration area and where the employer is registered."""
    n = len(work)
    individual = work["individual"].to_numpy()
    # individual businesses register locally: give companies their share
    lift = 1 / max(1 - individual.mean(), 0.5)
    shares = dict(USCC_AREA_SHARES)
    shares["other_province"] *= lift
    shares["true_county"] -= USCC_AREA_SHARES["other_province"] * (lift - 1)
    kind = _pick(rng, tuple(shares.items()), n)
    kind[individual & (kind == "other_province")] = "true_county"
    county = work["county_code"].to_numpy().astype(object)
    area = county.copy()
    old = np.array([OLD_COUNTIES.get(c, ("", ""))[0] for c in county], dtype=object)
    in_town = work["town_code"].isin(JIAONAN_TOWNS).to_numpy()
    in_old = (old != "") & ((county != "370211") | in_town)
    city = kind == "city_or_old"
    use_old = city & in_old & (rng.random(n) < 0.75)
    area[city] = CITY_CODE
    area[use_old] = old[use_old]
    codes = sorted(COUNTY_SHARES)
    other = np.flatnonzero(kind == "other_county")
    shift = rng.integers(1, len(codes), size=other.size)
    position = np.searchsorted(codes, county[other])
    area[other] = np.array(codes, dtype=object)[(position + shift) % len(codes)]
    province = np.flatnonzero(kind == "other_province")
    pick = rng.integers(0, len(OTHER_PROVINCES), size=province.size)
    area[province] = np.array([p[0] for p in OTHER_PROVINCES], dtype=object)[pick]
    elsewhere = np.zeros(n, dtype=bool)
    elsewhere[other] = rng.random(other.size) < 0.7
    elsewhere[province] = rng.random(province.size) < 0.8
    registered = np.where(elsewhere, area, county)
    reg_village = work["village_idx"].to_numpy().copy()
    v = gaz.villages
    for code in codes:
        rows = np.flatnonzero(elsewhere & (registered == code))
        pool = np.flatnonzero(v["county_code"].to_numpy() == code)
        if rows.size and pool.size:
            reg_village[rows] = pool[rng.integers(0, pool.size, size=rows.size)]
    work["uscc_area"] = area
    work["uscc_area_kind"] = kind
    work["registered_elsewhere"] = elsewhere
    work["registered_county_code"] = registered
    work["reg_village_idx"] = reg_village


def _uscc_codes(rng: np.random.Generator, work: pd.DataFrame) -> None:
    """Make a valid, unique credit code for every row."""
    n = len(work)
    codes = np.empty(n, dtype=object)
    todo = np.arange(n)
    seen: set[str] = set()
    econ = work["econ"].tolist()
    area = work["uscc_area"].tolist()
    while todo.size:
        bodies = _org_bodies(rng, work["individual"].to_numpy()[todo])
        clashes = []
        for i, body in zip(todo.tolist(), bodies, strict=True):
            authority, org_type = ECONOMIC_TYPES[econ[i]]
            code = make_uscc(authority, org_type, area[i], body)
            if code in seen:
                clashes.append(i)
                continue
            seen.add(code)
            codes[i] = code
        todo = np.array(clashes, dtype=np.int64)
    work["uscc"] = codes


def _org_bodies(
    rng: np.random.Generator, individual: npt.NDArray[np.bool_]
) -> list[str]:
    """Draw the 8 body characters of organisation codes.

    Since 2015 new registrations get ``MA`` codes (``MA3C...`` in Shandong,
    ``MAC...`` from 2023); older companies keep their numeric organisation
    code, older individual businesses an ``L`` code.
    """
    n = individual.size
    letters = np.array(list(ALPHABET), dtype=object)
    rest = letters[rng.integers(0, len(ALPHABET), size=(n, 6))]
    digits = np.array(list("0123456789"), dtype=object)[rng.integers(0, 10, (n, 7))]
    legacy = rng.random(n) < np.where(individual, 0.3, 0.35)
    head = _pick(rng, (("MA3", 0.55), ("MAC", 0.2), ("MA9", 0.15), ("MA7", 0.1)), n)
    first = _pick(rng, (("7", 3), ("6", 2), ("5", 2), ("2", 1), ("1", 1), ("0", 1)), n)
    out = []
    for i in range(n):
        if legacy[i]:
            lead = "L" if individual[i] else first[i]
            out.append(lead + "".join(digits[i]))
        else:
            out.append(head[i] + "".join(rest[i, : 8 - len(head[i])]))
    return out


# --------------------------------------------------------------------------
# names and people


@dataclass(frozen=True)
class _NameParts:
    industry: str
    individual: bool
    econ: str


def _county_short(name: str) -> str:
    """Return a county name without 区/市 (``黄岛区`` -> ``黄岛``)."""
    return name[:-1] if len(name) > 2 and name[-1] in "区市县" else name


def _is_shop(word: str) -> bool:
    return word.endswith(_SHOP_ENDINGS)


def _name(
    rng: np.random.Generator,
    row: _NameParts,
    county_name: str,
    town_name: str,
    long_trade: bool,
) -> str:
    """Return one employer name in the style of its economic type."""
    industry = INDUSTRIES[row.industry]
    shops = [w for w in industry.words if _is_shop(w)]
    firms = [w for w in industry.words if not _is_shop(w)]
    size = 3 if long_trade else 2
    trade = "".join(_TRADE_CHARS[k] for k in rng.integers(0, len(_TRADE_CHARS), size))
    if row.individual:
        word = shops[rng.integers(len(shops))] if shops else firms[0] + "经营部"
        if rng.random() < 0.3:
            trade = _SURNAMES[rng.integers(len(_SURNAMES))][0] + "记"
        prefix = county_name + (town_name if rng.random() < 0.2 else "")
        return prefix + trade + word
    if row.econ in ("外商投资企业", "港澳台商投资企业") and rng.random() < 0.6:
        foreign = _FOREIGN_TRADE_NAMES[rng.integers(len(_FOREIGN_TRADE_NAMES))]
        word = firms[rng.integers(len(firms))] if firms else "实业"
        return f"{foreign}{trade[:1]}(青岛){word}有限公司"
    prefix = _choose(
        rng, (("青岛", 0.65), (county_name, 0.2), ("山东", 0.05), ("", 0.1))
    )
    if row.econ in ("私营独资企业", "集体企业") and shops:
        return prefix + trade + shops[rng.integers(len(shops))]
    word = firms[rng.integers(len(firms))] if firms else "实业"
    suffix = {
        "股份有限公司": "股份有限公司",
        "农民专业合作社": "专业合作社",
        "私营合伙企业": "(有限合伙)",
    }.get(row.econ, "有限公司")
    if not prefix:
        return f"{trade}(青岛){word}{suffix}"
    return prefix + trade + word + suffix


def _names(rng: np.random.Generator, gaz: _Gazetteer, work: pd.DataFrame) -> None:
    """Give every row a unique employer name."""
    names = np.empty(len(work), dtype=object)
    parts = [
        _NameParts(str(i), bool(p), str(e))
        for i, p, e in zip(
            work["industry"], work["individual"], work["econ"], strict=True
        )
    ]
    counties = [gaz.county_names[c] for c in work["county_code"]]
    towns = [gaz.town_names[t] for t in work["town_code"]]
    todo = list(range(len(work)))
    seen: set[str] = set()
    long_trade = False
    for _ in range(20):
        clashes = []
        for i in todo:
            name = _name(
                rng, parts[i], counties[i], towns[i], long_trade or rng.random() < 0.2
            )
            if name in seen:
                clashes.append(i)
                continue
            seen.add(name)
            names[i] = name
        todo, long_trade = clashes, True
        if not todo:
            break
    for k, i in enumerate(todo):  # pragma: no cover - practically unreachable
        names[i] = f"{names[i] or '青岛'}第{k + 1}分公司"
    work["name"] = names


def _people(rng: np.random.Generator, work: pd.DataFrame) -> None:
    """Draw legal representatives and phone numbers."""
    n = len(work)
    surnames = _pick(rng, _SURNAMES, n)
    given = np.array(list(_GIVEN_CHARS), dtype=object)[
        rng.integers(0, len(_GIVEN_CHARS), size=(n, 2))
    ]
    two = rng.random(n) < 0.7
    work["legal_rep"] = [
        s + g[0] + (g[1] if t else "")
        for s, g, t in zip(surnames, given, two, strict=True)
    ]
    prefixes = np.array(_MOBILE_PREFIXES, dtype=object)[
        rng.integers(0, len(_MOBILE_PREFIXES), size=n)
    ]
    mobile_tail = rng.integers(0, 100_000_000, size=n)
    land_head = _pick(rng, (("8", 6), ("6", 2), ("5", 1), ("6", 1)), n)
    land_tail = rng.integers(0, 10_000_000, size=n)
    landline = (rng.random(n) < 0.25) & ~work["individual"].to_numpy()
    work["phone"] = [
        f"0532-{h}{t:07d}" if land else f"{p}{m:08d}"
        for land, h, t, p, m in zip(
            landline, land_head, land_tail, prefixes, mobile_tail, strict=True
        )
    ]


# --------------------------------------------------------------------------
# staff and dates


def _jitter(rng: np.random.Generator, mean: npt.NDArray[np.float64]) -> Any:
    """Per-row probabilities around ``mean`` (beta, concentration 8)."""
    k = 8.0
    return rng.beta(mean * k, (1 - mean) * k)


def _staff(rng: np.random.Generator, work: pd.DataFrame) -> None:
    """Draw staff counts that obey the register's rules."""
    n = len(work)
    cats = [CATEGORIES[k] for k in work["cat"]]
    median = np.array([c.staff[0] for c in cats], dtype=float)
    sigma = np.array([c.staff[1] for c in cats], dtype=float)
    low = np.array([c.staff[2] for c in cats])
    high = np.array([c.staff[3] for c in cats])
    staff = np.clip(np.rint(median * np.exp(sigma * rng.standard_normal(n))), low, high)
    individual = work["individual"].to_numpy()
    staff[individual] = rng.integers(1, 9, size=int(individual.sum()))
    large = work["large"].to_numpy()
    big = np.rint(1200 * np.exp(0.6 * rng.standard_normal(int(large.sum()))))
    staff[large] = np.clip(big, 500, 5000)
    staff = staff.astype(np.int64)

    def share(attribute: str) -> Any:
        return _jitter(rng, np.array([getattr(c, attribute) for c in cats]))

    women = rng.binomial(staff, share("female"))
    on_post = staff - rng.binomial(staff, 0.03)
    migrant = rng.binomial(on_post, share("migrant"))
    required = staff - rng.binomial(staff, 0.04)
    signed = rng.binomial(required, share("signed"))
    insured = rng.binomial(staff, share("insured"))
    for column, values in (
        ("staff", staff),
        ("men", staff - women),
        ("women", women),
        ("on_post", on_post),
        ("migrant", migrant),
        ("required", required),
        ("signed", signed),
        ("insured", insured),
    ):
        work[column] = np.asarray(values, dtype=np.int64)


def _dates(rng: np.random.Generator, work: pd.DataFrame, as_of: dt.date) -> None:
    """Draw update dates: 70 % in the last six months, the rest up to 2 years old."""
    n = len(work)
    fresh = rng.random(n) < 0.7
    age = np.where(
        fresh,
        rng.integers(0, STALE_DAYS, size=n),
        rng.integers(STALE_DAYS, 731, size=n),
    )
    work["updated"] = [as_of - dt.timedelta(days=int(a)) for a in age]
    work["stale"] = age >= STALE_DAYS


# --------------------------------------------------------------------------
# historical names and addresses


def _historical(rng: np.random.Generator, gaz: _Gazetteer, work: pd.DataFrame) -> None:
    """Choose the rows whose address uses historical names, and which names."""
    n = len(work)
    county = work["county_code"].to_numpy(dtype=object)
    town = work["town_code"].to_numpy(dtype=object)
    village = work["village_code"].to_numpy(dtype=object)
    in_town = work["town_code"].isin(JIAONAN_TOWNS).to_numpy()
    can = {
        "county": work["county_code"].isin(list(OLD_COUNTIES)).to_numpy()
        & ((county != "370211") | in_town),
        "town": work["town_code"].isin(list(gaz.old_town_names)).to_numpy(),
        "village": work["village_code"].isin(list(gaz.predecessors)).to_numpy(),
    }
    eligible = np.flatnonzero(can["county"] | can["town"] | can["village"])
    m = min(round(HISTORICAL_SHARE * n), eligible.size)
    chosen = np.sort(rng.choice(eligible, size=m, replace=False))
    kinds = np.full(n, "", dtype=object)
    old_county = np.full(n, "", dtype=object)
    old_town = np.full(n, "", dtype=object)
    old_village = np.full(n, "", dtype=object)
    for i in chosen:
        available = [k for k in ("county", "town", "village") if can[k][i]]
        primary = _choose(rng, [(k, _HISTORICAL_WEIGHTS[k]) for k in available])
        used = [k for k in available if k == primary or rng.random() < 0.35]
        kinds[i] = ",".join(used)
        if "county" in used:
            old_county[i] = OLD_COUNTIES[county[i]][1]
        if "town" in used:
            old_town[i] = gaz.old_town_names[town[i]]
        if "village" in used:
            names = gaz.predecessors[village[i]]
            old_village[i] = names[rng.integers(len(names))]
    work["historical"] = kinds
    work["old_county"] = old_county
    work["old_town"] = old_town
    work["old_village"] = old_village


#: Relative weights of the historical kinds when a row could use several.
_HISTORICAL_WEIGHTS: Final = {"county": 2.0, "town": 4.0, "village": 1.0}

_URBAN_FORMATS: Final = (
    ("full", 0.2),
    ("city", 0.26),
    ("county", 0.14),
    ("short", 0.1),
    ("town", 0.08),
    ("road", 0.14),
    ("xihaian", 0.08),
)
_RURAL_FORMATS: Final = (
    ("full", 0.2),
    ("city", 0.32),
    ("county", 0.15),
    ("short", 0.1),
    ("town", 0.15),
    ("xihaian", 0.08),
)


@dataclass(frozen=True)
class _Place:
    """The names an address is made of."""

    county_code: str
    county: str
    town: str
    village: str
    community: bool
    old_county: str = ""
    old_town: str = ""
    old_village: str = ""


def _format_for(rng: np.random.Generator, place: _Place) -> str:
    """Pick an address format that can carry the place's (historical) names."""
    options = _URBAN_FORMATS if place.community else _RURAL_FORMATS
    allowed = []
    for name, weight in options:
        if name == "xihaian" and (place.county_code != "370211" or place.old_county):
            continue
        if place.old_county and name not in ("full", "city", "county"):
            continue
        if (place.old_town or place.old_village) and name == "road":
            continue
        allowed.append((name, weight))
    return _choose(rng, allowed)


def _detail(rng: np.random.Generator, road: str, place: _Place, village: str) -> str:
    """Return the part after the township: village, road, number, building."""
    number = int(rng.integers(1, 400))
    if place.community and not place.old_village:
        text = f"{road}{number}号"
        roll = rng.random()
        if roll < 0.2:
            text += f"{rng.integers(1, 30)}号楼{rng.integers(1, 6)}单元"
            text += f"{rng.integers(1, 33)}{rng.integers(1, 5):02d}室"
        elif roll < 0.35:
            text += f"{rng.integers(1, 30)}{rng.integers(1, 20):02d}室"
        elif roll < 0.45:
            text += f"{rng.integers(1, 6)}楼"
        with_village = rng.random() < 0.3
        return (village + text) if with_village else text
    roll = rng.random()
    if roll < 0.35:
        return village
    if roll < 0.65:
        return f"{village}{number}号"
    if roll < 0.8:
        side = "东南西北"[rng.integers(4)]
        extra = f"{rng.integers(1, 10) * 100}米" if rng.random() < 0.5 else ""
        return f"{village}{side}{extra}"
    if roll < 0.9:
        return f"{village}工业园{number}号"
    return f"{village}{road}{number}号"


def _address(rng: np.random.Generator, road: str, place: _Place, fmt: str) -> str:
    """Write one address in a format of :data:`ADDRESS_FORMATS`."""
    county = place.old_county or place.county
    town = place.old_town or place.town
    village = place.old_village or place.village
    detail = _detail(rng, road, place, village)
    if fmt == "full":
        city = "青岛市" if not place.old_county or rng.random() < 0.5 else ""
        text = f"山东省{city}{county}{town}{detail}"
    elif fmt == "city":
        text = f"青岛市{county}{town}{detail}"
    elif fmt == "county":
        text = f"{county}{town}{detail}"
    elif fmt == "short":
        text = f"青岛{_county_short(county)}{town}{detail}"
    elif fmt == "town":
        text = f"{town}{detail}"
    elif fmt == "road":
        text = f"青岛市{county}{road}{int(rng.integers(1, 400))}号"
    else:  # xihaian
        text = f"{'青岛' if rng.random() < 0.6 else '青岛市'}西海岸新区{town}{detail}"
    if rng.random() < 0.05:
        text = text.translate(_FULL_WIDTH)
    return text


@dataclass(frozen=True)
class _AddressRow:
    county_code: str
    town_code: str
    village_idx: int
    community: bool
    old_county: str
    old_town: str
    old_village: str
    registered_elsewhere: bool
    registered_county_code: str
    reg_village_idx: int


def _addresses(rng: np.random.Generator, gaz: _Gazetteer, work: pd.DataFrame) -> None:
    """Write operating and registered addresses."""
    shorts = gaz.villages["short"].tolist()
    operating, registered, formats = [], [], []
    names = (
        "county_code", "town_code", "village_idx", "community", "old_county",
        "old_town", "old_village", "registered_elsewhere", "registered_county_code",
        "reg_village_idx",
    )  # fmt: skip
    columns = [work[c].tolist() for c in names]
    for values in zip(*columns, strict=True):
        row = _AddressRow(*values)
        place = _Place(
            county_code=row.county_code,
            county=gaz.county_names[row.county_code],
            town=gaz.town_names[row.town_code],
            village=shorts[row.village_idx],
            community=bool(row.community),
            old_county=row.old_county,
            old_town=row.old_town,
            old_village=row.old_village,
        )
        fmt = _format_for(rng, place)
        roads = _ROADS.get(row.county_code, ("人民路",))
        road = roads[rng.integers(len(roads))]
        text = _address(rng, road, place, fmt)
        operating.append(text)
        formats.append(fmt)
        registered.append(_registered(rng, gaz, row, place, text))
    work["operating_address"] = operating
    work["registered_address"] = registered
    work["address_format"] = formats


def _registered(
    rng: np.random.Generator,
    gaz: _Gazetteer,
    row: _AddressRow,
    place: _Place,
    text: str,
) -> str:
    """Return the registered address: mostly the operating one."""
    if row.registered_elsewhere and row.registered_county_code in gaz.county_names:
        code = row.registered_county_code
        village = gaz.villages.iloc[row.reg_village_idx]
        there = _Place(
            county_code=code,
            county=gaz.county_names[code],
            town=gaz.town_names[village["town_code"]],
            village=village["short"],
            community=bool(village["community"]),
        )
        roads = _ROADS.get(code, ("人民路",))
        road = roads[rng.integers(len(roads))]
        return _address(rng, road, there, _format_for(rng, there))
    if row.registered_elsewhere:
        prefix, roads = next(
            (p[1], p[2]) for p in OTHER_PROVINCES if p[0] == row.registered_county_code
        )
        road = roads[rng.integers(len(roads))]
        return f"{prefix}{road}{rng.integers(1, 300)}号"
    if rng.random() < 0.15:
        roads = _ROADS.get(place.county_code, ("人民路",))
        road = roads[rng.integers(len(roads))]
        return _address(rng, road, place, _format_for(rng, place))
    return text


# --------------------------------------------------------------------------
# coordinates


def _coordinates(rng: np.random.Generator, work: pd.DataFrame) -> None:
    """Declare coordinates in mixed datums; rows without geometry get none."""
    n = len(work)
    geo = work["has_geometry"].to_numpy()
    share_off = 1 - geo.mean()
    p_none = max(0.0, (CRS_SHARES["none"] - share_off) / max(1 - share_off, 1e-9))
    scale = (1 - p_none) / (1 - CRS_SHARES["none"])
    options = [(k, v * scale) for k, v in CRS_SHARES.items() if k != "none"]
    options.append(("none", p_none))
    crs = _pick(rng, options, n)
    crs[~geo] = "none"
    labels = np.full(n, "", dtype=object)
    for datum, choices in CRS_LABELS.items():
        rows = np.flatnonzero(crs == datum)
        labels[rows] = _pick(rng, choices, rows.size)
    lon0 = work["true_lon"].to_numpy()
    lat0 = work["true_lat"].to_numpy()
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    wgs = np.isin(crs, ["wgs84", "cgcs2000"])
    lon[wgs], lat[wgs] = lon0[wgs], lat0[wgs]
    for datum, convert in (("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)):
        rows = crs == datum
        lon[rows], lat[rows] = convert(lon0[rows], lat0[rows])
    work["crs"] = crs
    work["crs_label"] = labels
    work["lon"] = np.round(lon, 6)
    work["lat"] = np.round(lat, 6)


# --------------------------------------------------------------------------
# deliberate defects

_BAD_DATES: Final = ("2024-02-30", "2023-13-01", "待更新", "0000-00-00", "2025/14/3")


def _defects(rng: np.random.Generator, work: pd.DataFrame) -> None:
    """Give about :data:`DEFECT_SHARE` of the rows one deliberate defect."""
    n = len(work)
    m = round(DEFECT_SHARE * n)
    chosen = np.sort(rng.choice(n, size=m, replace=False))
    bad = np.zeros(n, dtype=bool)
    bad[chosen] = True
    has_coords = work["crs"].to_numpy() != "none"
    county = pd.factorize(work["county_code"])[0]
    columns = (
        "uscc", "name", "lon", "lat", "men", "migrant", "on_post", "signed",
        "required", "updated", "crs_label",
    )  # fmt: skip
    values = {c: work[c].to_numpy(dtype=object).copy() for c in columns}
    defects = np.full(n, "", dtype=object)
    duplicate_of = np.full(n, -1, dtype=np.int64)
    for i in chosen.tolist():
        sources = np.flatnonzero(~bad[:i] & (county[:i] == county[i]))
        usable = [
            k
            for k in DEFECTS
            if (k not in _COORD_DEFECTS or has_coords[i])
            and (k != "uscc_duplicate" or sources.size)
        ]
        kind = usable[rng.integers(len(usable))]
        defects[i] = kind
        if kind == "uscc_duplicate":
            source = int(sources[rng.integers(sources.size)])
            duplicate_of[i] = source
            values["uscc"][i] = values["uscc"][source]
            if rng.random() < 0.5:
                values["name"][i] = values["name"][source]
        else:
            _apply_defect(rng, values, i, kind)
    for column in ("uscc", "name", "updated", "crs_label"):
        work[column] = pd.Series(values[column], index=work.index, dtype=object)
    for column in ("lon", "lat"):
        work[column] = values[column].astype(float)
    for column in ("men", "migrant", "signed"):
        work[column] = values[column].astype(np.int64)
    work["defects"] = defects
    work["duplicate_of"] = duplicate_of


def _break_uscc(rng: np.random.Generator, code: str, kind: str) -> str:
    """Return a code with a wrong check character or a malformed one."""
    if kind == "uscc_check":
        right = uscc_check_char(code[:17])
        wrong = [c for c in ALPHABET if c != right]
        return code[:17] + wrong[rng.integers(len(wrong))]
    variant = int(rng.integers(3))
    if variant == 0:
        cut = int(rng.integers(18))
        return code[:cut] + code[cut + 1 :]
    if variant == 1:
        return code + ALPHABET[rng.integers(len(ALPHABET))]
    at = int(rng.integers(8, 16))
    return code[:at] + "OIZSV"[rng.integers(5)] + code[at + 1 :]


def _apply_defect(
    rng: np.random.Generator, values: dict[str, npt.NDArray[Any]], i: int, kind: str
) -> None:
    """Apply one defect (other than a duplicate code) to row ``i``."""
    if kind in ("uscc_check", "uscc_malformed"):
        values["uscc"][i] = _break_uscc(rng, str(values["uscc"][i]), kind)
    elif kind == "name_missing":
        values["name"][i] = None
    elif kind == "coord_swapped":
        values["lon"][i], values["lat"][i] = values["lat"][i], values["lon"][i]
    elif kind == "coord_out_of_range":
        column = "lon" if rng.random() < 0.5 else "lat"
        values[column][i] = float(round(values[column][i] * 1e6))  # lost point
    elif kind == "staff_sum":
        values["men"][i] += int(rng.integers(1, 4))
    elif kind == "migrant_gt_on_post":
        values["migrant"][i] = values["on_post"][i] + int(rng.integers(1, 6))
    elif kind == "signed_gt_required":
        values["signed"][i] = values["required"][i] + int(rng.integers(1, 6))
    elif kind == "date_invalid":
        values["updated"][i] = _BAD_DATES[rng.integers(len(_BAD_DATES))]
    elif kind == "crs_unknown":
        values["crs_label"][i] = _BAD_CRS[rng.integers(len(_BAD_CRS))]


# --------------------------------------------------------------------------
# assembly


def _assemble(work: pd.DataFrame, gaz: _Gazetteer) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the registry rows and the truth table."""
    label = {c.key: c.label for c in CATEGORIES}
    industry = work["industry"]
    rows = pd.DataFrame(
        {
            "单位名称": work["name"],
            "统一社会信用代码": work["uscc"],
            "注册地址": work["registered_address"],
            "生产经营地址": work["operating_address"],
            "经度": work["lon"].astype(float),
            "纬度": work["lat"].astype(float),
            "坐标系": work["crs_label"].replace("", None),
            "行业代码": industry,
            "行业名称": industry.map(lambda c: INDUSTRIES[c].name),
            "经济类型": work["econ"],
            "重点类别": work["category"].map(label).replace("", None),
            "职工人数": work["staff"],
            "男": work["men"],
            "女": work["women"],
            "在岗人数": work["on_post"],
            "农民工人数": work["migrant"],
            "应签合同人数": work["required"],
            "劳动合同签订人数": work["signed"],
            "参保人数": work["insured"],
            "法定代表人": work["legal_rep"],
            "联系电话": work["phone"],
            "更新日期": pd.Series(work["updated"].tolist(), dtype=object),
        }
    )
    for column in COUNT_HEADERS:
        rows[column] = rows[column].astype("Int64")
    for column in HEADERS:
        if column not in COUNT_HEADERS and column not in ("经度", "纬度", "更新日期"):
            rows[column] = rows[column].astype("str")
    truth = pd.DataFrame(
        {
            "row": np.arange(len(work)),
            "uscc": work["uscc"],
            "true_uscc": work["true_uscc"],
            "true_name": work["true_name"],
            "category": work["category"],
            "county_code": work["county_code"],
            "county_name": work["county_code"].map(gaz.county_names),
            "township_code": work["town_code"],
            "village_code": work["village_code"],
            "has_geometry": work["has_geometry"].astype(bool),
            "lon": work["true_lon"],
            "lat": work["true_lat"],
            "crs": work["crs"],
            "crs_label": work["crs_label"],
            "address_format": work["address_format"],
            "historical": work["historical"],
            "historical_names": [
                "/".join(x for x in names if x)
                for names in zip(
                    work["old_county"],
                    work["old_town"],
                    work["old_village"],
                    strict=True,
                )
            ],
            "registered_county_code": work["registered_county_code"],
            "registered_elsewhere": work["registered_elsewhere"].astype(bool),
            "uscc_area": work["uscc_area"],
            "uscc_area_kind": work["uscc_area_kind"],
            "uscc_area_matches": work["uscc_area"] == work["county_code"],
            "stale": work["stale"].astype(bool),
            "defects": work["defects"],
            "duplicate_of": work["duplicate_of"],
        }
    )
    for column in truth.columns:
        if truth[column].dtype == object:
            truth[column] = truth[column].astype("str")
    return rows, truth


# --------------------------------------------------------------------------
# writing the exports


def _date_text(value: object, style: str) -> str:
    """Write a date the way a bureau's CSV export does (text stays as is)."""
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    if style == "slash":
        return f"{value.year}/{value.month}/{value.day}"
    if style == "compact":
        return value.strftime("%Y%m%d")
    if style == "chinese":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def _csv_frame(rows: pd.DataFrame, style: ExportStyle) -> pd.DataFrame:
    """Return the rows as the text a CSV export holds."""
    out = pd.DataFrame(index=rows.index)
    for column in HEADERS:
        values = rows[column]
        if column in ("经度", "纬度"):
            out[column] = [
                "" if pd.isna(x) else f"{x:.6f}".rstrip("0").rstrip(".") for x in values
            ]
        elif column == "更新日期":
            out[column] = [_date_text(x, style.date_format) for x in values]
        elif column in COUNT_HEADERS:
            out[column] = ["" if pd.isna(x) else str(int(x)) for x in values]
        else:
            out[column] = ["" if pd.isna(x) else str(x) for x in values]
    return out


def _write_csv(rows: pd.DataFrame, style: ExportStyle, path: Path) -> str:
    """Write a CSV export; return the encoding actually used."""
    text = _csv_frame(rows, style).to_csv(index=False, lineterminator="\r\n")
    encoding = style.encoding or "utf-8-sig"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        encoding = "gb18030"
        data = text.encode(encoding)
    path.write_bytes(data)
    return encoding


def _xlsx_value(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _write_xlsx(rows: pd.DataFrame, style: ExportStyle, path: Path, title: str) -> None:
    """Write an XLSX export with date cells (text where a date is unparseable)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("用人单位")
    if style.title_row:
        sheet.append([title])
    sheet.append(list(HEADERS))
    date_at = HEADERS.index("更新日期")
    for record in rows.itertuples(index=False, name=None):
        values: list[object] = [_xlsx_value(v) for v in record]
        date = values[date_at]
        if isinstance(date, dt.date):
            cell = WriteOnlyCell(sheet, value=date)
            cell.number_format = "yyyy-mm-dd"
            values[date_at] = cell
        sheet.append(values)
    book.save(path)


def write_registry(
    demo: RegistryDemo,
    folder: Path,
    *,
    styles: Mapping[str, ExportStyle] | None = None,
    truth_folder: Path | None = None,
) -> list[Path]:
    """Write the registry as one export per county bureau, plus the truth.

    Each county's rows (by true county) go to
    ``{code}_{county}_用人单位劳动用工信息表.csv|xlsx`` in ``folder``, in the
    style of :data:`EXPORT_STYLES`: GBK or UTF-8-with-BOM CSV with CRLF line
    ends and the county's date format, or XLSX with date cells (one with a
    title line above the header).  ``truth.csv`` (UTF-8) and
    ``manifest.csv`` (one line per export: encoding, date format, header
    row, rows) go to ``truth_folder`` (default ``folder / "truth"``), so that
    ``folder`` holds nothing but exports.  ``truth.csv`` adds ``file`` and
    ``file_row``: the spreadsheet row number of the record (header = 1, or
    2 below a title line), as :func:`ingest.registry.read_registry` counts.

    Parameters
    ----------
    demo : RegistryDemo
    folder : Path
        Created when missing.
    styles : mapping, optional
        County code -> :class:`ExportStyle` (default :data:`EXPORT_STYLES`;
        counties not in it get UTF-8-with-BOM CSV).
    truth_folder : Path, optional
        Where ``truth.csv`` and ``manifest.csv`` go.

    Returns
    -------
    list of Path
        The exports (sorted by county code), then ``truth.csv`` and
        ``manifest.csv``.
    """
    styles = EXPORT_STYLES if styles is None else styles
    folder = Path(folder)
    truth_folder = folder / "truth" if truth_folder is None else Path(truth_folder)
    folder.mkdir(parents=True, exist_ok=True)
    truth_folder.mkdir(parents=True, exist_ok=True)
    truth = demo.truth.copy()
    truth["file"] = ""
    truth["file_row"] = 0
    paths: list[Path] = []
    manifest: list[dict[str, object]] = []
    for code, index in truth.groupby("county_code", sort=True).groups.items():
        style = styles.get(str(code), ExportStyle("csv", "utf-8-sig", "iso"))
        county = str(truth.loc[index[0], "county_name"])
        path = folder / f"{code}_{county}_用人单位劳动用工信息表.{style.kind}"
        part = demo.rows.loc[index]
        header_row = 2 if style.kind == "xlsx" and style.title_row else 1
        if style.kind == "xlsx":
            title = (
                f"{county}用人单位劳动用工信息表（导出日期：{demo.as_of.isoformat()}）"
            )
            _write_xlsx(part, style, path, title)
            encoding = ""
        else:
            encoding = _write_csv(part, style, path)
        truth.loc[index, "file"] = path.name
        truth.loc[index, "file_row"] = np.arange(len(index)) + header_row + 1
        paths.append(path)
        manifest.append(
            {
                "file": path.name,
                "county_code": str(code),
                "county_name": county,
                "kind": style.kind,
                "encoding": encoding,
                "date_format": "date cells"
                if style.kind == "xlsx"
                else style.date_format,
                "header_row": header_row,
                "rows": len(index),
                "bytes": path.stat().st_size,
            }
        )
    truth_path = truth_folder / "truth.csv"
    truth.to_csv(truth_path, index=False, encoding="utf-8")
    manifest_path = truth_folder / "manifest.csv"
    pd.DataFrame(manifest).to_csv(manifest_path, index=False, encoding="utf-8")
    return [*paths, truth_path, manifest_path]
