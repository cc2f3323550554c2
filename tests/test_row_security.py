"""PostGIS only: the database itself holds each user's connection to their cells.

Every test connects as an account's own login role
(:func:`twonet.accounts.engine_for_user`) and sends hand-written SQL.  On
SpatiaLite the application enforces jurisdictions (``test_accounts.py``).
These tests need PostGIS: skipped locally without it, failed in CI.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from twonet import accounts
from twonet.db import assignment_store as store
from twonet.db import repository as repo
from twonet.db import row_security
from twonet.db.engine import get_engine
from twonet.db.pg_roles import database_name
from twonet.errors import AccountError

#: account → (role, jurisdiction)
ACCOUNTS = {
    "coord_a": ("coordinator", "370211001"),
    "coord_b": ("coordinator", "370211002"),
    "manager_a": ("manager", "370211001"),
    "planner": ("planner", None),
}
A_VILLAGE, B_VILLAGE = "370211001001", "370211002001"

#: What each table shows, by the column the expected lists name.
VISIBLE = {
    "staff": "SELECT staff_id FROM staff ORDER BY 1",
    "assignment": "SELECT cell_code FROM assignment ORDER BY 1",
    "employer": "SELECT uscc FROM employer ORDER BY 1",
    "audit_log": "SELECT cell_code FROM audit_log ORDER BY 1",
    "cell_version": "SELECT cell_code FROM cell_version ORDER BY 1",
    "change_set": "SELECT reason FROM change_set ORDER BY 1",
}


def _password(username: str) -> str:
    return f"{username}-password"


@dataclass
class Setup:
    url: str
    owner: Engine
    database: str
    expected_a: dict[str, list[str]]
    engines: dict[str, Engine]

    def role(self, name: str) -> str:
        return f"{self.database}_{name}"


@pytest.fixture(scope="module")
def rls(migrated_database, jurisdiction_cells, jurisdiction_rows) -> Iterator[Setup]:
    """A PostGIS database with the test grid, rows in A and B, and four users."""
    with migrated_database("postgis", "rls") as url:
        owner = get_engine(url)
        engines: dict[str, Engine] = {}
        try:
            repo.save_cells(owner, jurisdiction_cells)
            with owner.begin() as connection:
                expected = jurisdiction_rows(connection)
                database = database_name(connection)
            for name, (role, code) in ACCOUNTS.items():
                user = accounts.add_user(owner, name, _password(name), role, code)
                engines[name] = accounts.engine_for_user(url, user, _password(name))
            yield Setup(url, owner, database, expected, engines)
        finally:
            for engine in engines.values():
                engine.dispose()
            owner.dispose()


@contextmanager
def _session(rls: Setup, name: str) -> Iterator[Connection]:
    """A connection as ``name``'s own role, rolled back afterwards."""
    with rls.engines[name].connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


def _seen(connection: Connection) -> dict[str, list[str]]:
    return {
        table: [str(v) for v in connection.execute(text(sql)).scalars()]
        for table, sql in VISIBLE.items()
    }


def _refused(connection: Connection, sql: str, **params: Any) -> str:
    """Run ``sql`` in a savepoint; it must fail; return the error text."""
    with pytest.raises(DBAPIError) as refused, connection.begin_nested():
        connection.execute(text(sql), params)
    return str(refused.value.orig)


# ------------------------------------------------------------------ reading
def test_the_connection_is_the_users_own_role(rls):
    with _session(rls, "coord_a") as connection:
        me = connection.execute(text("SELECT current_user")).scalar_one()
    assert me == f"{rls.database}.coord_a"


def test_a_coordinator_reads_only_their_townships_rows(rls):
    with _session(rls, "coord_a") as connection:
        assert _seen(connection) == rls.expected_a
        scope = connection.execute(text("SELECT DISTINCT role_name FROM cell_scope"))
        assert list(scope.scalars()) == [f"{rls.database}.coord_a"]
    with _session(rls, "coord_b") as connection:
        seen_b = _seen(connection)
    assert seen_b["assignment"] == ["370211001900", B_VILLAGE]
    assert seen_b["employer"] == ["EB1", "EB9"]
    assert seen_b["staff"] == ["SB"]
    assert seen_b["change_set"] == ["乙"]


