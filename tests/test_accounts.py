"""Accounts on both backends: hashing, add, login, set-role, disable, filters."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, text

from grid.cells import make_cells
from twonet import accounts
from twonet.db import repository as repo
from twonet.db.models import (
    APP_ROLES,
    Assignment,
    AuditLog,
    CellVersion,
    Employer,
    Staff,
)
from twonet.errors import (
    AccessDeniedError,
    AccountError,
    AuthenticationError,
    CellCodeError,
)
from twonet.permissions import (
    Permission,
    Role,
    User,
    assignment_filter,
    audit_filter,
    can_change,
    can_view,
    cell_version_filter,
    employer_filter,
    require_change,
    staff_filter,
)

TOWNSHIP_A = {"370211001", "370211001001", "370211001002", "370284105001"}
TOWNSHIP_B = {"370211002", "370211002001", "370211001900"}
PASSWORD = "correct horse"


@pytest.fixture()
def grid_db(db, jurisdiction_cells):
    """The ``db`` connection holding the jurisdiction test grid."""
    repo.save_cells(db, jurisdiction_cells)
    return db


# ---------------------------------------------------------------- hashing
def test_a_hash_is_salted_argon2id_and_verifies():
    first, second = accounts.hash_password(PASSWORD), accounts.hash_password(PASSWORD)
    assert first.startswith("$argon2id$")
    assert PASSWORD not in first
    assert first != second  # salted
    assert accounts.verify_password(first, PASSWORD)
    assert not accounts.verify_password(first, PASSWORD + "!")
    assert not accounts.verify_password("not a hash", PASSWORD)
    assert not accounts.needs_rehash(first)


def test_a_hash_with_old_parameters_is_replaced_at_login(grid_db):
    accounts.add_user(grid_db, "wang", PASSWORD, "coordinator", "370211001")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    assert accounts.needs_rehash(weak)
    grid_db.execute(
        text("UPDATE app_user SET password_hash = :h WHERE username = 'wang'"),
        {"h": weak},
    )
    accounts.authenticate(grid_db, "wang", PASSWORD)
    stored = grid_db.execute(
        text("SELECT password_hash FROM app_user WHERE username = 'wang'")
    ).scalar_one()
    assert stored != weak
    assert accounts.verify_password(stored, PASSWORD)
    assert not accounts.needs_rehash(stored)


# ------------------------------------------------------------ add, login
def test_add_then_login_resolves_the_jurisdiction_by_the_parent_chain(grid_db):
    added = accounts.add_user(
        grid_db, "wang", PASSWORD, "coordinator", "370211001", display_name="王协调"
    )
    user = accounts.authenticate(grid_db, "wang", PASSWORD)
    assert user == added
    assert user.role is Role.COORDINATOR
    assert user.name == "王协调"
    assert user.scope == TOWNSHIP_A  # 370284105001 in, 370211001900 out
    stored = grid_db.execute(
        text("SELECT password_hash FROM app_user WHERE username = 'wang'")
    ).scalar_one()
    assert stored != PASSWORD
    assert accounts.verify_password(stored, PASSWORD)


def test_cell_scope_is_materialised_for_coordinators_and_managers(grid_db):
    wang = accounts.add_user(grid_db, "wang", PASSWORD, "coordinator", "370211001")
    li = accounts.add_user(grid_db, "li", PASSWORD, "manager", "370211002")
    accounts.add_user(grid_db, "zhao", PASSWORD, "planner")
    rows = grid_db.execute(text("SELECT role_name, cell_code FROM cell_scope")).all()
    assert {(r, c) for r, c in rows} == {(wang.db_role, c) for c in TOWNSHIP_A} | {
        (li.db_role, c) for c in TOWNSHIP_B
    }


def test_planners_and_admins_default_to_the_city(grid_db):
    planner = accounts.add_user(grid_db, "zhao", PASSWORD, "planner")
    admin = accounts.add_user(grid_db, "root1", PASSWORD, Role.ADMIN)
    assert planner.jurisdiction_code == admin.jurisdiction_code == "370200"
    assert len(planner.scope) == 9


def test_unknown_user_and_wrong_password_get_the_same_message(grid_db):
    accounts.add_user(grid_db, "wang", PASSWORD, "coordinator", "370211001")
    with pytest.raises(AuthenticationError) as unknown:
        accounts.authenticate(grid_db, "nobody", PASSWORD)
    with pytest.raises(AuthenticationError) as wrong:
        accounts.authenticate(grid_db, "wang", "wrong password")
    assert str(unknown.value) == str(wrong.value)
    assert "用户名或密码错误" in str(wrong.value)
    assert "wrong password" in str(wrong.value)


def test_a_disabled_account_is_refused_and_named_only_with_its_password(grid_db):
    accounts.add_user(grid_db, "wang", PASSWORD, "coordinator", "370211001")
    accounts.disable(grid_db, "wang")
    with pytest.raises(AuthenticationError, match=r"已停用.*disabled"):
        accounts.authenticate(grid_db, "wang", PASSWORD)
    with pytest.raises(AuthenticationError, match="wrong password"):
        accounts.authenticate(grid_db, "wang", "wrong password")
    scope = grid_db.execute(text("SELECT count(*) FROM cell_scope")).scalar_one()
    assert scope == 0
    listed = accounts.list_users(grid_db).set_index("username")
    assert not listed.loc["wang", "active"]


@pytest.mark.parametrize(
    ("username", "password", "role", "jurisdiction", "error", "match"),
    [
        ("wang", "short", "coordinator", "370211001", AccountError, "at least 8"),
        ("Wang Li", PASSWORD, "coordinator", "370211001", AccountError, "username"),
        ("王", PASSWORD, "coordinator", "370211001", AccountError, "username"),
        ("wang", PASSWORD, "boss", "370211001", AccountError, "unknown role"),
        ("wang", PASSWORD, "coordinator", None, AccountError, "needs a jurisdiction"),
        ("wang", PASSWORD, "manager", "370211009", AccountError, "not a current"),
        ("wang", PASSWORD, "manager", "37021x", CellCodeError, "digits"),
    ],
    ids=[
        "short-password",
        "space",
        "chinese",
        "role",
        "no-jurisdiction",
        "no-such-cell",
        "bad-code",
    ],
)
def test_add_user_refuses(
    grid_db, username, password, role, jurisdiction, error, match
):
    with pytest.raises(error, match=match):
        accounts.add_user(grid_db, username, password, role, jurisdiction)
    assert accounts.list_users(grid_db).empty


def test_the_password_is_never_in_the_message(grid_db):
    with pytest.raises(AccountError) as refused:
        accounts.add_user(grid_db, "wang", "s3cr3t!", "coordinator", "370211001")
    assert "s3cr3t!" not in str(refused.value)
    assert "7" in str(refused.value)


def test_a_username_is_taken_once(grid_db):
    accounts.add_user(grid_db, "wang", PASSWORD, "coordinator", "370211001")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add_user(grid_db, "wang", PASSWORD, "manager", "370211002")


def test_a_closed_cell_is_no_jurisdiction(grid_db):
    grid_db.execute(
        text("UPDATE grid_cell SET valid_to = '2025-01-01' WHERE code = '370211002'")
    )
    with pytest.raises(AccountError, match="not a current grid cell"):
        accounts.add_user(grid_db, "li", PASSWORD, "manager", "370211002")


def test_set_role_changes_role_and_jurisdiction(grid_db):
    accounts.add_user(grid_db, "wang", PASSWORD, "coordinator", "370211001")
    manager = accounts.set_role(grid_db, "wang", "manager")
    assert (manager.role, manager.jurisdiction_code) == (Role.MANAGER, "370211001")
    moved = accounts.set_role(grid_db, "wang", "manager", jurisdiction="370211002")
    assert moved.scope == TOWNSHIP_B
    assert accounts.authenticate(grid_db, "wang", PASSWORD) == moved
    planner = accounts.set_role(grid_db, "wang", "planner")
    assert planner.jurisdiction_code == "370200"
    assert grid_db.execute(text("SELECT count(*) FROM cell_scope")).scalar_one() == 0
    with pytest.raises(AccountError, match="no user"):
        accounts.set_role(grid_db, "nobody", "planner")


def test_list_users_shows_no_hash(grid_db):
    accounts.add_user(grid_db, "wang", PASSWORD, "coordinator", "370211001", "王")
    accounts.add_user(grid_db, "li", PASSWORD, "manager", "370211002")
    listed = accounts.list_users(grid_db)
    assert list(listed["username"]) == ["li", "wang"]
    assert list(listed["jurisdiction_name"]) == ["乙街道", "甲街道"]
    assert not any("argon2" in str(v) for v in listed.to_numpy().ravel())


def test_jurisdictions_follow_the_grid(grid_db):
    """A village moved from A to B leaves A's scope when the grid is saved."""
    accounts.add_user(grid_db, "wang", PASSWORD, "coordinator", "370211001")
    moved = make_cells(
        [{"code": "370211001002", "parent_code": "370211002", "name": "甲二社区"}],
        valid_from=dt.date(2025, 1, 1),
        source="t",
        licence="CC0",
    )
    repo.save_cells(grid_db, moved)
    assert accounts.authenticate(grid_db, "wang", PASSWORD).scope == TOWNSHIP_A - {
        "370211001002"
    }
    stored = grid_db.execute(text("SELECT cell_code FROM cell_scope")).scalars()
    assert set(stored) == TOWNSHIP_A - {"370211001002"}


