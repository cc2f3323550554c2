"""GB/T 4754-2017 industry sections (门类) and divisions (大类), with names.

The national industrial classification (国民经济行业分类) codes an
employer's industry as a section letter and four digits (``C1371``); the
first two digits are the division (``C13`` 农副食品加工业), the letter the
section (``C`` 制造业).  This table lets a user choose an industry by name as
well as by code; finer groups and classes come from the register itself.

Names follow the standard's 2017 edition (with its 2019 amendment, which
left these levels unchanged); the English names are descriptive
translations for the English interface.

Examples
--------
>>> industry_name("C13")
'农副食品加工业'
>>> industry_name("C", "en")
'Manufacturing'
>>> [c for c, _, _ in DIVISIONS if section_of(c) == "T"]
['T97']
"""

from __future__ import annotations

#: (code, Chinese name, English name) of the 20 sections.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    ("B", "采矿业", "Mining"),
    ("C", "制造业", "Manufacturing"),
    (
        "D",
        "电力、热力、燃气及水生产和供应业",
        "Electricity, heat, gas and water production and supply",
    ),
    ("E", "建筑业", "Construction"),
    ("F", "批发和零售业", "Wholesale and retail trade"),
    ("G", "交通运输、仓储和邮政业", "Transport, storage and postal services"),
    ("H", "住宿和餐饮业", "Accommodation and catering"),
    (
        "I",
        "信息传输、软件和信息技术服务业",
        "Information transmission, software and IT services",
    ),
    ("J", "金融业", "Finance"),
    ("K", "房地产业", "Real estate"),
    ("L", "租赁和商务服务业", "Leasing and business services"),
    ("M", "科学研究和技术服务业", "Scientific research and technical services"),
    (
        "N",
        "水利、环境和公共设施管理业",
        "Water conservancy, environment and public facilities management",
    ),
    ("O", "居民服务、修理和其他服务业", "Resident, repair and other services"),
    ("P", "教育", "Education"),
    ("Q", "卫生和社会工作", "Health and social work"),
    ("R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    (
        "S",
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organisations",
    ),
    ("T", "国际组织", "International organisations"),
)

