"""The problems QA reports: the checks, their severity, and the problems table.

Every check of :func:`grid.qa.run_qa` is listed in :data:`CHECKS`; each
problem found becomes one record (:func:`problem_record`) and the records
one GeoDataFrame (:func:`problems_frame`) with the columns of
:data:`PROBLEM_COLUMNS`.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from grid.cells import STORAGE_EPSG
from grid.codes import Level

#: Every check: name -> (severity, English description).
CHECKS: dict[str, tuple[str, str]] = {
    "bad_code": ("error", "code is not a valid 6/9/12/14-digit division code"),
    "level_mismatch": ("error", "level column disagrees with the code length"),
    "duplicate_code": ("error", "the same code appears on several cells"),
    "missing_parent": ("error", "parent code is empty or not in the grid"),
    "skipped_level": ("error", "parent is not on the level just above"),
    "code_not_under_parent": ("error", "code does not extend the parent's code"),
    "invalid_geometry": ("error", "geometry is invalid (see repair_invalid)"),
    "no_geometry": ("info", "cell has no geometry: employers placed by address"),
    "outside_parent": ("error", "child extends outside its parent"),
    "overlap": ("error", "two cells of one level overlap"),
    "land_gap": ("error", "land in a parent covered by none of its children"),
    "sea_gap": ("info", "water in a parent covered by none of its children"),
    "gap": ("warning", "area in a parent covered by no child (land unknown)"),
}

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

PROBLEM_COLUMNS: tuple[str, ...] = (
    "check",
    "severity",
    "code",
    "related_code",
    "level",
    "message_zh",
    "message_en",
    "area_m2",
    "geometry",
)


def is_blank(value: object) -> bool:
    """Tell whether a cell value is None, NaN or an empty string."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def problem_record(
    check: str,
    code: object,
    level: Level | None,
    zh: str,
    en: str,
    *,
    related: object = None,
    area: float | None = None,
    geometry: BaseGeometry | None = None,
) -> dict[str, Any]:
    """Build one problem record (geometry in EPSG:4326)."""
    return {
        "check": check,
        "severity": CHECKS[check][0],
        "code": None if is_blank(code) else str(code),
        "related_code": None if is_blank(related) else str(related),
        "level": level.value if level is not None else None,
        "message_zh": zh,
        "message_en": en,
        "area_m2": area,
        "geometry": geometry,
    }


def problems_frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Assemble problem records into a GeoDataFrame in EPSG:4326."""
    frame = pd.DataFrame(records, columns=list(PROBLEM_COLUMNS))
    geoms = gpd.GeoSeries(frame["geometry"].to_numpy(), crs=STORAGE_EPSG)
    frame = frame.drop(columns="geometry")
    frame["area_m2"] = frame["area_m2"].astype(float)
    out = gpd.GeoDataFrame(frame, geometry=geoms.values, crs=STORAGE_EPSG)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    check_order = {c: i for i, c in enumerate(CHECKS)}
    out = out.assign(
        _s=out["severity"].map(order), _c=out["check"].map(check_order)
    ).sort_values(["_s", "_c", "code", "related_code"], kind="stable")
    return out.drop(columns=["_s", "_c"]).reset_index(drop=True)