def test_a_coordinator_finds_no_other_row_by_asking_for_it(rls):
    with _session(rls, "coord_a") as connection:
        for sql in (
            f"SELECT count(*) FROM assignment WHERE cell_code = '{B_VILLAGE}'",
            "SELECT count(*) FROM employer WHERE township_code = '370211002'",
            "SELECT count(*) FROM staff WHERE staff_id = 'SB'",
            f"SELECT count(*) FROM audit_log WHERE cell_code = '{B_VILLAGE}'",
            "SELECT count(*) FROM change_set WHERE reason = '乙'",
        ):
            assert connection.execute(text(sql)).scalar_one() == 0, sql


def test_setting_a_session_variable_widens_nothing(rls):
    with _session(rls, "coord_a") as connection:
        connection.execute(text("SET twonet.jurisdiction = '370211002'"))
        connection.execute(text("SET twonet.role = 'planner'"))
        connection.execute(text("SELECT set_config('twonet.scope', '370200', false)"))
        assert _seen(connection) == rls.expected_a


def test_set_role_cannot_widen_the_jurisdiction(rls):
    with _session(rls, "coord_a") as connection:
        for target in (
            rls.role("planner"),
            rls.role("admin"),
            rls.role("manager"),
            f"{rls.database}.coord_b",
            f"{rls.database}.planner",
            "postgres",
        ):
            error = _refused(connection, f'SET ROLE "{target}"')
            assert "permission denied" in error, target
        _refused(connection, "SET SESSION AUTHORIZATION postgres")
        # its own group: allowed, but the group has no cells
        connection.execute(text(f'SET ROLE "{rls.role("coordinator")}"'))
        assert all(not rows for rows in _seen(connection).values())
        connection.execute(text("RESET ROLE"))
        assert _seen(connection) == rls.expected_a


def test_a_coordinator_cannot_touch_the_machinery(rls):
    with _session(rls, "coord_a") as connection:
        for sql in (
            "SELECT * FROM app_user",
            f"INSERT INTO cell_scope VALUES (current_user, '{B_VILLAGE}')",
            "UPDATE cell_scope SET cell_code = cell_code",
            "DELETE FROM cell_scope",
            "ALTER TABLE assignment DISABLE ROW LEVEL SECURITY",
            "DROP POLICY twonet_scoped_read ON assignment",
            "CREATE POLICY wide ON assignment FOR SELECT USING (true)",
            "SELECT * FROM employer_version",
            "SELECT * FROM import_reject",
        ):
            error = _refused(connection, sql)
            assert "permission denied" in error or "must be owner" in error, sql


def test_a_function_in_the_query_sees_only_visible_rows(rls):
    """User-written functions run after the policies: they cannot leak rows."""
    notices: list[str] = []
    with _session(rls, "coord_a") as connection:
        dbapi: Any = connection.connection.driver_connection
        dbapi.add_notice_handler(lambda d: notices.append(d.message_primary))
        connection.execute(
            text(
                "CREATE FUNCTION pg_temp.peek(v text) RETURNS boolean AS "
                "$$ BEGIN RAISE NOTICE 'peek %', v; RETURN true; END $$ "
                "LANGUAGE plpgsql COST 0.0000001"
            )
        )
        found = connection.execute(
            text("SELECT uscc FROM employer WHERE pg_temp.peek(uscc)")
        ).scalars()
        assert sorted(found) == rls.expected_a["employer"]
    assert sorted(notices) == [f"peek {u}" for u in rls.expected_a["employer"]]


# ------------------------------------------------------------------ writing
def test_a_coordinator_changes_nothing(rls):
    with _session(rls, "coord_a") as connection:
        for sql in (
            f"UPDATE assignment SET duty = 'liaison' WHERE cell_code = '{A_VILLAGE}'",
            f"UPDATE assignment SET duty = 'liaison' WHERE cell_code = '{B_VILLAGE}'",
            "INSERT INTO assignment (staff_id, cell_code, duty, valid_from, "
            f"created_at) VALUES ('SA', '{A_VILLAGE}', 'assistant', "
            "'2026-12-01', now())",
            "DELETE FROM assignment",
            "INSERT INTO change_set (created_at, actor, kind, changes) "
            "VALUES (now(), 'coord_a', 'change', '[]')",
            "UPDATE staff SET phone = NULL",
            "UPDATE employer SET name = 'x'",
        ):
            assert "permission denied" in _refused(connection, sql), sql


def _insert_assignment(connection: Connection, cell: str) -> int:
    return connection.execute(
        text(
            "INSERT INTO assignment (staff_id, cell_code, duty, valid_from, "
            "created_at) VALUES ('SA', :cell, 'assistant', '2026-12-01', now()) "
            "RETURNING id"
        ),
        {"cell": cell},
    ).scalar_one()


