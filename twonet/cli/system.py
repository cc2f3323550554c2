"""``twonet app``: the map app."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer

from twonet.cli.common import (
    DbOption,
    app,
)


# ---------------------------------------------------------------------- app
@app.command("app")
def run_app(
    db: DbOption = None,
    port: Annotated[int, typer.Option(help="HTTP port")] = 8501,
    headless: Annotated[bool, typer.Option(help="do not open a browser")] = True,
) -> None:
    """启动地图应用 / start the Streamlit map app."""
    from twonet.db.engine import PROJECT_ROOT, default_url

    env = dict(os.environ, TWONET_DATABASE_URL=db or default_url())
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
        "--browser.gatherUsageStats",
        "false",
    ]
    # cwd: Streamlit reads the project's .streamlit/config.toml (toolbar mode)
    raise typer.Exit(subprocess.call(command, env=env, cwd=PROJECT_ROOT))


if __name__ == "__main__":  # pragma: no cover
    app()
