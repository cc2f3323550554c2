"""The problems planted in the demo registry (:data:`ingest.demo_tables.DEFECTS`).

About :data:`ingest.demo_tables.DEFECT_SHARE` of the rows get one deliberate
defect each: a broken or duplicated credit code, a missing name, swapped or
lost coordinates, head counts that break the register's rules, an
unparseable date or an unknown datum.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ingest.demo_tables import (
    BAD_CRS_LABELS,
    BAD_DATES,
    COORD_DEFECTS,
    DEFECT_SHARE,
    DEFECTS,
)
from ingest.uscc import ALPHABET, uscc_check_char


def plant_defects(rng: np.random.Generator, work: pd.DataFrame) -> None:
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
            if (k not in COORD_DEFECTS or has_coords[i])
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


def break_uscc(rng: np.random.Generator, code: str, kind: str) -> str:
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
        values["uscc"][i] = break_uscc(rng, str(values["uscc"][i]), kind)
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
        values["updated"][i] = BAD_DATES[rng.integers(len(BAD_DATES))]
    elif kind == "crs_unknown":
        values["crs_label"][i] = BAD_CRS_LABELS[rng.integers(len(BAD_CRS_LABELS))]