def test_a_manager_changes_their_township_only(rls):
    with _session(rls, "manager_a") as connection:
        assert _insert_assignment(connection, A_VILLAGE) > 0
        moved = connection.execute(
            text(
                "UPDATE assignment SET duty = 'liaison' "
                f"WHERE cell_code = '{A_VILLAGE}'"
            )
        )
        assert moved.rowcount == 2
        error = _refused(
            connection,
            "INSERT INTO assignment (staff_id, cell_code, duty, valid_from, "
            "created_at) VALUES ('SA', :cell, 'assistant', '2026-12-01', now())",
            cell=B_VILLAGE,
        )
        assert "row-level security" in error
        hidden = connection.execute(
            text(f"UPDATE assignment SET duty = 'x' WHERE cell_code = '{B_VILLAGE}'")
        )
        assert hidden.rowcount == 0
        error = _refused(
            connection,
            f"UPDATE assignment SET cell_code = '{B_VILLAGE}' "
            f"WHERE cell_code = '{A_VILLAGE}'",
        )
        assert "row-level security" in error
        assert "permission denied" in _refused(connection, "DELETE FROM assignment")
    with rls.owner.connect() as connection:
        duties = connection.execute(text("SELECT DISTINCT duty FROM assignment"))
        assert list(duties.scalars()) == ["assistant"]  # all rolled back


def test_a_manager_writes_the_log_as_themself_and_cannot_rewrite_it(rls):
    with _session(rls, "manager_a") as connection:
        change_set = connection.execute(
            text(
                "INSERT INTO change_set (created_at, actor, kind, changes) "
                "VALUES (now(), 'manager_a', 'change', '[]') RETURNING id"
            )
        ).scalar_one()
        insert = (
            "INSERT INTO audit_log (change_set_id, at, actor, action, cell_code) "
            "VALUES (:cs, now(), :actor, 'add', :cell)"
        )
        connection.execute(
            text(insert), {"cs": change_set, "actor": "manager_a", "cell": A_VILLAGE}
        )
        for actor, cell in (("coord_b", A_VILLAGE), ("manager_a", B_VILLAGE)):
            error = _refused(connection, insert, cs=change_set, actor=actor, cell=cell)
            assert "row-level security" in error
        error = _refused(
            connection,
            "INSERT INTO change_set (created_at, actor, kind, changes) "
            "VALUES (now(), 'someone else', 'change', '[]')",
        )
        assert "row-level security" in error
        for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            assert "permission denied" in _refused(connection, sql)


def test_the_assignment_store_works_on_a_managers_connection(rls):
    """The storage primitives change sets use, run as manager A."""
    import datetime as dt

    now = dt.datetime(2026, 12, 2, 10, 0)
    with _session(rls, "manager_a") as connection:
        versions = store.cell_versions(connection, [A_VILLAGE, "370211001002"])
        change_set = store.begin_change_set(
            connection,
            actor="manager_a",
            reason="调整",
            kind="change",
            changes=[],
            now=now,
        )
        store.claim_cells(
            connection, versions, actor="manager_a", change_set_id=change_set, now=now
        )
        opened = store.open_assignment(
            connection,
            staff_id="SA",
            cell_code="370211001002",
            duty="assistant",
            valid_from=dt.date(2026, 12, 2),
            change_set_id=change_set,
            now=now,
        )
        store.audit(
            connection,
            change_set_id=change_set,
            actor="manager_a",
            reason="调整",
            action="add",
            cell_code="370211001002",
            staff_id="SA",
            before=None,
            after={"id": opened},
            now=now,
        )
        logged = connection.execute(
            text("SELECT actor, cell_code FROM audit_log WHERE change_set_id = :cs"),
            {"cs": change_set},
        ).all()
        assert [tuple(r) for r in logged] == [("manager_a", "370211001002")]
        with pytest.raises(DBAPIError, match="row-level security"):
            store.claim_cells(
                connection,
                {B_VILLAGE: 0, "370211002": 0},
                actor="manager_a",
                change_set_id=change_set,
                now=now,
            )


