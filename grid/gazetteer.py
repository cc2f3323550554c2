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

This module is the query object only, and reads no file.  The flat arrays it
queries are built from division frames by :mod:`grid.gazetteer_builder`
(:meth:`Gazetteer.from_frames`); reading the NBS lists and the curated tables,
and the binary cache, are in :mod:`ingest.gazetteer_build` and
:mod:`ingest.gazetteer_cache`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from grid.errors import CellCodeError
from grid.gazetteer_names import SUFFIX_ENDINGS
from grid.gazetteer_names import name_forms as name_forms

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

#: Validity of a keyword meaning that holds at every date (YYYYMMDD numbers,
#: end exclusive): ``(from, to)`` of an alias valid only in a period are
#: other numbers (see ``data/gazetteer/zone_aliases.csv``).
ALWAYS: tuple[int, int] = (0, 99_991_231)

#: Suffixes of township names (a town may have changed one for another).
TOWN_SUFFIXES: tuple[str, ...] = ("街道办事处", "办事处", "街道", "镇", "乡")

#: Village-form kinds.
VKIND_FULL, VKIND_SHORT, VKIND_HIST, VKIND_HIST_SHORT = range(4)


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

    Build one with :meth:`from_frames` (pure) or
    :func:`ingest.gazetteer_build.build_gazetteer` (reads the files, caches the
    result).  Units are numbered ``0 … n-1``, sorted by level then code; most
    methods take or return these indices.  The arrays are never changed once
    built; the object only memoises what it derives from them.
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
        self._ent_from: list[int] = arrays["ent_from"].tolist()
        self._ent_to: list[int] = arrays["ent_to"].tolist()
        #: whether a keyword has a meaning valid only in a period: its
        #: address resolves differently by the record's date
        #: per keyword ending in a town suffix (镇, 乡, 街道, 办事处), the id of
        #: its stem's keyword (-1: none): ``南泉镇`` → ``南泉``, whose towns
        #: may carry another suffix today (南泉街道)
        self.keyword_town_stem: list[int] = self._town_stems()
        pointers = arrays["kw_ptr"]
        dated = (arrays["ent_from"] != ALWAYS[0]) | (arrays["ent_to"] != ALWAYS[1])
        running = np.concatenate([[0], np.cumsum(dated)])
        self.keyword_is_dated: list[bool] = (
            running[pointers[1:]] > running[pointers[:-1]]
        ).tolist()
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
        #: whether a keyword is a bare stem (no administrative suffix, or a
        #: short form ending in 州 only by chance: 胶州 of 胶州市, 杭州 of
        #: 杭州市): such a match is dropped when a road or building word
        #: follows it (胶州路, 杭州路 and 徐州路 are streets of Qingdao)
        short = np.isin(arrays["ent_kind"], (KIND_SHORT, KIND_HIST_SHORT))
        running_short = np.concatenate([[0], np.cumsum(short)])
        only_short = (
            running_short[pointers[1:]] - running_short[pointers[:-1]]
            == pointers[1:] - pointers[:-1]
        )
        self.keyword_is_stem: list[bool] = [
            k[-1] not in SUFFIX_ENDINGS or (k[-1] == "州" and bool(only))
            for k, only in zip(self.keywords, only_short, strict=True)
        ]
        self._ent_unit_np: npt.NDArray[np.int32] = arrays["ent_unit"]
        #: the coarsest level each keyword may name (0 province … 3 township)
        self.keyword_level: list[int] = (
            np.minimum.reduceat(
                self.unit_level[arrays["ent_unit"]], arrays["kw_ptr"][:-1]
            ).tolist()
            if len(self.keywords)
            else []
        )
        self._ancestor_table: npt.NDArray[np.int32] | None = None
        self._village_indices: dict[int, _VillageIndex] = {}
        self._memos: dict[tuple[str, ...], dict[Any, Any]] = {}
        self._code_strings: dict[int, str] = {}

    def _town_stems(self) -> list[int]:
        ids = {k: i for i, k in enumerate(self.keywords)}
        stems = [-1] * len(self.keywords)
        for i, keyword in enumerate(self.keywords):
            for suffix in TOWN_SUFFIXES:
                if keyword.endswith(suffix) and len(keyword) - len(suffix) >= 2:
                    stems[i] = ids.get(keyword[: -len(suffix)], -1)
                    break
        return stems

    @property
    def arrays(self) -> dict[str, Any]:
        """Return the flat arrays the gazetteer was built from (read-only).

        What :mod:`ingest.gazetteer_cache` pickles; ``Gazetteer(arrays)``
        rebuilds the same gazetteer.
        """
        return self._a

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
            and cities (see
            :func:`ingest.gazetteer_build.read_change_tables`).
        aliases : DataFrame, optional
            Columns ``alias``, ``code``, ``scope`` (may be empty), ``note_zh``,
            ``note_en``, and optionally ``valid_from``/``valid_to`` (ISO
            dates, empty = open; ``valid_to`` exclusive): zone and popular
            names of units, some valid only in a period (an alias that named
            one place before a date and another after).

        Returns
        -------
        Gazetteer
        """
        # imported here: the builder imports this module's constants
        from grid.gazetteer_builder import build_arrays

        started = time.perf_counter()
        arrays = build_arrays(
            current, historical=historical, changes=changes, aliases=aliases
        )
        arrays["meta"]["build_seconds"] = round(time.perf_counter() - started, 2)
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
        inside a unit the address also names are kept.  An entry valid only
        inside a scope is listed under the units from itself up to that
        scope.  Built once per keyword.
        """
        found = self._entries_under.get(keyword_id)
        if found is None:
            found = {}
            chains = self.chains
            for e in range(self._kw_ptr[keyword_id], self._kw_ptr[keyword_id + 1]):
                unit = self._ent_unit[e]
                scope = self._ent_scope[e]
                holders = (unit, *chains[unit])
                if scope >= 0:  # valid only under its scope
                    if scope not in holders:
                        continue
                    holders = holders[: holders.index(scope) + 1]
                for holder in holders:
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

    @property
    def entry_periods(self) -> tuple[list[int], list[int]]:
        """Return each entry's validity: from and to (YYYYMMDD, to exclusive)."""
        return self._ent_from, self._ent_to

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
        :func:`grid.gazetteer_builder.village_candidates`): the villages of
        the town it was merged into whose names are most like its old name;
        empty when it was merged into a county.
        """
        row = self._a["hv"]["ranked"][record]
        return tuple(row[row >= 0].tolist())

    def clear_caches(self) -> None:
        """Forget memoised resolutions and village indices (for benchmarks)."""
        self._memos.clear()
        self._village_indices.clear()
        self._entries_under.clear()

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
