"""``twonet users add|list|set-role|disable``: accounts, roles, jurisdictions."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from twonet.cli.common import DbOption, app, console, fail, frame_table, open_database
from twonet.errors import TwoNetError

users_app = typer.Typer(
    help="账户 / accounts: roles (coordinator, manager, planner, admin) and "
    "jurisdictions (a cell and everything below it).",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")

UsernameArgument = Annotated[str, typer.Argument(help="用户名 / username")]
RoleHelp = "角色 / role: coordinator, manager, planner, admin"
JurisdictionOption = Annotated[
    str | None,
    typer.Option(
        "--jurisdiction",
        help="辖区网格编码 / jurisdiction cell code (planner, admin: default the city)",
    ),
]


def _describe(user: Any) -> str:
    cells = len(user.scope)
    return (
        f"{user.username}（{user.role.label}），辖区 / jurisdiction "
        f"{user.jurisdiction_code or '-'}（{cells} 个网格 / cells）"
    )


def _database_note(engine: Any, user: Any) -> None:
    from twonet.db.backends import backend_for

    if backend_for(engine).enforces_jurisdiction:
        console.print(
            f"数据库角色 / database role: {escape(str(user.db_role))} "
            "(行级安全按辖区限制 / row-level security limits it to the jurisdiction)"
        )
    else:
        console.print(
            "[dim]SpatiaLite：辖区由应用程序限制 / the application enforces the "
            "jurisdiction[/dim]"
        )


@users_app.command("add")
def users_add(
    username: UsernameArgument,
    role: Annotated[str, typer.Option("--role", help=RoleHelp)],
    jurisdiction: JurisdictionOption = None,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="显示名 / display name")
    ] = None,
    password: Annotated[
        str,
        typer.Option(
            "--password",
            prompt="密码 / password",
            hide_input=True,
            confirmation_prompt=True,
            help="密码（至少8个字符；不给则提示输入）/ password (at least 8 "
            "characters; prompted for when not given)",
        ),
    ] = "",
    db: DbOption = None,
) -> None:
    """添加账户 / add an account (on PostGIS also its database role)."""
    from twonet.accounts import add_user

    try:
        with open_database(db) as engine:
            user = add_user(
                engine,
                username,
                password,
                role,
                jurisdiction=jurisdiction,
                display_name=display_name,
            )
            console.print(f"已添加 / added: {escape(_describe(user))}")
            _database_note(engine, user)
    except TwoNetError as exc:
        raise fail(exc) from exc


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """列出账户 / list accounts (never their passwords)."""
    from twonet.accounts import list_users
    from twonet.permissions import Role

    try:
        with open_database(db) as engine:
            users = list_users(engine)
    except TwoNetError as exc:
        raise fail(exc) from exc
    if users.empty:
        console.print("没有账户 / no accounts")
        return
    shown = users.assign(
        role=users["role"].map(lambda r: Role(r).label),
        active=users["active"].map(lambda a: "启用 / active" if a else "停用 / off"),
    ).fillna("")
    console.print(frame_table("账户 / accounts", shown))


@users_app.command("set-role")
def users_set_role(
    username: UsernameArgument,
    role: Annotated[str, typer.Argument(help=RoleHelp)],
    jurisdiction: JurisdictionOption = None,
    db: DbOption = None,
) -> None:
    """改变角色和辖区 / change an account's role (and jurisdiction)."""
    from twonet.accounts import set_role

    try:
        with open_database(db) as engine:
            user = set_role(engine, username, role, jurisdiction)
            console.print(f"已更改 / changed: {escape(_describe(user))}")
            _database_note(engine, user)
    except TwoNetError as exc:
        raise fail(exc) from exc


@users_app.command("disable")
def users_disable(username: UsernameArgument, db: DbOption = None) -> None:
    """停用账户 / disable an account (kept as the actor of past changes)."""
    from twonet.accounts import disable

    try:
        with open_database(db) as engine:
            disable(engine, username)
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print(f"已停用 / disabled: {escape(username)}")
