"""Staff registries (人员名册) and assignment lists (人员分配表): open and read.

Both go through the generic table pipeline (:mod:`ingest.tables`) with their
schema (:mod:`ingest.staff_schema`) and their own checks
(:mod:`ingest.staff_checks`): encodings (UTF-8 with or without BOM,
GBK/GB18030), title rows, XLSX sheets, Chinese and English headers,
``mapping``, every problem with its row number, the key check across chunks
and files.

The results hold personal data as read (phone and ID numbers, also in the
problems and rejected rows); :func:`twonet.staff_import.import_staff` masks
them in everything it stores or writes about problems.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import partial
from os import PathLike

from grid.coords import Datum, parse_datum
from ingest.staff_checks import check_assignments, check_staff
from ingest.staff_schema import ASSIGNMENT_KINDS, ASSIGNMENTS, STAFF, STAFF_KINDS
from ingest.tables.pipeline import TableStream, open_table
from ingest.tables.problems import TableResult


def open_staff(
    path: str | PathLike[str],
    *,
    known_cells: Collection[str] | None = None,
    default_crs: str | Datum | None = None,
    extent: tuple[float, float, float, float] | None = None,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    earlier_keys: Mapping[str, str] | None = None,
) -> TableStream:
    """Open a staff registry to check it chunk by chunk.

    Parameters
    ----------
    path : str or path-like
        CSV (also ``.txt``/``.tsv``) or XLSX.
    known_cells : collection of str, optional
        The grid's cell codes: a unit not among them is rejected.  Not
        checked when ``None``.
    default_crs : str or Datum, optional
        Datum of a home point whose row names none (WGS-84 when ``None``,
        said in a note).
    extent : (lon_min, lat_min, lon_max, lat_max), optional
        WGS-84 bounding box of the grid: a home point outside it is dropped.
    mapping, encoding, sheet, delimiter, earlier_keys
        See :func:`ingest.tables.pipeline.open_table`.

    Returns
    -------
    TableStream
        Accepted rows: ``row``, the fields of :data:`~ingest.staff_schema.STAFF`
        (``kind`` ``"inspector"``/``"assistant"``, ``id_number`` null when
        invalid, ``home_lon``/``home_lat`` WGS-84, ``crs`` the datum the
        point was given in), ``extra``.

    Raises
    ------
    TwoNetError
        The file cannot be read or its columns mapped.
    CRSError
        ``default_crs`` is not a datum name.
    """
    default = None if default_crs is None else parse_datum(default_crs)
    check = partial(
        check_staff, known_cells=known_cells, default=default, extent=extent
    )
    return open_table(
        path,
        STAFF,
        check=check,
        kinds=STAFF_KINDS,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
        earlier_keys=earlier_keys,
    )


def open_assignments(
    path: str | PathLike[str],
    *,
    known_staff: Collection[str] | None = None,
    known_cells: Collection[str] | None = None,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    earlier_keys: Mapping[str, str] | None = None,
) -> TableStream:
    """Open an assignment list to check it chunk by chunk.

    Parameters
    ----------
    path : str or path-like
    known_staff : collection of str, optional
        Staff ids of the registry: a row naming another is rejected.
    known_cells : collection of str, optional
        The grid's cell codes: a row naming another is rejected.
    mapping, encoding, sheet, delimiter, earlier_keys
        See :func:`ingest.tables.pipeline.open_table`.

    Returns
    -------
    TableStream
        Accepted rows: ``row``, the fields of
        :data:`~ingest.staff_schema.ASSIGNMENTS` (``duty`` its stored value,
        dates ``datetime64``), ``extra``.
    """
    check = partial(check_assignments, known_staff=known_staff, known_cells=known_cells)
    return open_table(
        path,
        ASSIGNMENTS,
        check=check,
        kinds=ASSIGNMENT_KINDS,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
        earlier_keys=earlier_keys,
    )


def read_staff(path: str | PathLike[str], **options: object) -> TableResult:
    r"""Read and check a whole staff registry (options of :func:`open_staff`).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "s.csv").write_text("人员编号,姓名,类别\nS001,王芳,协管员\n")
    >>> read_staff(folder / "s.csv").rows[["row", "staff_id", "kind"]].values.tolist()
    [[2, 'S001', 'assistant']]
    """
    stream = open_staff(path, **options)  # type: ignore[arg-type]
    return stream.summary(list(stream.chunks()))


def read_assignments(path: str | PathLike[str], **options: object) -> TableResult:
    """Read and check a whole assignment list (options of :func:`open_assignments`)."""
    stream = open_assignments(path, **options)  # type: ignore[arg-type]
    return stream.summary(list(stream.chunks()))