def test_a_planner_reads_everything_and_changes_nothing(rls):
    with _session(rls, "planner") as connection:
        seen = _seen(connection)
        assert seen["staff"] == ["SA", "SB", "SC"]
        assert seen["employer"] == ["EA0", "EA1", "EB1", "EB9"]
        assert len(seen["assignment"]) == len(seen["audit_log"]) == 4
        assert seen["change_set"] == ["乙", "甲"]
        for sql in (
            f"UPDATE assignment SET duty = 'x' WHERE cell_code = '{A_VILLAGE}'",
            "INSERT INTO cell_version (cell_code, version) VALUES ('370211', 1)",
            "DELETE FROM employer",
            "SELECT * FROM app_user",
        ):
            assert "permission denied" in _refused(connection, sql), sql


# ------------------------------------------------------------- records
def _store_records(owner: Engine) -> None:
    """Records of EA1 (township A), EB1 (B) and one not matched, as the owner."""
    import datetime as dt

    now = dt.datetime(2026, 12, 1, 9, 0)
    day = dt.date(2025, 3, 1)
    common = {"content_hash": "h", "first_seen": now, "last_changed": now}
    with owner.begin() as connection:
        for rid, uscc in (("I-A", "EA1"), ("I-B", "EB1"), ("I-N", None)):
            connection.execute(
                text(
                    "INSERT INTO inspection (record_id, employer_uscc, inspected_on, "
                    "kind, content_hash, first_seen, last_changed) VALUES "
                    "(:rid, :uscc, :day, 'patrol', :content_hash, :first_seen, "
                    ":last_changed)"
                ),
                {"rid": rid, "uscc": uscc, "day": day, **common},
            )
        connection.execute(
            text(
                "INSERT INTO violation (record_id, employer_uscc, type, found_on, "
                "content_hash, first_seen, last_changed) VALUES "
                "('V-A', 'EA0', 'wage_arrears', :day, :content_hash, :first_seen, "
                ":last_changed), ('V-B', 'EB9', 'overtime', :day, :content_hash, "
                ":first_seen, :last_changed)"
            ),
            {"day": day, **common},
        )
        connection.execute(
            text(
                "INSERT INTO complaint (record_id, employer_uscc, received_on, status, "
                "accept_due, close_due, content_hash, first_seen, last_changed) "
                "VALUES ('C-B', 'EB1', :day, 'received', :day, :day, :content_hash, "
                ":first_seen, :last_changed)"
            ),
            {"day": day, **common},
        )
        for rid in ("I-A", "I-B", "I-N"):
            connection.execute(
                text(
                    "INSERT INTO record_version (kind, record_id, valid_to, snapshot) "
                    "VALUES ('inspections', :rid, :now, '{}')"
                ),
                {"rid": rid, "now": now},
            )
        connection.execute(
            text(
                "INSERT INTO record_match (kind, record_id, reason, status, "
                "matched_uscc, created_at) VALUES "
                "('inspections', 'I-N', 'name_unknown', 'open', NULL, :now), "
                "('inspections', 'I-A', 'uscc_unknown', 'matched', 'EA1', :now)"
            ),
            {"now": now},
        )


RECORDS_SEEN = {
    "inspection": "SELECT record_id FROM inspection ORDER BY 1",
    "violation": "SELECT record_id FROM violation ORDER BY 1",
    "complaint": "SELECT record_id FROM complaint ORDER BY 1",
    "record_version": "SELECT record_id FROM record_version ORDER BY 1",
    "record_match": "SELECT record_id FROM record_match ORDER BY 1",
}


def test_records_are_seen_where_their_employer_is(rls):
    _store_records(rls.owner)

    def seen(name: str) -> dict[str, list[str]]:
        with _session(rls, name) as connection:
            return {
                table: [str(v) for v in connection.execute(text(sql)).scalars()]
                for table, sql in RECORDS_SEEN.items()
            }

    assert seen("coord_a") == {
        "inspection": ["I-A"],
        "violation": ["V-A"],
        "complaint": [],
        "record_version": ["I-A"],
        "record_match": ["I-A"],
    }
    assert seen("coord_b") == {
        "inspection": ["I-B"],
        "violation": ["V-B"],
        "complaint": ["C-B"],
        "record_version": ["I-B"],
        "record_match": [],
    }
    assert seen("planner") == {
        "inspection": ["I-A", "I-B", "I-N"],  # the unmatched one too
        "violation": ["V-A", "V-B"],
        "complaint": ["C-B"],
        "record_version": ["I-A", "I-B", "I-N"],
        "record_match": ["I-A", "I-N"],
    }
    with _session(rls, "manager_a") as connection:
        error = _refused(connection, "UPDATE inspection SET kind = 'random'")
        assert "permission denied" in error


