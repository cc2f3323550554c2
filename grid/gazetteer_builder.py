"""Build a gazetteer's flat arrays from division frames (pure: no file I/O).

:func:`build_arrays` turns the NBS lists (as ``code``/``name`` frames), the
change table and the zone aliases into the arrays a
:class:`~grid.gazetteer.Gazetteer` queries: units sorted by level and code,
admin keywords with their meanings (full, short, historical names and
aliases), village forms per town or county, historical villages and where
every old code went.  :meth:`Gazetteer.from_frames
<grid.gazetteer.Gazetteer.from_frames>` calls it; reading the frames from
files and caching the result are in :mod:`ingest.gazetteer_build`.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from grid.errors import GridFileError
from grid.gazetteer import (
    ALWAYS,
    CODE_WIDTHS,
    KIND_ALIAS,
    KIND_FULL,
    KIND_HIST,
    KIND_HIST_SHORT,
    KIND_SHORT,
    KIND_WEIGHTS,
    LEVEL_NAMES,
    LEVEL_NAMES_ZH,
    VKIND_FULL,
    VKIND_HIST,
    Gazetteer,
)
from grid.gazetteer_names import name_forms, village_stem

#: Bumped whenever the cache layout or the build rules change.
FORMAT_VERSION = 5
#: Villages ranked for each merged village (see
#: :meth:`~grid.gazetteer.Gazetteer.merged_village_candidates`).
MERGED_CANDIDATES = 5

#: Stems of a town's villages, with their characters, by town.
TownStems = dict[int, list[tuple[str, frozenset[str], int]]]


def build_arrays(
    current: Mapping[str, pd.DataFrame],
    *,
    historical: Mapping[str, pd.DataFrame] | None = None,
    changes: pd.DataFrame | None = None,
    aliases: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Return the flat arrays of a gazetteer built from division frames.

    Parameters are those of :meth:`grid.gazetteer.Gazetteer.from_frames`.

    Returns
    -------
    dict
        What ``Gazetteer(arrays)`` takes; ``meta`` holds
        :data:`FORMAT_VERSION` and counts of what was mapped or left
        unresolved.
    """
    builder = _Builder(current)
    builder.add_current_keywords()
    if historical is not None:
        builder.add_historical(historical)
    if changes is not None and len(changes):
        builder.add_changes(changes)
    if aliases is not None and len(aliases):
        builder.add_aliases(aliases)
    arrays = builder.finish()
    arrays["hv"]["ranked"] = rank_merged_villages(Gazetteer(arrays))
    return arrays


def rank_merged_villages(gazetteer: Gazetteer) -> npt.NDArray[np.int32]:
    """Rank, for each merged village, the villages it most likely became.

    Returns
    -------
    ndarray
        ``(records, MERGED_CANDIDATES)`` unit indices, best first, ``-1``
        padded; a row is empty for a village merged into a county.
    """
    successors = gazetteer.historical_village_successors()
    ranked = np.full((len(successors), MERGED_CANDIDATES), -1, np.int32)
    stems: TownStems = {}
    for record, successor in enumerate(successors.tolist()):
        if gazetteer.level[successor] == 3:
            old_name = gazetteer.historical_village(record)[0]
            found = village_candidates(
                gazetteer, successor, old_name, limit=MERGED_CANDIDATES, stems=stems
            )
            ranked[record, : len(found)] = found
    return ranked


def village_candidates(
    gazetteer: Gazetteer,
    town: int,
    old_name: str,
    *,
    limit: int = 5,
    stems: TownStems | None = None,
) -> list[int]:
    """Rank the villages of a town by name similarity to an old name.

    ``stems`` keeps the stems of the towns' villages between calls.
    """
    stem = village_stem(old_name)
    if stems is None:
        stems = {}
    town_stems = stems.get(town)
    if town_stems is None:
        town_stems = []
        for v in gazetteer.descendants(town, 4):
            other = village_stem(gazetteer.name(v))
            town_stems.append((other, frozenset(other), v))
        stems[town] = town_stems
    chars = frozenset(stem)
    scored = [
        (_similarity(stem, other, chars, other_chars), -v, v)
        for other, other_chars, v in town_stems
    ]
    scored.sort(reverse=True)
    return [v for score, _, v in scored[:limit] if score > 0]


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


