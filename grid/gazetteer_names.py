"""The names an address may use for a statistical division unit (pure).

:func:`name_forms` turns a unit's name in the NBS list into its full name and
short forms (``黄岛区`` → ``黄岛``, ``辛安街道`` → ``辛安街道办事处``, ``辛安``);
the gazetteer builder (:mod:`grid.gazetteer_builder`) makes them keywords and
village names, and the address benchmark and accuracy rules compare names
with them.  Levels are numbered as in :data:`grid.gazetteer.LEVEL_NAMES`
(0 province … 4 village).
"""

from __future__ import annotations

#: Placeholder names of the NBS list that are not places.
_PLACEHOLDER_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
#: A stem ending in one of these is a road or street name, not a place name.
ROAD_ENDINGS = frozenset("路街巷弄道桥")
#: Names containing one of these are zones: kept whole, no short form.
_ZONE_WORDS = (
    "开发区",
    "园区",
    "管理区",
    "示范区",
    "实验区",
    "保税区",
    "度假区",
    "风景区",
    "保护区",
    "合作区",
    "工业区",
    "农场",
    "林场",
    "牧场",
    "经济区",
    "产业区",
    "管委会",
)
_ETHNIC_GROUPS = tuple(
    sorted(
        [
            "蒙古",
            "回",
            "藏",
            "维吾尔",
            "苗",
            "彝",
            "壮",
            "布依",
            "朝鲜",
            "满",
            "侗",
            "瑶",
            "白",
            "土家",
            "哈尼",
            "哈萨克",
            "傣",
            "黎",
            "傈僳",
            "佤",
            "畲",
            "高山",
            "拉祜",
            "水",
            "东乡",
            "纳西",
            "景颇",
            "柯尔克孜",
            "土",
            "达斡尔",
            "仫佬",
            "羌",
            "布朗",
            "撒拉",
            "毛南",
            "仡佬",
            "锡伯",
            "阿昌",
            "普米",
            "塔吉克",
            "怒",
            "乌孜别克",
            "俄罗斯",
            "鄂温克",
            "德昂",
            "保安",
            "裕固",
            "京",
            "塔塔尔",
            "独龙",
            "鄂伦春",
            "赫哲",
            "门巴",
            "珞巴",
            "基诺",
            "各",
        ],
        key=len,
        reverse=True,
    )
)
#: Last characters of a form that still carries an administrative suffix (a
#: keyword ending otherwise is a bare stem).
SUFFIX_ENDINGS = frozenset("街道乡镇村区县市州旗处社")
_VILLAGE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("村民委员会", "村"),
    ("村委会", "村"),
    ("居民委员会", ""),
    ("居委会", ""),
    ("委员会", ""),
)


def _strip_ethnic(stem: str) -> str:
    """Strip trailing ethnic-group names (``恩施土家族苗族`` → ``恩施``)."""
    changed = True
    while changed and stem.endswith("族"):
        changed = False
        body = stem[:-1]
        for group in _ETHNIC_GROUPS:
            if body.endswith(group) and len(body) - len(group) >= 2:
                stem = body[: -len(group)]
                changed = True
                break
    return stem


def _usable_stem(stem: str) -> bool:
    return len(stem) >= 2 and stem[-1] not in ROAD_ENDINGS


def _is_zone(name: str) -> bool:
    return any(word in name for word in _ZONE_WORDS)


def _province_forms(name: str) -> list[str]:
    for suffix in ("特别行政区", "自治区", "省", "市"):
        if name.endswith(suffix):
            return [_strip_ethnic(name[: -len(suffix)])]
    return []


def _city_forms(name: str) -> list[str]:
    if name.endswith("自治州"):
        stem = _strip_ethnic(name[:-3])
        return [stem, stem + "州"]
    for suffix in ("地区", "市", "盟"):
        if name.endswith(suffix):
            return [name[: -len(suffix)]]
    return []


def _county_forms(name: str) -> list[str]:
    for suffix in ("自治县", "自治旗"):
        if name.endswith(suffix):
            stem = _strip_ethnic(name[:-3])
            return [stem, stem + suffix[-1]]
    if name.endswith("新区"):
        return [name[:-2]]
    for suffix in ("林区", "特区", "县", "区", "市", "旗"):
        if name.endswith(suffix):
            return [name[: -len(suffix)]]
    return []


def _town_forms(name: str) -> list[str]:
    forms: list[str] = []
    base = name
    if name.endswith("办事处"):
        base = name[:-3]
        forms.append(base)
    elif name.endswith("街道"):
        forms.append(name + "办事处")
    stem = ""
    if base.endswith("街道") or base.endswith("苏木"):
        stem = base[:-2]
    elif base.endswith(("镇", "乡")):
        stem = _strip_ethnic(base[:-1])
        if stem != base[:-1]:
            forms.append(stem + base[-1])
    if stem.endswith(("镇", "乡")):
        forms.append(stem)
        stem = stem[:-1]
    forms.append(stem)
    return forms


def _village_forms(name: str) -> list[str]:
    mid = name
    for suffix, replacement in _VILLAGE_SUFFIXES:
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            mid = base if base.endswith(replacement) else base + replacement
            break
    stem = mid
    for suffix in ("社区", "嘎查", "村"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    return [mid, stem]


_FORMS_BY_LEVEL = (
    _province_forms,
    _city_forms,
    _county_forms,
    _town_forms,
    _village_forms,
)


def name_forms(name: str, level: int) -> list[str]:
    """Return the names an address may use for a unit, the full name first.

    Parameters
    ----------
    name : str
        The unit's name in the statistical list.
    level : int
        0 province … 4 village (see :data:`LEVEL_NAMES`).

    Returns
    -------
    list of str
        The full name, then short forms without 省/市/区/县/镇/乡/街道/
        办事处/村委会/居委会/社区/村 (and without ethnic-group names in
        autonomous units).  A short form is never one character long, and a
        short form ending in 路/街/巷/道/桥 (a road name) is dropped.  Zone
        names (开发区, 农场 …) and placeholders (市辖区) have no short form.

    Examples
    --------
    >>> name_forms("黄岛区", 2)
    ['黄岛区', '黄岛']
    >>> name_forms("辛安街道", 3)
    ['辛安街道', '辛安街道办事处', '辛安']
    >>> name_forms("长江路街道", 3)
    ['长江路街道', '长江路街道办事处']
    >>> name_forms("恩施土家族苗族自治州", 1)
    ['恩施土家族苗族自治州', '恩施', '恩施州']
    >>> name_forms("王台村村委会", 4)
    ['王台村村委会', '王台村', '王台']
    >>> name_forms("城区", 2)
    ['城区']
    """
    if level < 4 and (name in _PLACEHOLDER_NAMES or _is_zone(name)):
        return [] if name in _PLACEHOLDER_NAMES else [name]
    forms = [name]
    for form in _FORMS_BY_LEVEL[level](name):
        if len(form) < 2 or form in forms:
            continue
        if form[-1] not in SUFFIX_ENDINGS and not _usable_stem(form):
            continue
        forms.append(form)
    return forms


def village_stem(name: str) -> str:
    """Return a village name without its committee and 村/社区/嘎查 suffixes.

    Unlike :func:`name_forms`, the stem may be one character long: it is only
    compared with other stems (see :func:`grid.gazetteer_builder.village_candidates`).

    Examples
    --------
    >>> village_stem("王台东村委会")
    '王台东'
    >>> village_stem("台头社区居民委员会")
    '台头'
    """
    return _village_forms(name)[-1]