def test_migration_0006_goes_down_and_up(backend_name, migrated_database):
    from sqlalchemy import inspect

    from twonet.db.engine import downgrade, get_engine, upgrade

    with migrated_database(backend_name, "down") as url:
        engine = get_engine(url)
        try:
            downgrade(engine, "0005")
            assert not inspect(engine).has_table("cell_scope")
            assert "db_role" not in {
                c["name"] for c in inspect(engine).get_columns("app_user")
            }
            upgrade(engine)
            assert inspect(engine).has_table("cell_scope")
        finally:
            engine.dispose()


# ------------------------------------------------------------ permissions
def _user(role: Role, scope: set[str]) -> User:
    return User("u", role, "370211001", frozenset(scope))


@pytest.mark.parametrize(
    ("role", "view_a", "view_b", "change_a", "change_b"),
    [
        (Role.COORDINATOR, True, False, False, False),
        (Role.MANAGER, True, False, True, False),
        (Role.PLANNER, True, True, False, False),
        (Role.ADMIN, True, True, False, False),
    ],
)
def test_what_each_role_may_see_and_change(role, view_a, view_b, change_a, change_b):
    user = _user(role, TOWNSHIP_A)
    assert can_view(user, "370211001001") is view_a
    assert can_view(user, "370211002001") is view_b
    assert can_change(user, "370211001001") is change_a
    assert can_change(user, "370211002001") is change_b