#: (code, Chinese name, English name) of the 97 divisions, code = section
#: letter + two digits.
DIVISIONS: tuple[tuple[str, str, str], ...] = (
    ("A01", "农业", "Farming"),
    ("A02", "林业", "Forestry"),
    ("A03", "畜牧业", "Animal husbandry"),
    ("A04", "渔业", "Fishery"),
    ("A05", "农、林、牧、渔专业及辅助性活动", "Support activities for agriculture"),
    ("B06", "煤炭开采和洗选业", "Coal mining and washing"),
    ("B07", "石油和天然气开采业", "Oil and natural gas extraction"),
    ("B08", "黑色金属矿采选业", "Ferrous metal ore mining"),
    ("B09", "有色金属矿采选业", "Non-ferrous metal ore mining"),
    ("B10", "非金属矿采选业", "Non-metallic mineral mining"),
    ("B11", "开采专业及辅助性活动", "Support activities for mining"),
    ("B12", "其他采矿业", "Other mining"),
    ("C13", "农副食品加工业", "Processing of agricultural and sideline foods"),
    ("C14", "食品制造业", "Food manufacturing"),
    ("C15", "酒、饮料和精制茶制造业", "Liquor, beverages and refined tea"),
    ("C16", "烟草制品业", "Tobacco products"),
    ("C17", "纺织业", "Textiles"),
    ("C18", "纺织服装、服饰业", "Textile garments and apparel"),
    (
        "C19",
        "皮革、毛皮、羽毛及其制品和制鞋业",
        "Leather, fur, feathers and footwear",
    ),
    (
        "C20",
        "木材加工和木、竹、藤、棕、草制品业",
        "Wood processing; wood, bamboo, rattan, palm and straw products",
    ),
    ("C21", "家具制造业", "Furniture"),
    ("C22", "造纸和纸制品业", "Paper and paper products"),
    ("C23", "印刷和记录媒介复制业", "Printing and reproduction of recorded media"),
    (
        "C24",
        "文教、工美、体育和娱乐用品制造业",
        "Stationery, arts and crafts, sports and entertainment goods",
    ),
    ("C25", "石油、煤炭及其他燃料加工业", "Petroleum, coal and other fuel processing"),
    ("C26", "化学原料和化学制品制造业", "Chemical raw materials and products"),
    ("C27", "医药制造业", "Pharmaceuticals"),
    ("C28", "化学纤维制造业", "Chemical fibres"),
    ("C29", "橡胶和塑料制品业", "Rubber and plastic products"),
    ("C30", "非金属矿物制品业", "Non-metallic mineral products"),
    ("C31", "黑色金属冶炼和压延加工业", "Ferrous metal smelting and rolling"),
    ("C32", "有色金属冶炼和压延加工业", "Non-ferrous metal smelting and rolling"),
    ("C33", "金属制品业", "Metal products"),
    ("C34", "通用设备制造业", "General-purpose machinery"),
    ("C35", "专用设备制造业", "Special-purpose machinery"),
    ("C36", "汽车制造业", "Motor vehicles"),
    (
        "C37",
        "铁路、船舶、航空航天和其他运输设备制造业",
        "Railway, ship, aerospace and other transport equipment",
    ),
    ("C38", "电气机械和器材制造业", "Electrical machinery and equipment"),
    (
        "C39",
        "计算机、通信和其他电子设备制造业",
        "Computers, communication and other electronic equipment",
    ),
    ("C40", "仪器仪表制造业", "Instruments and meters"),
    ("C41", "其他制造业", "Other manufacturing"),
    ("C42", "废弃资源综合利用业", "Recycling of waste resources"),
    (
        "C43",
        "金属制品、机械和设备修理业",
        "Repair of metal products, machinery and equipment",
    ),
    ("D44", "电力、热力生产和供应业", "Electricity and heat production and supply"),
    ("D45", "燃气生产和供应业", "Gas production and supply"),
    ("D46", "水的生产和供应业", "Water production and supply"),
    ("E47", "房屋建筑业", "Building construction"),
    ("E48", "土木工程建筑业", "Civil engineering"),
    ("E49", "建筑安装业", "Construction installation"),
    (
        "E50",
        "建筑装饰、装修和其他建筑业",
        "Building decoration, renovation and other construction",
    ),
    ("F51", "批发业", "Wholesale trade"),
    ("F52", "零售业", "Retail trade"),
    ("G53", "铁路运输业", "Railway transport"),
    ("G54", "道路运输业", "Road transport"),
    ("G55", "水上运输业", "Water transport"),
    ("G56", "航空运输业", "Air transport"),
    ("G57", "管道运输业", "Pipeline transport"),
    ("G58", "多式联运和运输代理业", "Multimodal transport and freight agency"),
    ("G59", "装卸搬运和仓储业", "Handling and storage"),
    ("G60", "邮政业", "Postal services"),
    ("H61", "住宿业", "Accommodation"),
    ("H62", "餐饮业", "Catering"),
    (
        "I63",
        "电信、广播电视和卫星传输服务",
        "Telecommunications, broadcasting and satellite transmission",
    ),
    ("I64", "互联网和相关服务", "Internet and related services"),
    ("I65", "软件和信息技术服务业", "Software and IT services"),
    ("J66", "货币金融服务", "Monetary and financial services"),
    ("J67", "资本市场服务", "Capital market services"),
    ("J68", "保险业", "Insurance"),
    ("J69", "其他金融业", "Other financial services"),
    ("K70", "房地产业", "Real estate"),
    ("L71", "租赁业", "Leasing"),
    ("L72", "商务服务业", "Business services"),
    ("M73", "研究和试验发展", "Research and experimental development"),
    ("M74", "专业技术服务业", "Professional technical services"),
    ("M75", "科技推广和应用服务业", "Technology promotion and application"),
    ("N76", "水利管理业", "Water conservancy management"),
    ("N77", "生态保护和环境治理业", "Ecological protection and environmental control"),
    ("N78", "公共设施管理业", "Public facilities management"),
    ("N79", "土地管理业", "Land management"),
    ("O80", "居民服务业", "Resident services"),
    (
        "O81",
        "机动车、电子产品和日用产品修理业",
        "Repair of motor vehicles, electronics and household goods",
    ),
    ("O82", "其他服务业", "Other services"),
    ("P83", "教育", "Education"),
    ("Q84", "卫生", "Health"),
    ("Q85", "社会工作", "Social work"),
    ("R86", "新闻和出版业", "News and publishing"),
    (
        "R87",
        "广播、电视、电影和录音制作业",
        "Radio, television, film and sound recording",
    ),
    ("R88", "文化艺术业", "Culture and arts"),
    ("R89", "体育", "Sports"),
    ("R90", "娱乐业", "Entertainment"),
    ("S91", "中国共产党机关", "Organs of the Communist Party of China"),
    ("S92", "国家机构", "State organs"),
    (
        "S93",
        "人民政协、民主党派",
        "CPPCC and democratic parties",
    ),
    ("S94", "社会保障", "Social security"),
    (
        "S95",
        "群众团体、社会团体和其他成员组织",
        "Mass, social and other membership organisations",
    ),
    (
        "S96",
        "基层群众自治组织及其他组织",
        "Grassroots self-governing and other organisations",
    ),
    ("T97", "国际组织", "International organisations"),
)

_NAMES: dict[str, tuple[str, str]] = {
    code: (zh, en) for code, zh, en in (*SECTIONS, *DIVISIONS)
}


def section_of(code: str) -> str:
    """Return the section letter of an industry code (``"C1371"`` → ``"C"``)."""
    return code.strip().upper()[:1]


def industry_name(code: str, lang: str = "zh") -> str | None:
    """Return the name of a section or division code, or None if not one.

    Parameters
    ----------
    code : str
        ``"C"`` or ``"C13"`` (case-insensitive).
    lang : {"zh", "en"}
        Language of the name.
    """
    names = _NAMES.get(code.strip().upper())
    if names is None:
        return None
    return names[1] if lang == "en" else names[0]
