"""Three years of synthetic inspections, violations and complaints (demo).

:func:`generate_records` writes the history of the Qingdao demo: the checks
the roster's people made on the demo employers, the cases they found and
the complaints people filed, in the columns ``twonet records import``
reads (:data:`HEADERS`); :func:`write_demo_records` writes them as UTF-8
CSV with BOM.  Everything is invented, deterministic (one seeded
:class:`numpy.random.Generator` per aspect) and needs no database.

Volumes, per employer and year: about 2 patrols (the village's zeal varies),
0.85 written reviews (March–June), 5 % random checks (双随机, April–October),
campaign checks of target categories (winter wage campaign, summer
campaign), violations at about 1.6 % times a category risk, complaints at
about 0.8 % plus one before each case a complaint brought to light.

Planted patterns (chosen from the data, see :mod:`ingest.demo_record_sites`):

1. **wage_arrears** — construction employers (GB/T 4754 section E) of 3–4
   neighbouring townships owe wages, mostly in the months before the Spring
   Festival, over the whole history;
2. **child_labour** — small workshops (小作坊) of 3–4 neighbouring villages
   employ children;
3. **never_inspected** — 3–5 neighbouring villages with two assistants each
   and many employers, where nobody ever inspects (no check of any kind, a
   complaint registered and never handled);
4. **new_hotspot** — 3–4 neighbouring villages with no violation before the
   last twelve months, and a burst of them in the final calendar quarter
   (the last step of a quarterly emerging-hotspot analysis: a *new* hot
   spot; spread over the whole year it would be *consecutive*).

Awkward records: a few complaints name an employer by name and address
without its code, a few name a valid code no employer has; the import must
queue them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid.errors import GridBuildError
from ingest import demo_record_draws as draws
from ingest import demo_record_frames as assembly
from ingest.demo_record_frames import HEADERS
from ingest.demo_record_sites import Sites, choose_sites, neighbours, staffed_villages
from ingest.demo_record_staff import StaffPools, assign_staff
from ingest.demo_tables import CATEGORIES
from ingest.uscc import validate_uscc_array


@dataclass(frozen=True)
class RecordsDemo:
    """A generated history.

    Attributes
    ----------
    inspections, violations, complaints : pandas.DataFrame
        Columns :data:`HEADERS` of the kind; text and ISO dates as ``str``
        (missing: None), counts and yuan ``Int64``, months ``float``.
    planted : dict
        Pattern (``wage_arrears``, ``child_labour``, ``never_inspected``,
        ``new_hotspot``) → ``level``, ``cells`` (codes of that level),
        ``townships`` (of village patterns), ``from``/``to`` (ISO dates),
        ``type`` (a key of ``VIOLATION_TYPES`` or None), ``employers`` and
        ``violations`` counts; ``name_only`` and ``unknown_uscc`` →
        ``complaints`` (their numbers) and ``uscc`` (the codes meant,
        resp. named).
    """

    inspections: pd.DataFrame
    violations: pd.DataFrame
    complaints: pd.DataFrame
    planted: dict[str, dict[str, Any]]

    def frames(self) -> dict[str, pd.DataFrame]:
        """Return kind (``--kind`` of the import) → frame."""
        return {
            "inspections": self.inspections,
            "violations": self.violations,
            "complaints": self.complaints,
        }


def generate_records(
    cells: pd.DataFrame,
    employers: pd.DataFrame,
    staff: pd.DataFrame,
    assignments: pd.DataFrame,
    *,
    truth: pd.DataFrame | None = None,
    years: int = 3,
    end: dt.date = dt.date(2026, 11, 30),
    seed: int = 20233,
) -> RecordsDemo:
    """Generate the demo's inspections, violations and complaints.

    Parameters
    ----------
    cells : GeoDataFrame
        The demo grid (:func:`grid.demo.build_qingdao_demo`).
    employers : DataFrame
        The demo registry's rows (``RegistryDemo.rows``).
    staff, assignments : DataFrame
        The demo roster's frames (``RosterDemo.staff``, ``.assignments``).
    truth : DataFrame, optional
        ``RegistryDemo.truth``: each row's village and defects.  Without it
        employers are placed by their coordinates (:class:`grid.locate.
        CellLocator`) and those without are left out.
    years : int, default 3
        Length of the history, ending on ``end``.
    end : date, default 2026-11-30
    seed : int

    Returns
    -------
    RecordsDemo

    Raises
    ------
    GridBuildError
        Fewer than 100 usable employers, or no place for a pattern.

    Examples
    --------
    Needs the demo grid, so not run as a doctest::

        registry = generate_registry(cells, n=30_000, seed=1)
        roster = generate_roster(cells)
        demo = generate_records(cells, registry.rows, roster.staff,
                                roster.assignments, truth=registry.truth)
        write_demo_records(demo, Path("data/demo/records"))
    """
    window = draws.Window(
        _years_before(end, years).toordinal() + 1,
        end.toordinal(),
        _years_before(end, 1).toordinal() + 1,
    )
    pool = _employer_pool(cells, employers, truth)
    sites = choose_sites(cells, pool, staffed_villages(assignments, staff))
    _mark(pool, sites, cells)
    streams = iter(np.random.SeedSequence(seed).spawn(12))

    def rng() -> np.random.Generator:
        return np.random.default_rng(next(streams))

    found = pd.concat(
        [
            draws.noise_violations(rng(), pool, window),
            draws.planted_violations(rng(), pool, window),
        ],
        ignore_index=True,
    )
    cases = draws.outcomes(rng(), pool, found, window)
    said = pd.concat(
        [
            draws.case_complaints(rng(), cases, window),
            draws.other_complaints(rng(), pool, window),
            draws.unheard_complaints(rng(), pool, window),
        ],
        ignore_index=True,
    )
    checks = pd.concat(
        [
            draws.routine_inspections(rng(), pool, window),
            pd.DataFrame(
                {"emp": cases["emp"], "day": cases["day"], "kind": cases["source"]}
            ).assign(result="problem"),
            pd.DataFrame(
                {"emp": said["emp"], "day": said["check"], "kind": "complaint"}
            )[said["check"].to_numpy() >= 0].assign(result="clean"),
        ],
        ignore_index=True,
    )
    checks["day"] = draws.workdays(checks["day"].to_numpy(), window)
    towns = cells[cells["level"] == "township"].sort_values("code")
    towns_of = {
        str(k): list(g["code"].astype(str))
        for k, g in towns.groupby("parent_code", sort=True)
    }
    events = checks.join(pool[["village", "township", "county"]], on="emp")
    checks["staff"] = assign_staff(
        rng(), StaffPools.from_roster(staff, assignments), events, towns_of
    )
    complaints = assembly.complaint_frame(rng(), pool, said)
    awkward, planted_ids = assembly.awkward_complaints(
        rng(), cells, pool, employers, window
    )
    complaints = assembly.numbered(
        pd.concat([complaints, awkward], ignore_index=True), "受理日期", "TS", 5
    )
    planted = assembly.describe(sites, pool, cases, window)
    planted.update(assembly.awkward_ids(complaints, planted_ids))
    return RecordsDemo(
        assembly.inspection_frame(pool, checks),
        assembly.violation_frame(pool, cases),
        complaints.loc[:, list(HEADERS["complaints"])],
        planted,
    )


def write_demo_records(
    frames: RecordsDemo | Mapping[str, pd.DataFrame], folder: Path
) -> dict[str, Path]:
    """Write ``inspections.csv``, ``violations.csv``, ``complaints.csv``.

    UTF-8 with BOM, one file per kind, ready for
    ``twonet records import FILE --kind KIND``.

    Returns
    -------
    dict
        Kind → the file written.
    """
    named = frames.frames() if isinstance(frames, RecordsDemo) else frames
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for kind, frame in named.items():
        path = folder / f"{kind}.csv"
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        written[kind] = path
    return written


def _years_before(day: dt.date, years: int) -> dt.date:
    """Return the same day ``years`` earlier (28 February for 29 February)."""
    if day.month == 2 and day.day == 29:
        day = day.replace(day=28)
    return day.replace(year=day.year - years)


# ------------------------------------------------------------------ employers
def _employer_pool(
    cells: pd.DataFrame, employers: pd.DataFrame, truth: pd.DataFrame | None
) -> pd.DataFrame:
    """Return the employers records may name: valid, unique code, a known village."""
    uscc = employers["统一社会信用代码"].astype("string").fillna("").str.strip()
    if truth is not None:
        village = truth["village_code"].astype(str).to_numpy()
        good = truth["defects"].astype(str).to_numpy() == ""
    else:
        village = _locate(cells, employers)
        good = _consistent(employers)
    parent = dict(zip(cells["code"].astype(str), cells["parent_code"], strict=True))
    township = pd.Series(village).map(parent)
    checks = validate_uscc_array(uscc)
    name = employers["单位名称"].astype("string").fillna("").str.strip()
    usable = (
        good
        & checks["check_ok"].to_numpy()
        & ~uscc.duplicated(keep=False).to_numpy()
        & (name != "").to_numpy()
        & township.notna().to_numpy()
    )
    label = {c.label: c.key for c in CATEGORIES if c.label}
    rows = employers[usable]
    address = rows["生产经营地址"].astype("string").fillna(rows["注册地址"])
    pool = pd.DataFrame(
        {
            "uscc": uscc[usable].to_numpy(),
            "name": name[usable].to_numpy(),
            "address": address.fillna("").to_numpy(),
            "village": village[usable],
            "township": township[usable].astype(str).to_numpy(),
            "category": rows["重点类别"].map(label).fillna("ordinary").to_numpy(),
            "construction": rows["行业代码"].astype(str).str.startswith("E").to_numpy(),
            "workshop": (rows["重点类别"] == "小作坊").to_numpy(),
            "staff": pd.to_numeric(rows["职工人数"], errors="coerce")
            .fillna(1)
            .clip(lower=1)
            .to_numpy(dtype=float),
        }
    )
    pool["county"] = pool["township"].map(parent).astype(str)
    if len(pool) < 100:
        msg = (
            "示例记录需要至少 100 家可用单位 / need at least 100 usable employers,"
            f" got {len(pool)}"
        )
        raise GridBuildError(msg)
    return pool


def _consistent(employers: pd.DataFrame) -> np.ndarray:
    """Rows whose counts and date obey the register's rules (the import's)."""

    def n(column: str) -> pd.Series:
        return pd.to_numeric(employers[column], errors="coerce")

    dated = employers["更新日期"].map(lambda d: isinstance(d, dt.date))
    ok = (
        (n("男") + n("女") == n("职工人数"))
        & (n("农民工人数") <= n("在岗人数"))
        & (n("在岗人数") <= n("职工人数"))
        & (n("劳动合同签订人数") <= n("应签合同人数"))
        & (n("应签合同人数") <= n("职工人数"))
        & dated
    )
    return np.asarray(ok.fillna(False).to_numpy(dtype=bool))


def _locate(cells: pd.DataFrame, employers: pd.DataFrame) -> np.ndarray:
    """Village of each employer by its coordinates (None when it has none)."""
    from grid.coords import to_wgs84
    from grid.locate import CellLocator

    lon = pd.to_numeric(employers["经度"], errors="coerce").to_numpy(float, copy=True)
    lat = pd.to_numeric(employers["纬度"], errors="coerce").to_numpy(float, copy=True)
    labels = employers["坐标系"].astype("string").fillna("")
    for label in sorted(set(labels) - {""}):
        at = (labels == label).to_numpy()
        try:
            lon[at], lat[at] = to_wgs84(lon[at], lat[at], label)
        except ValueError:  # an unknown datum: leave the rows unplaced
            lon[at] = np.nan
    lon[(labels == "").to_numpy()] = np.nan
    lat[np.isnan(lon)] = np.nan
    found = CellLocator.from_cells(cells).locate(lon, lat)
    return np.asarray(found["village_code"].to_numpy(dtype=object))


def _mark(pool: pd.DataFrame, sites: Sites, cells: pd.DataFrame) -> None:
    graph = neighbours(cells, "township")
    ring = {n for t in sites.wage_arrears for n in graph.get(t, [])}
    pool["wage_site"] = pool["township"].isin(sites.wage_arrears)
    pool["wage_ring"] = pool["township"].isin(ring - set(sites.wage_arrears))
    pool["child_site"] = pool["village"].isin(sites.child_labour)
    pool["never"] = pool["village"].isin(sites.never_inspected)
    pool["new"] = pool["village"].isin(sites.new)
