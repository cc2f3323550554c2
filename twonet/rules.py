"""Staffing rules of a deployment: the rules file, the context on a date, the report.

* :func:`load_rules` — the shipped defaults (``twonet/staffing_rules.toml``)
  overridden by a deployment's TOML file (``path``, else ``$TWONET_RULES``);
  the file may set only some rules and keys.
* :func:`staffing_context` — the cells, staff, assignments and employer load
  of the database on a date, as :class:`grid.staffing.StaffingContext`;
  given ``assignments``, those replace the stored ones (the change-set
  preview of a state not yet applied).
* :func:`rules_report` — every breach on a date (optionally of cells at one
  level); :func:`report_json`, :func:`write_report` and
  :func:`breach_counts` put it in front of people.

The rules themselves are pure (:mod:`grid.staffing`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from grid.codes import level_of_code, parse_level
from grid.errors import CellCodeError, StaffingRulesError
from grid.staffing import (
    BREACH_COLUMNS,
    RULE_LABELS,
    RULE_NAMES,
    StaffingContext,
    StaffingRules,
    check_rules,
)
from twonet.db.assignment_store import assignments_as_of
from twonet.db.repository import Bind, transaction
from twonet.db.staffing_queries import cells_on, employer_load, staff_on
from twonet.exports import write_table

#: Environment variable naming a deployment's rules file.
RULES_ENV = "TWONET_RULES"
#: Chinese headers of the report in CSV/XLSX.
BREACH_HEADERS_ZH: dict[str, str] = {
    "rule": "规则",
    "severity": "严重程度",
    "cell_code": "网格编码",
    "cell_name": "网格名称",
    "staff_id": "人员编号",
    "staff_name": "姓名",
    "value": "实际值",
    "limit": "限值",
    "message_zh": "说明",
    "message_en": "description",
}


def shipped_rules_text() -> str:
    """Return the text of the shipped defaults file (``staffing_rules.toml``)."""
    return (
        resources.files("twonet")
        .joinpath("staffing_rules.toml")
        .read_text(encoding="utf-8")
    )


def load_rules(path: Path | str | None = None) -> StaffingRules:
    """Return the staffing rules of this deployment.

    Parameters
    ----------
    path : Path or str, optional
        A TOML file with some rules (tables named by :data:`RULE_NAMES`) and
        keys (``enabled``, ``severity``, the rule's limit).  Default: the
        file named by ``$TWONET_RULES``, else only the shipped defaults.

    Raises
    ------
    StaffingRulesError
        The file cannot be read or parsed, or names an unknown rule or key,
        a bad severity or a limit that is not a positive integer; the
        message names the file and every bad value.
    """
    base = StaffingRules.from_mapping(
        _parse(shipped_rules_text(), "twonet/staffing_rules.toml"),
        source="twonet/staffing_rules.toml",
    )
    if path is None:
        path = os.environ.get(RULES_ENV) or None
    if path is None:
        return base
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = (
            f"无法读取人员配置规则文件 {str(path)!r} / cannot read the staffing "
            f"rules file {str(path)!r}: {exc}"
        )
        raise StaffingRulesError(msg) from exc
    return StaffingRules.from_mapping(
        _parse(text, str(path)), source=str(path), base=base
    )


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = (
            f"人员配置规则文件 {source!r} 不是有效的 TOML / the staffing rules "
            f"file {source!r} is not valid TOML: {exc}"
        )
        raise StaffingRulesError(msg) from exc


def staffing_context(
    bind: Bind,
    as_of: dt.date | None = None,
    *,
    assignments: pd.DataFrame | None = None,
) -> StaffingContext:
    """Return what the staffing rules look at in the database on ``as_of``.

    Parameters
    ----------
    bind : Engine or Connection
    as_of : date, optional
        Default today.  Cells, staff activity and assignments are those of
        that date; the employer load is the current register's.
    assignments : DataFrame, optional
        ``staff_id, cell_code, duty`` (other columns ignored): used instead of
        the assignments stored for the date, to judge a state not yet
        applied (a change-set preview).

    Returns
    -------
    StaffingContext
    """
    as_of = as_of or dt.date.today()
    with transaction(bind) as connection:
        cells = cells_on(connection, as_of)
        staff = staff_on(connection, as_of)
        load = employer_load(connection)
        if assignments is None:
            assignments = assignments_as_of(connection, as_of)
    return StaffingContext(
        cells=cells, staff=staff, assignments=assignments, load=load, as_of=as_of
    )


def rules_report(
    bind: Bind,
    as_of: dt.date | None = None,
    rules: StaffingRules | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """Return every breach of the staffing rules in the database on ``as_of``.

    Parameters
    ----------
    bind : Engine or Connection
    as_of : date, optional
        Default today.
    rules : StaffingRules, optional
        Default :func:`load_rules` ().
    level : str, optional
        Only breaches whose cell is at this level (``city`` … ``village``,
        or a Chinese name such as ``村``); a person's workload breach has no
        cell and is left out.  A closed cell's level is read from its code.

    Returns
    -------
    DataFrame
        :data:`grid.staffing.BREACH_COLUMNS`, sorted by rule, cell, person.
    """
    rules = rules if rules is not None else load_rules()
    wanted = parse_level(level) if level is not None else None
    context = staffing_context(bind, as_of)
    breaches = check_rules(context, rules)
    if wanted is None:
        return breaches
    levels = context.cells.set_index("code")["level"]
    found = breaches["cell_code"].map(levels)
    guessed = breaches["cell_code"].map(_level_from_code)
    found = found.where(found.notna(), guessed)
    return breaches[found.eq(wanted.value).to_numpy()].reset_index(drop=True)


def _level_from_code(code: object) -> str | None:
    if not isinstance(code, str):
        return None
    try:
        return level_of_code(code).value
    except CellCodeError:
        return None


def breach_counts(breaches: pd.DataFrame) -> pd.DataFrame:
    """Return the number of breaches per rule and severity (rules in order).

    Returns
    -------
    DataFrame
        ``rule, rule_zh, severity, count``; rules without breaches left out.
    """
    counts = breaches.groupby(["rule", "severity"]).size().rename("count")
    out = counts.reset_index()
    out["rule_zh"] = out["rule"].map(lambda r: RULE_LABELS[r][0])
    out["order"] = out["rule"].map(RULE_NAMES.index)
    out = out.sort_values(["order", "severity"]).reset_index(drop=True)
    return out.loc[:, ["rule", "rule_zh", "severity", "count"]]


def breach_records(breaches: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the breaches as plain records (missing values as ``None``)."""
    records = []
    for row in breaches.loc[:, list(BREACH_COLUMNS)].itertuples(index=False):
        record: dict[str, Any] = {}
        for key, value in zip(BREACH_COLUMNS, row, strict=True):
            if (
                value is None
                or value is pd.NA
                or (isinstance(value, float) and value != value)
            ):
                record[key] = None
            elif hasattr(value, "item"):
                record[key] = value.item()
            else:
                record[key] = value
        records.append(record)
    return records


def report_json(breaches: pd.DataFrame) -> str:
    """Return the breaches as a JSON list of objects (UTF-8 text, not escaped).

    Each object has :data:`grid.staffing.BREACH_COLUMNS` as keys: ``rule``,
    ``severity``, ``cell_code``, ``cell_name``, ``staff_id``,
    ``staff_name``, ``value``, ``limit``, ``message_zh``, ``message_en``;
    a missing value is ``null``.
    """
    return json.dumps(breach_records(breaches), ensure_ascii=False, indent=1)


def write_report(breaches: pd.DataFrame, path: Path) -> Path:
    """Write the breaches by suffix: ``.json``, ``.csv`` or ``.xlsx``.

    Raises
    ------
    StaffingRulesError
        Another suffix.
    """
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(report_json(breaches) + "\n", encoding="utf-8")
        return path
    if suffix in (".csv", ".xlsx"):
        return write_table(
            breaches.loc[:, list(BREACH_COLUMNS)],
            path,
            headers=BREACH_HEADERS_ZH,
            sheet="人员配置规则",
        )
    msg = (
        f"无法写出“{path.name}”：请用 .json、.csv 或 .xlsx / cannot write "
        f"{path.name!r}: use .json, .csv or .xlsx"
    )
    raise StaffingRulesError(msg)
