"""Staffing rule settings: which rules apply, how severe, with which limits.

:class:`StaffingRules` holds one :class:`RuleSetting` per rule of
:data:`RULE_NAMES` (see :mod:`grid.staffing` for what each rule checks);
:meth:`StaffingRules.from_mapping` reads what a rules file holds and
gathers every problem before raising once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grid.errors import StaffingRulesError

#: Every rule, in report order.
RULE_NAMES: tuple[str, ...] = (
    "assistants_per_village",
    "responsible_per_township",
    "within_own_county",
    "employers_per_assistant",
    "workers_per_assistant",
    "employers_per_inspector",
    "workers_per_inspector",
    "closed_cell",
    "inactive_staff",
    "duty_matches_kind",
)
#: Rule → (Chinese, English) title.
RULE_LABELS: dict[str, tuple[str, str]] = {
    "assistants_per_village": ("村级网格协管员不足", "too few assistants in a village"),
    "responsible_per_township": (
        "乡镇/街道无责任监察员",
        "township without a responsible inspector",
    ),
    "within_own_county": ("跨区县分配", "assigned outside own county"),
    "employers_per_assistant": (
        "协管员负责用人单位过多",
        "assistant covers too many employers",
    ),
    "workers_per_assistant": (
        "协管员负责职工过多",
        "assistant covers too many workers",
    ),
    "employers_per_inspector": (
        "监察员负责用人单位过多",
        "inspector covers too many employers",
    ),
    "workers_per_inspector": (
        "监察员负责职工过多",
        "inspector covers too many workers",
    ),
    "closed_cell": ("分配到已撤销网格", "assignment to a closed cell"),
    "inactive_staff": ("非在岗人员仍有分配", "assignment of an inactive person"),
    "duty_matches_kind": (
        "职责与人员类别不符",
        "duty does not match the person's kind",
    ),
}
#: The name of each rule's limit in the rules file (rules without one: none).
LIMIT_KEYS: dict[str, str] = {
    "assistants_per_village": "min_assistants",
    "responsible_per_township": "min_responsible",
    "employers_per_assistant": "max_employers",
    "workers_per_assistant": "max_workers",
    "employers_per_inspector": "max_employers",
    "workers_per_inspector": "max_workers",
}
#: Allowed severities.
SEVERITIES: tuple[str, ...] = ("warning", "error")


def _enabled_problem(key: str, value: object) -> str | None:
    if isinstance(value, bool):
        return None
    return f"{key} 应为 true 或 false / {key} must be true or false, got {value!r}"


def _severity_problem(key: str, value: object) -> str | None:
    if value in SEVERITIES:
        return None
    return (
        f"{key} 应为 warning 或 error / {key} must be 'warning' or 'error', "
        f"got {value!r}"
    )


def _limit_problem(key: str, value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return None
    return f"{key} 应为正整数 / {key} must be a positive integer, got {value!r}"


_PROBLEMS = {
    "enabled": _enabled_problem,
    "severity": _severity_problem,
    "limit": _limit_problem,
}


@dataclass(frozen=True)
class RuleSetting:
    """How one rule is applied.

    Attributes
    ----------
    enabled : bool
        A disabled rule reports nothing.
    severity : {'warning', 'error'}
    limit : int, optional
        The rule's threshold (a minimum or a maximum, see :data:`LIMIT_KEYS`);
        ``None`` for rules without one.
    """

    enabled: bool = True
    severity: str = "warning"
    limit: int | None = None

    def __post_init__(self) -> None:
        problems = [
            _enabled_problem("enabled", self.enabled),
            _severity_problem("severity", self.severity),
            None if self.limit is None else _limit_problem("limit", self.limit),
        ]
        found = [p for p in problems if p]
        if found:
            raise StaffingRulesError("; ".join(found))


@dataclass(frozen=True)
class StaffingRules:
    """Every rule's setting; the defaults are the shipped deployment defaults.

    Examples
    --------
    >>> rules = StaffingRules()
    >>> rules.setting("assistants_per_village")
    RuleSetting(enabled=True, severity='warning', limit=2)
    >>> rules.workers_per_inspector.limit
    20000
    """

    assistants_per_village: RuleSetting = RuleSetting(True, "warning", 2)
    responsible_per_township: RuleSetting = RuleSetting(True, "error", 1)
    within_own_county: RuleSetting = RuleSetting(True, "error")
    employers_per_assistant: RuleSetting = RuleSetting(True, "warning", 150)
    workers_per_assistant: RuleSetting = RuleSetting(True, "warning", 5_000)
    employers_per_inspector: RuleSetting = RuleSetting(True, "warning", 1_500)
    workers_per_inspector: RuleSetting = RuleSetting(True, "warning", 20_000)
    closed_cell: RuleSetting = RuleSetting(True, "error")
    inactive_staff: RuleSetting = RuleSetting(True, "error")
    duty_matches_kind: RuleSetting = RuleSetting(True, "error")

    def __post_init__(self) -> None:
        for name in RULE_NAMES:
            setting = getattr(self, name)
            if not isinstance(setting, RuleSetting):
                msg = f"{name}: expected a RuleSetting, got {setting!r}"
                raise StaffingRulesError(msg)
            if (setting.limit is None) == (name in LIMIT_KEYS):
                wanted = f"{LIMIT_KEYS[name]} (limit)" if name in LIMIT_KEYS else "none"
                msg = (
                    f"规则 {name} 的限值 {setting.limit!r} 不适用 / rule {name} "
                    f"takes limit: {wanted}, got {setting.limit!r}"
                )
                raise StaffingRulesError(msg)

    def setting(self, name: str) -> RuleSetting:
        """Return the setting of the rule ``name`` (one of :data:`RULE_NAMES`)."""
        if name not in RULE_NAMES:
            msg = f"未知规则 {name!r} / unknown rule {name!r}; known: {RULE_NAMES}"
            raise StaffingRulesError(msg)
        setting: RuleSetting = getattr(self, name)
        return setting

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any],
        *,
        source: str = "<rules>",
        base: StaffingRules | None = None,
    ) -> StaffingRules:
        """Return ``base`` (default: the defaults) overridden by ``data``.

        ``data`` is what a rules file holds: one table per rule, each with
        some of ``enabled``, ``severity`` and the rule's limit key
        (:data:`LIMIT_KEYS`).  Rules and keys not given keep ``base``'s.

        Raises
        ------
        StaffingRulesError
            Every problem at once (unknown rules or keys, a bad severity, a
            limit that is not a positive integer), naming ``source``.

        Examples
        --------
        >>> rules = StaffingRules.from_mapping(
        ...     {"assistants_per_village": {"min_assistants": 1}}
        ... )
        >>> rules.assistants_per_village.limit, rules.closed_cell.severity
        (1, 'error')
        """
        base = base if base is not None else cls()
        problems: list[str] = []
        settings: dict[str, RuleSetting] = {}
        for name, table in data.items():
            if name not in RULE_NAMES:
                problems.append(
                    f"未知规则 {name!r} / unknown rule {name!r} "
                    f"(known: {', '.join(RULE_NAMES)})"
                )
                continue
            if not isinstance(table, Mapping):
                problems.append(
                    f"[{name}] 应为表 / must be a table of keys, got {table!r}"
                )
                continue
            found = _read_rule(name, table, base.setting(name), problems)
            if found is not None:
                settings[name] = found
        if problems:
            msg = (
                f"人员配置规则有误 / invalid staffing rules in {source}: "
                + "; ".join(problems)
            )
            raise StaffingRulesError(msg)
        return dataclasses.replace(base, **settings)


def _read_rule(
    name: str, table: Mapping[str, Any], current: RuleSetting, problems: list[str]
) -> RuleSetting | None:
    """Return ``current`` overridden by one rule's table, or note its problems."""
    limit_key = LIMIT_KEYS.get(name)
    allowed = ["enabled", "severity", *([limit_key] if limit_key else [])]
    values: dict[str, Any] = dataclasses.asdict(current)
    count = len(problems)
    for key, value in table.items():
        if key not in allowed:
            problems.append(
                f"[{name}] 未知键 {key!r} / unknown key {key!r} "
                f"(allowed: {', '.join(allowed)})"
            )
            continue
        field = "limit" if key == limit_key else key
        problem = _PROBLEMS[field](key, value)
        if problem:
            problems.append(f"[{name}] {problem}")
        values[field] = value
    if len(problems) > count:
        return None
    return RuleSetting(**values)
