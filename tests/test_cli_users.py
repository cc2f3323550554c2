"""`twonet users add|list|set-role|disable` end to end on both backends."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from twonet import accounts
from twonet.cli import app
from twonet.db import repository as repo
from twonet.db.engine import get_engine
from twonet.errors import AuthenticationError

runner = CliRunner()


@pytest.fixture()
def users_db(backend_name, migrated_database, jurisdiction_cells):
    """A fresh database holding the jurisdiction test grid (the CLI connects)."""
    with migrated_database(backend_name, "users") as url:
        engine = get_engine(url)
        try:
            repo.save_cells(engine, jurisdiction_cells)
        finally:
            engine.dispose()
        yield url


def _users(url: str, *args: str, input: str | None = None):
    return runner.invoke(app, ["users", *args, "--db", url], input=input)


def _login(url: str, username: str, password: str):
    engine = get_engine(url)
    try:
        return accounts.authenticate(engine, username, password)
    finally:
        engine.dispose()


def test_add_list_set_role_disable(users_db):
    added = _users(
        users_db,
        "add",
        "wang",
        "--role",
        "coordinator",
        "--jurisdiction",
        "370211001",
        "--display-name",
        "王协调",
        "--password",
        "password-1",
    )
    assert added.exit_code == 0, added.output
    assert "wang（网格协调员 / coordinator）" in added.output
    assert "370211001（4 个网格 / cells）" in added.output
    prompted = _users(
        users_db, "add", "zhao", "--role", "planner", input="password-2\npassword-2\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert "password-2" not in prompted.output
    assert "370200" in prompted.output
    assert _login(users_db, "zhao", "password-2").jurisdiction_code == "370200"

    listed = _users(users_db, "list")
    assert listed.exit_code == 0, listed.output
    for expected in ("wang", "王协调", "甲街道", "zhao", "规划员 / planner", "启用"):
        assert expected in listed.output
    assert "argon2" not in listed.output

    changed = _users(
        users_db, "set-role", "wang", "manager", "--jurisdiction", "370211002"
    )
    assert changed.exit_code == 0, changed.output
    wang = _login(users_db, "wang", "password-1")
    assert (wang.role.value, wang.jurisdiction_code) == ("manager", "370211002")

    disabled = _users(users_db, "disable", "wang")
    assert disabled.exit_code == 0, disabled.output
    assert "停用 / off" in _users(users_db, "list").output
    with pytest.raises(AuthenticationError, match="disabled"):
        _login(users_db, "wang", "password-1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                *("add", "li", "--role", "manager", "--jurisdiction", "370211001"),
                *("--password", "short"),
            ],
            "at least 8 characters",
        ),
        (
            ["add", "li", "--role", "chief", "--password", "password-3"],
            "unknown role 'chief'",
        ),
        (
            ["add", "li", "--role", "manager", "--password", "password-3"],
            "needs a jurisdiction",
        ),
        (["set-role", "nobody", "planner"], "no user 'nobody'"),
        (["disable", "nobody"], "no user 'nobody'"),
    ],
    ids=["short-password", "role", "no-jurisdiction", "set-role", "disable"],
)
def test_refusals_exit_2_with_a_bilingual_message(users_db, args, message):
    result = _users(users_db, *args)
    assert result.exit_code == 2, result.output
    assert "错误 / error" in result.output
    assert message in " ".join(result.output.split())