# ------------------------------------------------------------- accounts
def _scram_matches(verifier: str, password: str) -> bool:
    """Check a stored SCRAM-SHA-256 verifier against a password (RFC 5802)."""
    method, iterations_salt, keys = verifier.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = base64.b64decode(keys.split(":")[0])
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return method == "SCRAM-SHA-256" and (
        hashlib.sha256(client_key).digest() == stored_key
    )


def test_the_login_role_has_the_accounts_password_as_a_scram_verifier(rls):
    with rls.owner.connect() as connection:
        verifier = connection.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"),
            {"r": f"{rls.database}.coord_a"},
        ).scalar_one()
    assert _scram_matches(verifier, _password("coord_a"))
    assert not _scram_matches(verifier, _password("coord_b"))


def test_set_role_moves_the_database_role_too(rls):
    accounts.add_user(rls.owner, "mover", _password("mover"), "manager", "370211001")
    user = accounts.set_role(rls.owner, "mover", "coordinator", "370211002")
    engine = accounts.engine_for_user(rls.url, user, _password("mover"))
    try:
        with engine.connect() as connection:
            assert _seen(connection)["assignment"] == ["370211001900", B_VILLAGE]
            error = _refused(connection, "UPDATE assignment SET duty = 'x'")
            assert "permission denied" in error
    finally:
        engine.dispose()
        accounts.disable(rls.owner, "mover")


def test_disabling_cuts_an_open_session_and_refuses_new_ones(rls):
    user = accounts.add_user(
        rls.owner, "leaver", _password("leaver"), "manager", "370211001"
    )
    engine = accounts.engine_for_user(rls.url, user, _password("leaver"))
    try:
        with engine.connect() as connection:
            assert _seen(connection)["assignment"] == rls.expected_a["assignment"]
            connection.commit()
            accounts.disable(rls.owner, "leaver")
            assert "permission denied" in _refused(
                connection, "SELECT count(*) FROM assignment"
            )
        engine.dispose()
        with pytest.raises(OperationalError, match="not permitted to log in"):
            engine.connect()
    finally:
        engine.dispose()


def test_users_add_installs_what_the_migration_could_not(rls):
    """Migrated by a role without CREATEROLE: ``users add`` installs the rest."""
    with rls.owner.connect() as connection:
        transaction = connection.begin()
        try:
            row_security.uninstall(connection)
            assert not row_security.is_installed(connection)
            accounts.add_user(connection, "late", _password("late"), "planner")
            assert row_security.is_installed(connection)
        finally:
            transaction.rollback()
    with rls.owner.connect() as connection:
        assert row_security.is_installed(connection)


def test_adding_a_user_without_createrole_is_a_clear_refusal(rls):
    weak = f"{rls.database}_weak"
    with rls.owner.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(text(f'CREATE ROLE "{weak}" NOLOGIN'))
            connection.execute(text(f'GRANT SELECT ON app_user, grid_cell TO "{weak}"'))
            connection.execute(text(f'SET ROLE "{weak}"'))
            with pytest.raises(AccountError, match="CREATEROLE"):
                accounts.add_user(connection, "nope", "password-9", "planner")
        finally:
            transaction.rollback()


def test_a_scratch_databases_roles_go_with_it(migrated_database):
    with migrated_database("postgis", "roles") as url:
        engine = get_engine(url)
        try:
            with engine.connect() as connection:
                repo.save_cells(connection, _one_city())
                connection.commit()
                database = database_name(connection)
            accounts.add_user(engine, "temp", "temporary-1", "planner")
        finally:
            engine.dispose()
        admin = create_engine(engine.url.set(database="postgres"))
        with admin.connect() as connection:
            roles = _roles_of(connection, database)
        assert f"{database}.temp" in roles and f"{database}_planner" in roles
    try:
        with admin.connect() as connection:
            assert _roles_of(connection, database) == []
    finally:
        admin.dispose()


def _roles_of(connection: Connection, database: str) -> list[str]:
    rows = connection.execute(
        text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p)"),
        {"p": database},
    )
    return sorted(rows.scalars())


def _one_city() -> Any:
    import datetime as dt

    from grid.cells import make_cells

    return make_cells(
        [{"code": "370200", "name": "青岛市", "geometry": None}],
        valid_from=dt.date(2023, 6, 30),
        source="t",
        licence="CC0",
    )
