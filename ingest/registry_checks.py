"""The checks only employers have, run on each chunk of a registry.

* the unified social credit code (GB 32100-2015: length, characters, check
  characters, registration area), invisible characters removed and named,
  and an internal code for a row allowed to have none;
* coordinates in their declared datum (numbers, both or neither, swapped,
  inside China, inside the grid's extent, a known coordinate system);
* head-count rules (staff = men + women; staff ≥ on post ≥ migrant workers;
  signed ≤ required ≤ staff).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from grid.coords import CHINA_BBOX, Datum, parse_datum
from grid.errors import CRSError
from ingest.registry_schema import COUNT_FIELDS, FIELD_LABELS, OBFUSCATED_MARGIN
from ingest.tables.validate import INVISIBLE, TableCheck
from ingest.tables.values import (
    fold,
    null_token_mask,
    parse_numbers,
    to_bool,
)
from ingest.uscc import MESSAGES as USCC_MESSAGES
from ingest.uscc import bad_characters, validate_uscc_array


def check_employers(
    table: TableCheck,
    *,
    default: Datum | None,
    extent: tuple[float, float, float, float] | None,
    known_area_codes: Collection[str] | None,
    require_uscc: bool,
) -> None:
    """Run the checks only employers have (see the module docstring)."""
    values = table.values
    values["uscc"], values["area_code"] = _check_uscc(
        table, known_area_codes, require_uscc
    )
    if not require_uscc:
        values["uscc"] = _internal_codes(table, values["uscc"])
    values["lon"], values["lat"], values["crs"] = _check_coordinates(
        table, default, extent
    )
    counts = {n: _as_float(values.get(n), table.n) for n in COUNT_FIELDS}
    _check_staff_rules(table, counts)


#: First characters of the code given to an employer without a credit code:
#: ``Z`` is not in the credit-code alphabet, so it never meets a real one.
INTERNAL_CODE_PREFIX: Final = "ZZ"


def _internal_codes(table: TableCheck, codes: pa.Array) -> pa.Array:
    """Give rows without a credit code an internal code, with a warning.

    The code is ``ZZ`` and 16 hexadecimal digits of a hash of the name and
    the address, so the same workshop gets the same code at every import
    (and two rows naming the same one are caught as duplicates).
    """
    import hashlib

    missing = ~to_bool(pc.is_valid(codes)) & ~table.rejected
    if not missing.any():
        return codes
    names = table.cells("name").to_pylist()
    operating = table.cells("operating_address").to_pylist()
    registered = table.cells("registered_address").to_pylist()
    made = codes.to_pylist()
    for i in np.flatnonzero(missing):
        basis = "|".join(
            str(v or "").strip() for v in (names[i], operating[i] or registered[i])
        )
        digest = hashlib.blake2b(basis.encode(), digest_size=8).hexdigest().upper()
        made[i] = INTERNAL_CODE_PREFIX + digest
    result = pa.array(made, pa.string())
    table.add(
        missing,
        "uscc_missing",
        "uscc",
        "缺少统一社会信用代码，按名称和地址编为内部编码“{code}”",
        "credit code missing; given the internal code '{code}' from name and address",
        value="{code}",
        severity="warning",
        code=result,
    )
    return result


def _as_float(values: pd.Series | None, n: int) -> npt.NDArray[np.float64]:
    if values is None:
        return np.full(n, np.nan)
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _check_uscc(
    table: TableCheck, known: Collection[str] | None, require_uscc: bool
) -> tuple[pa.Array, pa.Array]:
    _strip_invisible(table)
    checks = validate_uscc_array(pd.Series(table.cells("uscc")), known_area_codes=known)
    code = pa.array(checks["code"])
    present = checks["present"].to_numpy()
    length_ok = checks["length_ok"].to_numpy()
    charset_ok = checks["charset_ok"].to_numpy()
    letters = length_ok & charset_ok
    templates = USCC_MESSAGES

    def add(
        mask: npt.NDArray[np.bool_],
        kind: str,
        *,
        severity: str | None = None,
        **fields: Any,
    ) -> None:
        zh, en = templates[kind]
        table.add(mask, kind, "uscc", zh, en, severity=severity, code=code, **fields)

    if require_uscc:
        add(~present, "uscc_missing")
    add(present & ~length_ok, "uscc_length", n=pc.utf8_length(code))
    bad_chars = present & length_ok & ~charset_ok
    bad = np.full(table.n, "", dtype=object)
    if bad_chars.any():
        bad[bad_chars] = [bad_characters(c) for c in checks["code"][bad_chars]]
    add(bad_chars, "uscc_charset", bad=bad)
    area = pc.utf8_slice_codeunits(code, 2, 8)
    add(letters & ~checks["format_ok"].to_numpy(), "uscc_area_format", area=area)
    expected = pa.array(checks["check_char"])
    wrong = pc.not_equal(pc.utf8_slice_codeunits(code, 17, 18), expected)
    add(letters & to_bool(wrong), "uscc_check", expected=expected)
    add(
        letters & ~checks["org_check_ok"].to_numpy(),
        "uscc_org_check",
        expected=pa.array(checks["org_check_char"]),
    )
    add(
        letters & ~checks["authority_ok"].to_numpy(),
        "uscc_authority",
        pair=pc.utf8_slice_codeunits(code, 0, 2),
    )
    unknown = (checks["area_known"] == False).fillna(False).to_numpy(bool)  # noqa: E712
    add(unknown, "uscc_area_unknown", area=area)
    code_out = pc.if_else(pa.array(present), code, None)
    return code_out, pa.array(checks["area_code"])


def _check_coordinates(
    table: TableCheck,
    default: Datum | None,
    extent: tuple[float, float, float, float] | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], pa.Array]:
    lon, lon_blank = parse_numbers(table.cells("lon"))
    lat, lat_blank = parse_numbers(table.cells("lat"))
    drop = np.zeros(table.n, dtype=np.bool_)
    for name, values, blank in (("lon", lon, lon_blank), ("lat", lat, lat_blank)):
        bad = ~blank & np.isnan(values)
        zh_name, en_name = FIELD_LABELS[name]
        table.add(
            bad,
            "coord_not_numeric",
            name,
            f"{zh_name}“{{value}}”不是数字，坐标已舍弃，将按地址定位",
            f"{en_name} '{{value}}' is not a number; coordinates dropped, "
            "the address will be geocoded",
            value=table.cells(name),
        )
        drop |= bad
    partial = (lon_blank ^ lat_blank) & ~drop
    table.add(
        partial,
        "coord_partial",
        "lon",
        "经纬度只填了一个，坐标已舍弃，将按地址定位",
        "only one of longitude and latitude given; coordinates dropped, "
        "the address will be geocoded",
        value="{lon_text}, {lat_text}",
        lon_text=table.cells("lon"),
        lat_text=table.cells("lat"),
        column=f"{table.label('lon')}/{table.label('lat')}",
    )
    drop |= partial
    usable = ~np.isnan(lon) & ~np.isnan(lat)
    swapped = usable & (lat >= 73) & (lat <= 136) & (lon >= 3) & (lon <= 54)
    x_min, y_min, x_max, y_max = CHINA_BBOX
    outside = (
        usable
        & ~swapped
        & ~((lon >= x_min) & (lon <= x_max) & (lat >= y_min) & (lat <= y_max))
    )
    pair = "{lon_text}, {lat_text}"
    texts = {"lon_text": table.cells("lon"), "lat_text": table.cells("lat")}
    both = f"{table.label('lon')}/{table.label('lat')}"
    table.add(
        swapped,
        "coord_swapped",
        "lon",
        "经纬度疑似颠倒(经度{lon}，纬度{lat})，坐标已舍弃，将按地址定位",
        "longitude and latitude look swapped (lon {lon}, lat {lat}); "
        "coordinates dropped, the address will be geocoded",
        value=pair,
        column=both,
        **texts,
        lon=lon,
        lat=lat,
    )
    table.add(
        outside,
        "coord_out_of_range",
        "lon",
        "坐标(经度{lon}，纬度{lat})不在中国范围内，已舍弃，将按地址定位",
        "coordinates (lon {lon}, lat {lat}) are outside China; dropped, "
        "the address will be geocoded",
        value=pair,
        column=both,
        **texts,
        lon=lon,
        lat=lat,
    )
    drop |= swapped | outside
    datum, unknown = _datums(table, default, usable & ~drop)
    table.add(
        unknown & ~_blank_cells(table, "crs"),
        "crs_unknown",
        "crs",
        "无法识别的坐标系“{value}”，坐标已舍弃，将按地址定位",
        "unknown coordinate system '{value}'; coordinates dropped, "
        "the address will be geocoded",
        value=table.cells("crs"),
    )
    drop |= unknown & usable
    if extent is not None:
        margin = np.where(
            to_bool(pc.is_in(datum, value_set=pa.array(["gcj02", "bd09"]))),
            OBFUSCATED_MARGIN,
            0.0,
        )
        inside = (
            (lon >= extent[0] - margin)
            & (lon <= extent[2] + margin)
            & (lat >= extent[1] - margin)
            & (lat <= extent[3] + margin)
        )
        beyond = usable & ~drop & ~inside
        table.add(
            beyond,
            "coord_outside_extent",
            "lon",
            "坐标(经度{lon}，纬度{lat})不在本网格范围内，已舍弃，将按地址定位",
            "coordinates (lon {lon}, lat {lat}) are outside the grid's extent; "
            "dropped, the address will be geocoded",
            value=pair,
            column=both,
            **texts,
            lon=lon,
            lat=lat,
        )
        drop |= beyond
    lon = np.where(drop | ~usable, np.nan, lon)
    lat = np.where(drop | ~usable, np.nan, lat)
    return lon, lat, datum


def _blank_cells(table: TableCheck, name: str) -> npt.NDArray[np.bool_]:
    return null_token_mask(fold(table.cells(name)))


def _datums(
    table: TableCheck, default: Datum | None, with_coordinates: npt.NDArray[np.bool_]
) -> tuple[pa.Array, npt.NDArray[np.bool_]]:
    """Datum of each row (``Datum`` value or null) and where it is unknown."""
    text = fold(table.cells("crs"))
    blank = null_token_mask(text)
    fallback = default or Datum.WGS84
    if default is None and (blank & with_coordinates).any():
        table.notes.append(
            "rows give coordinates without a coordinate system; taken as "
            "WGS-84 (pass default_crs= / --default-crs) "
            "(有坐标而未注明坐标系的行按 WGS-84 处理)"
        )
    uniques = pc.unique(text).to_pylist()
    parsed: dict[str, str | None] = {}
    for value in uniques:
        try:
            parsed[value] = parse_datum(value).value
        except CRSError:
            parsed[value] = None
    keys = pa.array(list(parsed), text.type)
    targets = pa.array(list(parsed.values()), pa.string())
    datum = pc.take(targets, pc.index_in(text, value_set=keys))
    unknown = ~blank & ~to_bool(pc.is_valid(datum))
    datum = pc.if_else(pa.array(blank), fallback.value, datum)
    return datum, unknown


def _check_staff_rules(
    table: TableCheck, c: dict[str, npt.NDArray[np.float64]]
) -> None:
    rules = (
        ("staff_sum", ("staff", "men", "women"), "≠", "{a} ≠ {b} + {c}"),
        ("on_post_gt_staff", ("on_post", "staff"), ">", "{a} > {b}"),
        ("migrant_gt_on_post", ("migrant", "on_post"), ">", "{a} > {b}"),
        ("migrant_gt_staff", ("migrant", "staff"), ">", "{a} > {b}"),
        ("signed_gt_required", ("contracts_signed", "contracts_required"), ">", ""),
        ("required_gt_staff", ("contracts_required", "staff"), ">", ""),
    )
    for kind, names, _, _ in rules:
        values = [c[n] for n in names]
        if kind == "staff_sum":
            mask = values[0] != values[1] + values[2]
        else:
            mask = values[0] > values[1]
            if kind == "migrant_gt_staff":
                mask &= np.isnan(c["on_post"])
        mask &= np.all([~np.isnan(v) for v in values], axis=0)
        zh_terms = [f"{table.label(n)}({{v{i}}})" for i, n in enumerate(names)]
        en_terms = [f"{FIELD_LABELS[n][1]} ({{v{i}}})" for i, n in enumerate(names)]
        if kind == "staff_sum":
            zh = f"{zh_terms[0]}不等于{zh_terms[1]}与{zh_terms[2]}之和"
            en = f"{en_terms[0]} is not {en_terms[1]} + {en_terms[2]}"
        else:
            zh = f"{zh_terms[0]}大于{zh_terms[1]}"
            en = f"{en_terms[0]} is more than {en_terms[1]}"
        table.add(
            mask,
            kind,
            names[0],
            zh,
            en,
            value="/".join(f"{{v{i}}}" for i in range(len(names))),
            column="/".join(table.label(n) for n in names),
            **cast(dict[str, Any], {f"v{i}": v for i, v in enumerate(values)}),
        )


def _strip_invisible(table: TableCheck) -> None:
    """Remove invisible characters from credit codes, naming them in a warning.

    A zero-width space or a direction mark copied in with a code would
    otherwise make it 19 characters long while it looks right.
    """
    cells = table.cells("uscc")
    found = pc.match_substring_regex(cells, f"[{INVISIBLE}]")
    if not pc.any(found).as_py():
        return
    mask = to_bool(found)
    named = np.full(table.n, "", dtype=object)
    for i in np.flatnonzero(mask):
        chars = dict.fromkeys(c for c in str(cells[i]) if c in INVISIBLE)
        named[i] = "、".join(f"U+{ord(c):04X}" for c in chars)
    table.add(
        mask,
        "uscc_invisible",
        "uscc",
        "统一社会信用代码中含不可见字符{chars}，已删除",
        "credit code contains invisible characters {chars}; removed",
        value=pc.replace_substring_regex(cells, f"[{INVISIBLE}]", ""),
        chars=named,
    )
    table.replace_cells("uscc", pc.replace_substring_regex(cells, f"[{INVISIBLE}]", ""))
