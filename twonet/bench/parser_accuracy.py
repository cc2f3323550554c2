"""Accuracy of the address parser on labelled addresses TwoNet did not make.

:func:`address_accuracy` parses labelled addresses with
:func:`grid.address.parse_addresses` and compares the unit found at each of
the five levels with the name a human annotator wrote for that level
(``data/accuracy/addresses.csv``, read by
:func:`twonet.bench.accuracy.load_labelled_addresses`).  Pure: no database,
no Streamlit.

How a label is matched
----------------------
The labels are **names** (``余杭``, ``乔司街道``, ``江干区``, ``富阳市``,
``袁新庄行政村|大朱庄``), never codes, and a label is **never parsed** with
the address parser (that would be circular).  For a level *L* with a
non-empty label and the unit *u* we resolved at *L*, the label names *u*
when **any** of its ``|``-separated **parts** (blanks removed, full-width
characters folded, as :func:`grid.address.normalise_address` does) passes
the first of these rules that decides (:func:`label_names_unit`):

1. **A name the gazetteer lists for u** names *u*: a province-to-township
   keyword of :meth:`~grid.gazetteer.Gazetteer.keyword_entries` whose
   meanings include *u* — its 2023 full name and short forms, a historical
   name (2016 list and change tables: ``江干区`` → 上城区, ``即墨市`` →
   即墨区, ``马山镇`` → 马山街道) or a zone alias (``西海岸新区`` → 黄岛区).
   A historical name the gazetteer maps only to a coarser unit (``江东区``
   "merged, lies in 宁波市") names no county.
2. **The 2023 full name of other units** at level *L* (``朝阳县`` against
   朝阳区, ``高桥镇`` against 银湖街道) does **not** name *u*.
3. **Shared name forms.**  Otherwise the part names *u* when the forms of
   :func:`grid.gazetteer.name_forms` at level *L* of the part and of *u*'s
   2023 name intersect (the full name and the short forms without
   省/市/区/县/旗/镇/乡/街道/办事处/村委会/居委会/社区/村 …): ``余杭`` names
   余杭区, ``暨阳`` 暨阳街道, ``观前村`` 观前村村民委员会, and a county whose
   suffix changed keeps its stem (``富阳市`` names 富阳区); a bare part also
   names *u* when the part plus a suffix of level *L* (省/市/自治区,
   市/地区/盟/州, 区/县/市/旗, 镇/乡/街道, 村/社区) is one of *u*'s forms
   (``柯桥`` names 柯桥区, although ``name_forms`` gives no short form
   ending in 桥).  A village also
   has the forms of the 2016 villages the gazetteer maps to it (renamed
   villages, :meth:`~grid.gazetteer.Gazetteer.village_index`); villages have
   no national keyword table, so for them only rule 3 applies.  A
   placeholder city without a name of its own (市辖区, 县,
   省直辖县级行政区划) takes the forms of its province (``北京``) and of its
   counties (``仙桃市``).

Outcome at level *L* (:func:`label_outcomes`):

* not counted when the label at *L* is empty (the source gives no label);
* ``unresolved`` when we resolved no unit at *L*;
* ``correct`` when the label names *u* and, with ``chain=True`` (the
  default), no coarser level is ``wrong`` with a label the gazetteer knows as
  a name at that coarser level (:func:`label_is_known_name`): a 城东街道 found
  in another county than the labelled one is not the labelled 城东街道,
  while a coarser label that is no name at its level (``慈溪市`` written as
  the city, a typo like ``红河洲``) does not discredit the finer levels;
* ``wrong`` otherwise.

``accuracy = correct / n_labelled`` and ``precision = correct / (correct +
wrong)``.

Known limits of the rule: the gazetteer knows the units of the 2016 list
that are gone by 2023 and the county changes of its change tables, but not
older township mergers, so a label such as ``受降镇`` (not in the 2016 list;
the parse gives 银湖街道) counts as ``wrong`` even where the parse is right;
and variant characters (``于潜`` for 於潜, ``翁阳`` for 翁垟) and annotation
slips are not forgiven.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from grid.address import normalise_address, parse_addresses
from grid.gazetteer import KIND_FULL, LEVEL_NAMES, Gazetteer, name_forms

#: Label columns of a labelled address set, from the province down.
LABEL_COLUMNS: tuple[str, ...] = LEVEL_NAMES
#: Code column of :func:`grid.address.parse_addresses` for each label column.
PARSED_CODE_COLUMNS: tuple[str, ...] = (
    "province_code",
    "city_code",
    "county_code",
    "town_code",
    "village_code",
)
#: Columns of :func:`address_accuracy`.
ACCURACY_COLUMNS: tuple[str, ...] = (
    "dataset",
    "level",
    "n_labelled",
    "correct",
    "wrong",
    "unresolved",
    "accuracy",
    "precision",
)
#: ``dataset`` of the rows that pool every dataset.
ALL = "all"
#: Outcomes of one label (``None``: not labelled).
CORRECT, WRONG, UNRESOLVED = "correct", "wrong", "unresolved"

#: Names of the statistical list that are placeholders, not places.
PLACEHOLDER_NAMES = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
#: Administrative suffixes of each level, for bare stems that
#: :func:`~grid.gazetteer.name_forms` does not produce (柯桥 of 柯桥区).
_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("省", "市", "自治区"),
    ("市", "地区", "盟", "州"),
    ("区", "县", "市", "旗"),
    ("镇", "乡", "街道"),
    ("村", "社区"),
)


def split_label(label: object) -> list[str]:
    """Return the parts of a label: ``|``-separated, normalised, non-empty.

    Examples
    --------
    >>> split_label(" 袁新庄行政村 | 大朱庄 ")
    ['袁新庄行政村', '大朱庄']
    >>> split_label(None)
    []
    """
    if label is None or (isinstance(label, float) and math.isnan(label)):
        return []
    parts = (normalise_address(p) for p in str(label).split("|"))
    return [p for p in parts if p]


def _unit_forms(gazetteer: Gazetteer, unit: int) -> set[str]:
    """Return the name forms of a unit (rule 3 of the module docstring)."""
    level = gazetteer.level[unit]
    name = gazetteer.name(unit)
    forms = set(name_forms(name, level))
    if level == 4:
        town = gazetteer.parent[unit]
        if town >= 0:
            index = gazetteer.village_index(town)
            forms.update(
                form
                for form, target in zip(index.forms, index.targets, strict=True)
                if target == unit
            )
    elif level == 1 and name in PLACEHOLDER_NAMES:
        province = gazetteer.parent[unit]
        if province >= 0:
            forms.update(name_forms(gazetteer.name(province), 0))
        for county in gazetteer.descendants(unit, 2):
            forms.update(name_forms(gazetteer.name(county), 2))
    return forms


def label_names_unit(gazetteer: Gazetteer, label: object, unit: int) -> bool:
    """Tell whether a label names a unit, by the rules of the module docstring.

    Parameters
    ----------
    gazetteer : Gazetteer
    label : str
        A name as an annotator wrote it; several names joined by ``|`` match
        when any of them does.
    unit : int
        A unit index of ``gazetteer`` (its level is the level compared).

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> frames = {
    ...     "provinces": pd.DataFrame({"code": [33], "name": ["浙江省"]}),
    ...     "cities": pd.DataFrame({"code": [3301], "name": ["杭州市"]}),
    ...     "areas": pd.DataFrame({"code": [330110, 330111],
    ...                            "name": ["余杭区", "富阳区"]}),
    ... }
    >>> g = Gazetteer.from_frames(frames)
    >>> yuhang, fuyang = g.index_of("330110"), g.index_of("330111")
    >>> label_names_unit(g, "余杭", yuhang), label_names_unit(g, "富阳市", fuyang)
    (True, True)
    >>> label_names_unit(g, "余杭区", fuyang), label_names_unit(g, "x|余杭区", yuhang)
    (False, True)
    """
    parts = split_label(label)
    if not parts:
        return False
    level = gazetteer.level[unit]
    own: set[str] | None = None
    for part in parts:
        entries = _keyword_entries(gazetteer, part) if level < 4 else []
        if any(u == unit for u, _ in entries):
            return True
        if any(
            kind == KIND_FULL and gazetteer.level[u] == level for u, kind in entries
        ):
            continue
        if own is None:
            own = _unit_forms(gazetteer, unit)
        if own.intersection(name_forms(part, level) or [part]):
            return True
        if own.intersection(part + suffix for suffix in _SUFFIXES[level]):
            return True
    return False


def label_is_known_name(gazetteer: Gazetteer, label: object, level: int) -> bool:
    """Tell whether the gazetteer knows a label as a name of some unit at a level.

    Any ``|``-separated part that is a full name, short form, historical name
    or zone alias of a province, city, county or township of ``level``
    counts.  Always ``False`` for villages (level 4), which have no national
    name table.

    Examples
    --------
    >>> import pandas as pd
    >>> g = Gazetteer.from_frames({
    ...     "provinces": pd.DataFrame({"code": [33], "name": ["浙江省"]}),
    ...     "cities": pd.DataFrame({"code": [3302], "name": ["宁波市"]}),
    ...     "areas": pd.DataFrame({"code": [330282], "name": ["慈溪市"]})})
    >>> label_is_known_name(g, "慈溪市", 1), label_is_known_name(g, "宁波", 1)
    (False, True)
    """
    if level >= 4:
        return False
    return any(
        gazetteer.level[u] == level
        for part in split_label(label)
        for u, _ in _keyword_entries(gazetteer, part)
    )


def _keyword_entries(gazetteer: Gazetteer, name: str) -> list[tuple[int, int]]:
    """Return ``(unit, kind)`` of every meaning of an admin keyword."""
    keyword = gazetteer.keyword_id(name)
    if keyword is None:
        return []
    return [(unit, kind) for unit, kind, _, _ in gazetteer.keyword_entries(keyword)]


def label_outcomes(
    labelled: pd.DataFrame,
    parsed: pd.DataFrame,
    gazetteer: Gazetteer,
    *,
    chain: bool = True,
) -> pd.DataFrame:
    """Score every label of every row against a parse of the same rows.

    Parameters
    ----------
    labelled : DataFrame
        :data:`LABEL_COLUMNS` (names; empty or missing = not labelled).
    parsed : DataFrame
        :func:`grid.address.parse_addresses` of the same rows, in the same
        order (:data:`PARSED_CODE_COLUMNS` are used).
    gazetteer : Gazetteer
        The gazetteer the addresses were parsed with.
    chain : bool, default True
        Count a level as ``wrong`` when a coarser level is wrong and its
        label is a name the gazetteer knows at that level, even if the names
        agree (see the module docstring).

    Returns
    -------
    DataFrame
        One row per input row, index of ``labelled``; one column per level
        with ``correct``, ``wrong``, ``unresolved`` or ``None`` (not
        labelled).

    Raises
    ------
    ValueError
        If the two frames differ in length.
    """
    if len(labelled) != len(parsed):
        msg = f"{len(labelled)} labelled rows but {len(parsed)} parsed rows"
        raise ValueError(msg)
    memo: dict[tuple[str, str], bool] = {}
    units: dict[str, int | None] = {}
    out: dict[str, list[str | None]] = {level: [] for level in LABEL_COLUMNS}
    label_rows = labelled.reindex(columns=list(LABEL_COLUMNS)).to_numpy(dtype=object)
    code_rows = parsed[list(PARSED_CODE_COLUMNS)].to_numpy(dtype=object)
    for labels, codes in zip(label_rows, code_rows, strict=True):
        failed = False
        for depth, (level, label, code) in enumerate(
            zip(LABEL_COLUMNS, labels, codes, strict=True)
        ):
            if not split_label(label):
                out[level].append(None)
                continue
            if code is None or (isinstance(code, float) and math.isnan(code)):
                out[level].append(UNRESOLVED)
                continue
            key = (str(label), str(code))
            match = memo.get(key)
            if match is None:
                if key[1] not in units:
                    units[key[1]] = gazetteer.index_of(key[1])
                unit = units[key[1]]
                match = unit is not None and label_names_unit(gazetteer, label, unit)
                memo[key] = match
            if match and not (chain and failed):
                out[level].append(CORRECT)
            else:
                out[level].append(WRONG)
                failed = failed or (
                    not match and label_is_known_name(gazetteer, label, depth)
                )
    return pd.DataFrame(out, index=labelled.index, dtype=object)


def summarise_outcomes(
    outcomes: pd.DataFrame, datasets: Sequence[str] | pd.Series | None = None
) -> pd.DataFrame:
    """Count the outcomes of :func:`label_outcomes` per dataset and level.

    Parameters
    ----------
    outcomes : DataFrame
        From :func:`label_outcomes`.
    datasets : sequence of str, optional
        The dataset of each row; without it every row is in ``all``.

    Returns
    -------
    DataFrame
        Columns :data:`ACCURACY_COLUMNS`: for each dataset (in order of first
        appearance) one row per level, then five ``all`` rows pooling every
        row (only these without ``datasets``).
        ``accuracy`` and ``precision`` are NaN when their denominator is 0.
    """
    everything = pd.Series(True, index=outcomes.index)
    selections: list[tuple[str, pd.Series]] = []
    if datasets is not None:
        keys = pd.Series(list(datasets), index=outcomes.index, dtype=object)
        for group in dict.fromkeys(keys.tolist()):
            selections.append((str(group), keys == group))
    selections.append((ALL, everything))
    rows: list[dict[str, Any]] = []
    for dataset, mask in selections:
        for level in LABEL_COLUMNS:
            values = outcomes.loc[mask, level]
            correct = int((values == CORRECT).sum())
            wrong = int((values == WRONG).sum())
            unresolved = int((values == UNRESOLVED).sum())
            n = correct + wrong + unresolved
            rows.append(
                {
                    "dataset": dataset,
                    "level": level,
                    "n_labelled": n,
                    "correct": correct,
                    "wrong": wrong,
                    "unresolved": unresolved,
                    "accuracy": correct / n if n else math.nan,
                    "precision": (
                        correct / (correct + wrong) if correct + wrong else math.nan
                    ),
                }
            )
    return pd.DataFrame(rows, columns=list(ACCURACY_COLUMNS))


def address_accuracy(
    labelled: pd.DataFrame,
    gazetteer: Gazetteer,
    *,
    region: Sequence[str] | None = None,
    by: str | None = "dataset",
    chain: bool = True,
) -> pd.DataFrame:
    """Per-level accuracy of the address parser on a labelled set.

    Parameters
    ----------
    labelled : DataFrame
        ``address`` and :data:`LABEL_COLUMNS`, e.g. from
        :func:`twonet.bench.accuracy.load_labelled_addresses`; an optional
        ``date`` column (the record's date as its source gives it, blank
        where unknown) is passed on to the parser.
    gazetteer : Gazetteer
    region : sequence of str, optional
        Passed to :func:`grid.address.parse_addresses` (``None`` for a
        nationwide set).
    by : str or None, default ``"dataset"``
        Column to break the table down by (ignored when absent); ``None``
        gives only the pooled ``all`` rows.
    chain : bool, default True
        See :func:`label_outcomes`.

    Returns
    -------
    DataFrame
        Columns :data:`ACCURACY_COLUMNS`, one row per level (province, city,
        county, township, village) and dataset, then five pooled ``all``
        rows (see :func:`summarise_outcomes`):
        ``n_labelled`` rows with a label at that level, of which ``correct``
        (our unit there is the one the label names, see the module
        docstring), ``wrong`` (we resolved another unit) and ``unresolved``
        (we did not resolve down to that level); ``accuracy = correct /
        n_labelled``, ``precision = correct / (correct + wrong)``.

    Raises
    ------
    CellCodeError
        If a region code is malformed or unknown.
    """
    dates = labelled["date"] if "date" in labelled.columns else None
    parsed = parse_addresses(
        labelled["address"].tolist(), gazetteer, region=region, dates=dates
    )
    outcomes = label_outcomes(labelled, parsed, gazetteer, chain=chain)
    datasets = labelled[by] if by is not None and by in labelled.columns else None
    return summarise_outcomes(outcomes, datasets)
