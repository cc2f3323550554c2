"""``twonet bench accuracy``: accuracy on labelled sets TwoNet did not make.

The sets are in ``data/accuracy`` (see its ``PROVENANCE.md``); this module
reads them and :func:`accuracy_benchmark` scores them:

* labelled addresses (:func:`load_labelled_addresses`), scored per level by
  :func:`twonet.bench.parser_accuracy.address_accuracy` (the rule that
  decides whether a label names the unit found is in that module);
* points declared GCJ-02 (:func:`load_gcj02_points`), scored by
  :func:`twonet.bench.datum_accuracy.gcj02_accuracy`;
* district polygons of an Aliyun DataV export (:func:`read_datav_districts`),
  from which the committed points were sampled.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import shape

from grid.errors import GridFileError
from twonet.bench.datum_accuracy import (
    GCJ02_COLUMNS,
    gcj02_accuracy,
    locate_gcj02_points,
)
from twonet.bench.parser_accuracy import ALL, LABEL_COLUMNS, address_accuracy

#: Labelled Qingdao addresses of county-level cities and historical zones.
QINGDAO_SET = "qingdao_addresses.csv"
#: The region that set is parsed with, as a Qingdao grid parses its register.
QINGDAO_REGION = ("3702",)
#: ``dataset`` of that set in the report.
QINGDAO_DATASET = "Qingdao county-level cities & zones"

#: Trailing row locators of a ``source`` value (`` line 12``, `` case 3``).
_ROW_LOCATOR = re.compile(r"\s+(?:line|case|row)\s+\d+\s*$")


def _read_text_csv(
    path: Path | str, what: str, required: Sequence[str]
) -> pd.DataFrame:
    """Read a UTF-8 CSV (BOM allowed) as text; every ``required`` column present.

    Raises
    ------
    GridFileError
        If the file cannot be read or a required column is missing (``what``
        names the file's kind in the message).
    """
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (OSError, ValueError) as exc:
        msg = f"cannot read {what} {str(path)!r}: {exc}"
        raise GridFileError(msg) from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"{what} {str(path)!r} lack columns: {', '.join(missing)}"
        raise GridFileError(msg)
    return frame


def load_labelled_addresses(path: Path | str) -> pd.DataFrame:
    """Read a labelled address set such as ``data/accuracy/addresses.csv``.

    Parameters
    ----------
    path : path-like
        A UTF-8 CSV with the columns ``address`` and :data:`LABEL_COLUMNS`
        (names as the source wrote them, ``|`` between several; empty = not
        labelled), and optionally ``date`` (the record's date, blank where
        unknown), ``source`` and ``label_method``.

    Returns
    -------
    DataFrame
        Every column as text (missing values as ``""``), plus ``dataset``:
        the ``source`` without its row locator (``, via …``, `` line 12``,
        ``@commit``), e.g. ``CCKS2021-address-NER dev set``; ``all`` when the
        file has no ``source`` column.

    Raises
    ------
    GridFileError
        If the file cannot be read or a required column is missing.
    """
    frame = _read_text_csv(path, "labelled addresses", ("address", *LABEL_COLUMNS))
    for column in LABEL_COLUMNS:
        frame[column] = frame[column].str.strip()
    if "source" in frame.columns:
        frame["dataset"] = frame["source"].map(dataset_of)
    else:
        frame["dataset"] = ALL
    return frame


def dataset_of(source: str) -> str:
    """Return the dataset part of a ``source`` value (its row locator dropped).

    Examples
    --------
    >>> dataset_of("CCKS2021-address-NER dev set, via a/b:dev.json@1d73 line 2")
    'CCKS2021-address-NER dev set'
    >>> dataset_of("dongrixinyu/JioNLP:test/test_location_parser.py@12c5 case 3")
    'dongrixinyu/JioNLP:test/test_location_parser.py'
    """
    text = str(source).split(",", 1)[0].strip()
    text = _ROW_LOCATOR.sub("", text)
    return text.split("@", 1)[0].strip() or ALL


def load_gcj02_points(path: Path | str) -> pd.DataFrame:
    """Read a labelled GCJ-02 point set such as ``data/accuracy/gcj02_points.csv``.

    Parameters
    ----------
    path : path-like
        A UTF-8 CSV with the columns :data:`GCJ02_COLUMNS`.

    Returns
    -------
    DataFrame
        ``lon_gcj02`` and ``lat_gcj02`` as float, every other column as text.

    Raises
    ------
    GridFileError
        If the file cannot be read, a column is missing or a coordinate is
        not a number.
    """
    frame = _read_text_csv(path, "GCJ-02 points", GCJ02_COLUMNS)
    for column in ("lon_gcj02", "lat_gcj02"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = frame.index[values.isna()].tolist()
        if bad:
            rows = ", ".join(str(i + 2) for i in bad[:10])
            msg = (
                f"GCJ-02 points {str(path)!r}: {column} is not a number in rows {rows}"
            )
            raise GridFileError(msg)
        frame[column] = values.astype(np.float64)
    return frame


def read_datav_districts(path: Path | str) -> gpd.GeoDataFrame:
    """Read an Aliyun DataV.GeoAtlas ``*_full.json`` export of districts.

    Parameters
    ----------
    path : path-like
        A GeoJSON FeatureCollection whose features carry ``adcode`` and
        ``name`` properties (e.g. ``370200_full.json``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``code`` (6-digit adcode as text), ``name`` and ``geometry``, sorted
        by code.  The coordinates are **GCJ-02** (Amap); the frame has no CRS
        on purpose.

    Raises
    ------
    GridFileError
        If the file cannot be read or is not such a FeatureCollection.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        records = [
            {
                "code": str(int(f["properties"]["adcode"])),
                "name": str(f["properties"]["name"]),
                "geometry": shape(f["geometry"]),
            }
            for f in data["features"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        msg = f"cannot read DataV districts {str(path)!r}: {exc}"
        raise GridFileError(msg) from exc
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs=None)
    return frame.sort_values("code", ignore_index=True)


def accuracy_benchmark(data_dir: Path) -> dict[str, Any]:
    """Accuracy on labelled sets TwoNet did not make (``data/accuracy``).

    Returns
    -------
    dict
        ``addresses``: per source and level, from
        :func:`twonet.bench.parser_accuracy.address_accuracy` (human-labelled
        CCKS 2021 addresses and JioNLP's test cases); ``qingdao``: the same
        for the Qingdao set of county-level cities and historical zones
        (:data:`QINGDAO_SET`, pooled, parsed in :data:`QINGDAO_REGION` as a
        Qingdao grid parses its register, with each record's date where its
        source gives one); ``gcj02``: county
        accuracy of points declared GCJ-02, converted versus taken naively as
        WGS-84 (:func:`twonet.bench.datum_accuracy.gcj02_accuracy`);
        ``township_moved``: the share of those points whose township cell
        changes when the datum is ignored.
    """
    from grid.demo import build_qingdao_demo
    from grid.locate import CellLocator
    from twonet.employer_import import load_gazetteer

    folder = data_dir / "accuracy"
    labelled = load_labelled_addresses(folder / "addresses.csv")
    gazetteer = load_gazetteer()
    addresses = address_accuracy(labelled, gazetteer)
    qingdao = load_labelled_addresses(folder / QINGDAO_SET)
    qingdao["dataset"] = QINGDAO_DATASET
    qingdao_accuracy = address_accuracy(
        qingdao, gazetteer, region=QINGDAO_REGION, by=None
    )
    qingdao_accuracy["dataset"] = QINGDAO_DATASET
    cells, _ = build_qingdao_demo(data_dir / "qingdao")
    locator = CellLocator.from_cells(cells)
    points = load_gcj02_points(folder / "gcj02_points.csv")
    found = locate_gcj02_points(points, locator)
    both = found["township_converted"].notna() & found["township_naive"].notna()
    moved = both & (found["township_converted"] != found["township_naive"])
    return {
        "addresses": addresses,
        "qingdao": qingdao_accuracy,
        "gcj02": gcj02_accuracy(points, locator),
        "township_moved": float(moved.sum() / max(int(both.sum()), 1)),
    }