def _frame_rows(frame: pd.DataFrame | None) -> list[tuple[int, str]]:
    if frame is None or not len(frame):
        return []
    codes = frame["code"].astype("int64").tolist()
    names = frame["name"].astype(str).tolist()
    return list(zip(codes, names, strict=True))


def _date_number(text: object, default: int) -> int:
    """Return an ISO date (``2007-07-01``, ``2007-07``, ``2007``) as YYYYMMDD.

    Raises
    ------
    GridFileError
        If ``text`` is not blank and not such a date.
    """
    value = str(text or "").strip()
    if not value:
        return default
    parts = value.split("-")
    if not all(p.isdigit() for p in parts) or len(parts) > 3 or len(parts[0]) != 4:
        msg = f"zone alias date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD"
        raise GridFileError(msg)
    numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
    return numbers[0] * 10_000 + numbers[1] * 100 + numbers[2]


def _period_text(period: tuple[int, int]) -> str:
    """Return a validity period as ``1994-04-01–2007-12-31`` (open ends blank)."""

    def iso(number: int) -> str:
        return f"{number // 10_000:04d}-{number // 100 % 100:02d}-{number % 100:02d}"

    start = "" if period[0] == ALWAYS[0] else iso(period[0])
    end = "" if period[1] == ALWAYS[1] else iso(period[1])
    return f"{start}–{end}"


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
        self.entries: dict[str, dict[int, tuple[int, int, int, int, int]]] = {}
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
        self,
        keyword: str,
        unit: int,
        kind: int,
        note: int = -1,
        scope: int = -1,
        period: tuple[int, int] = ALWAYS,
    ) -> None:
        if len(keyword) < 2:
            return
        meanings = self.entries.setdefault(keyword, {})
        old = meanings.get(unit)
        if old is None or KIND_WEIGHTS[kind] > KIND_WEIGHTS[old[0]]:
            meanings[unit] = (kind, note, scope, *period)
        elif period != ALWAYS:
            # a dated alias limits the name's meaning, however it was known
            # (青岛高新技术产业开发区 is a 2023 name of 370214400, but meant
            # the Laoshan park before 2007)
            meanings[unit] = (*old[:3], *period)

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
            period = (
                _date_number(row.get("valid_from", ""), ALWAYS[0]),
                _date_number(row.get("valid_to", ""), ALWAYS[1]),
            )
            if period != ALWAYS:
                zh += f"（{_period_text(period)}）"
                en += f" ({_period_text(period)})"
            self.add_keyword(
                row["alias"], unit, KIND_ALIAS, self.note_id(zh, en), scope, period
            )

    # -------------------------------------------------------------- finish

    def finish(self) -> dict[str, Any]:
        n = len(self.code)
        name_off = np.zeros(n + 1, dtype=np.int64)
        name_off[1:] = np.cumsum([len(s) for s in self.name])
        keywords = sorted(self.entries)
        kw_ptr = [0]
        ent: list[tuple[int, int, int, int, int, int]] = []
        for keyword in keywords:
            meanings = self.entries[keyword]
            for unit in sorted(
                meanings, key=lambda u: (-KIND_WEIGHTS[meanings[u][0]], u)
            ):
                ent.append((unit, *meanings[unit]))
            kw_ptr.append(len(ent))
        ent_array = np.array(ent, dtype=np.int32).reshape(-1, 6)
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
            "ent_from": ent_array[:, 4].copy(),
            "ent_to": ent_array[:, 5].copy(),
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
