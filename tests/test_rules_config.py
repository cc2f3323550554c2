"""The staffing rules file: shipped defaults, a deployment's overrides, bad values."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from grid.staffing import LIMIT_KEYS, RULE_NAMES, RuleSetting, StaffingRules
from twonet.errors import StaffingRulesError
from twonet.rules import RULES_ENV, load_rules, shipped_rules_text


@pytest.fixture(autouse=True)
def _no_deployment_file(monkeypatch):
    monkeypatch.delenv(RULES_ENV, raising=False)


def _write(tmp_path: Path, text: str, name: str = "rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_states_every_rule_and_equals_the_code_defaults():
    shipped = tomllib.loads(shipped_rules_text())
    assert list(shipped) == list(RULE_NAMES)
    for name, table in shipped.items():
        keys = {
            "enabled",
            "severity",
            *([LIMIT_KEYS[name]] if name in LIMIT_KEYS else []),
        }
        assert set(table) == keys, name
    assert load_rules() == StaffingRules()


def test_the_shipped_file_is_commented_in_both_languages():
    text = shipped_rules_text()
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any("协管员" in line for line in comments)
    assert any("assistants" in line for line in comments)
    assert "deployment defaults" in text and "部署默认值" in text


def test_a_deployment_file_overrides_only_what_it_sets(tmp_path):
    path = _write(
        tmp_path,
        """
        # 本市每个网格 1 名协管员即可 / one assistant per grid here
        [assistants_per_village]
        min_assistants = 1

        [closed_cell]
        severity = "warning"

        [workers_per_inspector]
        enabled = false
        """,
    )
    rules = load_rules(path)
    assert rules.assistants_per_village == RuleSetting(True, "warning", 1)
    assert rules.closed_cell == RuleSetting(True, "warning", None)
    assert rules.workers_per_inspector == RuleSetting(False, "warning", 20_000)
    defaults = StaffingRules()
    untouched = set(RULE_NAMES) - {
        "assistants_per_village",
        "closed_cell",
        "workers_per_inspector",
    }
    for name in untouched:
        assert rules.setting(name) == defaults.setting(name)


def test_an_empty_file_keeps_the_defaults(tmp_path):
    assert load_rules(_write(tmp_path, "")) == StaffingRules()


def test_the_environment_names_the_file_and_an_explicit_path_wins(
    tmp_path, monkeypatch
):
    from_env = _write(tmp_path, "[closed_cell]\nseverity = 'warning'\n", "env.toml")
    given = _write(tmp_path, "[inactive_staff]\nenabled = false\n", "given.toml")
    monkeypatch.setenv(RULES_ENV, str(from_env))
    assert load_rules().closed_cell.severity == "warning"
    chosen = load_rules(given)
    assert chosen.closed_cell.severity == "error"
    assert chosen.inactive_staff.enabled is False


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[assistant_per_village]\nmin_assistants = 2\n", "'assistant_per_village'"),
        ("[closed_cell]\nmax_employers = 3\n", "'max_employers'"),
        ("[assistants_per_village]\nmin = 2\n", "'min'"),
        ("[closed_cell]\nseverity = 'critical'\n", "'critical'"),
        ("[assistants_per_village]\nmin_assistants = 0\n", "got 0"),
        ("[employers_per_assistant]\nmax_employers = -150\n", "got -150"),
        ("[employers_per_assistant]\nmax_employers = 1.5\n", "got 1.5"),
        ("[closed_cell]\nenabled = 'no'\n", "'no'"),
        ("closed_cell = 'error'\n", "'error'"),
        ("[closed_cell\n", "not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_value(tmp_path, text, shown):
    path = _write(tmp_path, text, "部署规则.toml")
    with pytest.raises(StaffingRulesError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert shown in message
    assert "部署规则.toml" in message


def test_a_missing_file_is_refused_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv(RULES_ENV, str(tmp_path / "nowhere.toml"))
    with pytest.raises(StaffingRulesError, match=r"nowhere\.toml"):
        load_rules()
