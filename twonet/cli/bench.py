"""``twonet bench ...``: benchmarks beside peer baselines from the same run."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from twonet.cli.common import (
    app,
    console,
)

# -------------------------------------------------------------------- bench
bench_app = typer.Typer(
    help="基准测试 / benchmarks with peer baselines.", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")


@bench_app.command("grid")
def bench_grid(
    postgres: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL admin URL; a scratch database is made and dropped"
        ),
    ] = "postgresql://postgres@127.0.0.1:5432/postgres",
) -> None:
    """网格基准 / demo build, QA, database round trips, page weight."""
    from twonet.bench.grid import grid_benchmark
    from twonet.db.engine import PROJECT_ROOT

    figures = grid_benchmark(
        PROJECT_ROOT / "data" / "qingdao", postgres_admin_url=postgres
    )
    _print_figures("TwoNet grid benchmark", figures)


def _print_figures(title: str, figures: list[Any]) -> None:
    table = Table(title=title)
    for column in ("figure", "value", "target", "peer baseline", "peer", "ratio"):
        table.add_column(column)
    for f in figures:
        table.add_row(
            f.name,
            f"{f.value:,.3f} {f.unit}",
            f.target,
            f.baseline_name,
            "" if f.baseline is None else f"{f.baseline:,.3f} {f.unit}",
            "" if f.ratio is None else f"{f.ratio:,.1f}×",
        )
    console.print(table)


@bench_app.command("locate")
def bench_locate(
    points: Annotated[int, typer.Option(help="number of points")] = 1_000_000,
) -> None:
    """点定位基准 / four-level point location vs geopandas.sjoin."""
    from twonet.bench.locate import locate_benchmark
    from twonet.db.engine import PROJECT_ROOT

    _print_figures(
        "TwoNet locate benchmark",
        locate_benchmark(PROJECT_ROOT / "data" / "qingdao", points),
    )


@bench_app.command("address")
def bench_address(
    n: Annotated[int, typer.Option(help="number of addresses")] = 100_000,
    reference_limit: Annotated[
        int, typer.Option(help="addresses given to jionlp/cpca (jionlp: ~200/s)")
    ] = 20_000,
) -> None:
    """地址解析基准 / address parsing vs jionlp and cpca."""
    from twonet.bench.address import address_benchmark

    _print_figures(
        "TwoNet address benchmark",
        address_benchmark(n, reference_limit=reference_limit or None),
    )


@bench_app.command("import")
def bench_import(
    rows: Annotated[int, typer.Option(help="registry rows")] = 1_000_000,
    postgres: Annotated[
        str | None, typer.Option(help="PostgreSQL admin URL (scratch database)")
    ] = "postgresql://postgres@127.0.0.1:5432/postgres",
) -> None:
    """导入基准 / end-to-end registry import into PostGIS and SpatiaLite."""
    from twonet.bench.imports import import_benchmark
    from twonet.db.engine import PROJECT_ROOT

    data = PROJECT_ROOT / "data"
    _print_figures(
        "TwoNet import benchmark",
        import_benchmark(
            data / "qingdao", data / "cache", rows, postgres_admin_url=postgres
        ),
    )


@bench_app.command("balance")
def bench_balance(
    employers: Annotated[int, typer.Option(help="demo registry rows")] = 30_000,
    time_limit: Annotated[float, typer.Option(help="CP-SAT seconds")] = 20.0,
    max_moves: Annotated[int, typer.Option(help="operations at most")] = 60,
) -> None:
    """均衡基准 / balancing 黄岛区: CP-SAT vs the greedy baseline."""
    from twonet.bench.balance import balance_benchmark
    from twonet.db.engine import PROJECT_ROOT

    _print_figures(
        "TwoNet balance benchmark",
        balance_benchmark(
            PROJECT_ROOT / "data" / "qingdao",
            employers=employers,
            time_limit=time_limit,
            max_moves=max_moves,
        ),
    )


@bench_app.command("staffing")
def bench_staffing(
    employers: Annotated[int, typer.Option(help="demo registry rows")] = 30_000,
    rounds: Annotated[int, typer.Option(help="runs per figure (median)")] = 3,
) -> None:
    """人员配置基准 / rules report of the demo city, preview of a bulk change."""
    from twonet.bench.staffing import staffing_benchmark
    from twonet.db.engine import PROJECT_ROOT

    _print_figures(
        "TwoNet staffing benchmark",
        staffing_benchmark(
            PROJECT_ROOT / "data" / "qingdao", employers=employers, rounds=rounds
        ),
    )


@bench_app.command("coverage")
def bench_coverage(
    rows: Annotated[int, typer.Option(help="synthetic employers")] = 1_000_000,
    inspections: Annotated[
        int, typer.Option(help="synthetic inspection records")
    ] = 3_000_000,
    postgres: Annotated[
        str | None,
        typer.Option(help="PostgreSQL admin URL (scratch database); empty: SpatiaLite"),
    ] = "postgresql://postgres@127.0.0.1:5432/postgres",
) -> None:
    """覆盖情况基准 / coverage of all four levels: in the database vs in-process."""
    from twonet.bench.coverage import coverage_benchmark
    from twonet.db.engine import PROJECT_ROOT

    _print_figures(
        "TwoNet coverage benchmark",
        coverage_benchmark(
            PROJECT_ROOT / "data" / "qingdao",
            employers=rows,
            inspections=inspections,
            postgres_admin_url=postgres or None,
        ),
    )


@bench_app.command("hotspots")
def bench_hotspots(
    rows: Annotated[int, typer.Option(help="employers spread over the villages")] = (
        1_000_000
    ),
    permutations: Annotated[int, typer.Option(help="Gi* permutations")] = 999,
    quarters: Annotated[int, typer.Option(help="quarters of the emerging run")] = 12,
) -> None:
    """违法热点基准 / Gi* and emerging hotspots over every village vs esda alone."""
    from twonet.bench.hotspots import hotspots_benchmark
    from twonet.db.engine import PROJECT_ROOT

    _print_figures(
        "TwoNet hotspots benchmark",
        hotspots_benchmark(
            PROJECT_ROOT / "data" / "qingdao",
            employers=rows,
            permutations=permutations,
            quarters=quarters,
        ),
    )


@bench_app.command("accuracy")
def bench_accuracy() -> None:
    """准确率报告 / per-level accuracy on labelled sets TwoNet did not make."""
    from twonet.bench.accuracy import accuracy_benchmark
    from twonet.db.engine import PROJECT_ROOT

    result = accuracy_benchmark(PROJECT_ROOT / "data")
    _print_frame(
        "地址解析准确率 / address accuracy (human labels; see data/accuracy)",
        result["addresses"],
    )
    _print_frame(
        "青岛县级市与历史园区地址 / Qingdao county-level cities and historical "
        "zones (labels from the sources; see data/accuracy/PROVENANCE.md)",
        result["qingdao"],
    )
    _print_frame(
        "GCJ-02 坐标 / points declared GCJ-02 (Amap district labels)",
        result["gcj02"],
    )
    console.print(
        f"忽略坐标系时乡镇网格改变 / township cell changes when the datum is "
        f"ignored: {result['township_moved']:.1%}"
    )


def _print_frame(title: str, frame: Any) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)
