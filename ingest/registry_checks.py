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

from grid.coords import Datum
from ingest.registry_schema import COUNT_FIELDS, FIELD_LABELS
from ingest.tables.coordinates import PointFields, check_point
from ingest.tables.validate import INVISIBLE, TableCheck
from ingest.tables.values import to_bool
from ingest.uscc import MESSAGES as USCC_MESSAGES
from ingest.uscc import bad_characters, validate_uscc_array

#: An employer's coordinates: a dropped point leaves the address to geocode.
EMPLOYER_POINT: Final = PointFields(
    then_zh="，将按地址定位", then_en=", the address will be geocoded"
)


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
    values["uscc"], values["area_code"] = check_uscc(
        table, known_area_codes, require_uscc
    )
    if not require_uscc:
        values["uscc"] = _internal_codes(table, values["uscc"])
    values["lon"], values["lat"], values["crs"] = check_point(
        table, EMPLOYER_POINT, default=default, extent=extent
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


def check_uscc(
    table: TableCheck, known: Collection[str] | None, require_uscc: bool
) -> tuple[pa.Array, pa.Array]:
    """Check a table's credit codes (GB 32100), gathering every problem.

    Invisible characters are removed (and named in a warning); returns the
    codes normalised (null when blank) and their registration-area codes.
    ``known`` are the division codes an area is checked against (not when
    ``None``); without ``require_uscc`` a blank code is no problem.  Used
    by every table that names employers (registries, records).
    """
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