def test_roles_match_the_stored_values_and_permissions():
    assert {r.value for r in Role} == set(APP_ROLES)
    assert Role.MANAGER.label == "分配主管 / manager"
    admin = _user(Role.ADMIN, set())
    assert admin.may(Permission.MANAGE_USERS) and admin.may(Permission.EDIT_RULES)
    assert not _user(Role.PLANNER, set()).may(Permission.SEE_PERSONAL_DATA)


def test_require_change_names_the_refused_cells():
    manager = _user(Role.MANAGER, TOWNSHIP_A)
    require_change(manager, ["370211001001", "370284105001"])
    with pytest.raises(AccessDeniedError, match="370211002001"):
        require_change(manager, ["370211001001", "370211002001"])
    with pytest.raises(AccessDeniedError):
        require_change(_user(Role.PLANNER, TOWNSHIP_A), ["370211001001"])


def test_a_user_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        _user(Role.MANAGER, TOWNSHIP_A).role = Role.ADMIN  # type: ignore[misc]


# ------------------------------------------------- application-layer filters
def _visible(db, user, expected_keys):
    queries = {
        "staff": select(Staff.staff_id).where(staff_filter(user)),
        "assignment": select(Assignment.cell_code).where(assignment_filter(user)),
        "employer": select(Employer.uscc).where(employer_filter(user)),
        "audit_log": select(AuditLog.cell_code).where(audit_filter(user)),
        "cell_version": select(CellVersion.cell_code).where(cell_version_filter(user)),
    }
    return {
        table: sorted(db.execute(query).scalars())
        for table, query in queries.items()
        if table in expected_keys
    }


def test_filters_show_a_coordinator_only_their_jurisdiction(grid_db, jurisdiction_rows):
    expected = jurisdiction_rows(grid_db)
    accounts.add_user(grid_db, "wang", PASSWORD, "coordinator", "370211001")
    wang = accounts.authenticate(grid_db, "wang", PASSWORD)
    seen = _visible(grid_db, wang, expected)
    assert seen == {k: v for k, v in expected.items() if k in seen}


def test_filters_show_a_planner_everything(grid_db, jurisdiction_rows):
    jurisdiction_rows(grid_db)
    accounts.add_user(grid_db, "zhao", PASSWORD, "planner")
    zhao = accounts.authenticate(grid_db, "zhao", PASSWORD)
    seen = _visible(grid_db, zhao, {"staff", "employer", "assignment"})
    assert seen["staff"] == ["SA", "SB", "SC"]
    assert len(seen["employer"]) == 4
    assert len(seen["assignment"]) == 4
