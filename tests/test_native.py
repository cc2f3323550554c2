"""The mypyc-compiled address parser: in use on CI, same answers as the source.

The compiled module must give exactly what its source gives; the source is
loaded beside it under another name and both parse the same addresses.  A
build whose sources have changed since must never be used.
"""

from __future__ import annotations

import ast
import dataclasses
import doctest
import importlib.util
import json
import shutil
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

import grid.address
from grid.accuracy import load_labelled_addresses
from grid.address_bench import sample_addresses
from twonet import native
from twonet.errors import TwoNetError

ROOT = Path(__file__).resolve().parents[1]


def _require_all(config: pytest.Config) -> bool:
    from tests.conftest import _require_all as required

    return required(config)


def _unavailable(config: pytest.Config, message: str) -> None:
    if _require_all(config):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_compiled_parser_is_in_use(request: pytest.FixtureRequest) -> None:
    state = native.status()
    if not all(state["modules"].values()):
        _unavailable(request.config, f"compiled parser not in use: {state}")
    assert native.is_compiled(grid.address)


@pytest.fixture(scope="module")
def source_module() -> Iterator[ModuleType]:
    """``grid/address.py`` imported from its source, whatever is built."""
    module = native.source_module("grid.address")
    yield module
    del sys.modules[module.__name__]


def _addresses(gazetteer: Any) -> list[object]:
    labelled = load_labelled_addresses(ROOT / "data" / "accuracy" / "addresses.csv")
    sampled = sample_addresses(gazetteer, 3000, seed=11, region=["3702"])
    national = sample_addresses(gazetteer, 1000, seed=12)
    odd: list[object] = [
        None,
        float("nan"),
        "",
        "　",
        "山东省青岛市黄岛区辛安街道　前港村１２３号",
        "青岛市北区辽宁路",
        "长江中路",
        "青岛市\n黄岛区",
        12345,
    ]
    return [
        *labelled["address"].tolist(),
        *sampled["address"].tolist(),
        *national["address"].tolist(),
        *odd,
    ]


@pytest.mark.parametrize("region", [["3702"], None])
def test_compiled_and_source_parsers_agree(
    national_gazetteer: Any,
    source_module: ModuleType,
    region: list[str] | None,
    request: pytest.FixtureRequest,
) -> None:
    if not native.is_compiled(grid.address):
        _unavailable(request.config, "no compiled parser to compare")
    texts = _addresses(national_gazetteer)
    national_gazetteer.clear_caches()
    compiled = grid.address.parse_addresses(texts, national_gazetteer, region=region)
    national_gazetteer.clear_caches()
    source = source_module.parse_addresses(texts, national_gazetteer, region=region)
    pd.testing.assert_frame_equal(compiled, source)
    # the gazetteer memoises each module's own objects: clear between them
    national_gazetteer.clear_caches()
    one = grid.address.parse_address(str(texts[0]), national_gazetteer, region=region)
    national_gazetteer.clear_caches()
    other = source_module.parse_address(
        str(texts[0]), national_gazetteer, region=region
    )
    assert dataclasses.asdict(one) == dataclasses.asdict(other)
    national_gazetteer.clear_caches()


def test_source_doctests(source_module: ModuleType) -> None:
    results = doctest.testmod(source_module)
    assert results.attempted > 0 and results.failed == 0


def test_depends_lists_every_project_module_the_compiled_ones_import() -> None:
    packages = {"grid", "twonet", "ingest", "maps"}
    for source in native.COMPILED:
        tree = ast.parse((ROOT / source).read_text(encoding="utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        ours = {m for m in imported if m.split(".")[0] in packages}
        assert ours, source
        for module in ours:
            assert f"{module.replace('.', '/')}.py" in native.DEPENDS, module


# ---------------------------------------------------------------------- finder


@pytest.fixture()
def fake_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with ``pkg/mod.py`` and a build of it (an empty extension)."""
    monkeypatch.delenv(native.PURE_PYTHON_ENV, raising=False)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("X = 1\n", encoding="utf-8")
    (tmp_path / "pkg" / "dep.py").write_text("Y = 2\n", encoding="utf-8")
    target = tmp_path / "build" / "native-1"
    (target / "pkg").mkdir(parents=True)
    extension = f"pkg/mod{native.extension_suffix()}"
    (target / extension).write_bytes(b"")
    _write_manifest(
        target,
        {
            "extension_suffix": native.extension_suffix(),
            "sources": {
                name: native.source_digest(tmp_path / name)
                for name in ("pkg/mod.py", "pkg/dep.py")
            },
            "modules": [extension],
        },
    )
    native.build_dir(tmp_path).symlink_to(target.name)
    return tmp_path


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    (folder / native.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _find(root: Path) -> Any:
    return native.CompiledFinder(root, ["pkg/mod.py"]).find_spec("pkg.mod")


def test_a_current_build_is_used(fake_project: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spec = _find(fake_project)
    assert spec is not None
    assert spec.origin == str(
        native.build_dir(fake_project) / f"pkg/mod{native.extension_suffix()}"
    )
    assert native.CompiledFinder(fake_project, ["pkg/mod.py"]).find_spec("os") is None


@pytest.mark.parametrize("changed", ["pkg/mod.py", "pkg/dep.py"])
def test_a_build_of_changed_sources_is_not_used(
    fake_project: Path, changed: str
) -> None:
    with open(fake_project / changed, "a", encoding="utf-8") as source:
        source.write("# edited\n")
    with pytest.warns(native.StaleBuildWarning, match=f"{changed} changed"):
        assert _find(fake_project) is None


def test_a_build_for_another_python_is_not_used(fake_project: Path) -> None:
    folder = native.build_dir(fake_project)
    manifest = json.loads((folder / native.MANIFEST).read_text(encoding="utf-8"))
    manifest["extension_suffix"] = ".cpython-39-x86_64-linux-gnu.so"
    _write_manifest(folder, manifest)
    with pytest.warns(native.StaleBuildWarning, match="cpython-39"):
        assert _find(fake_project) is None


def test_no_build_is_silently_pure_python(fake_project: Path) -> None:
    native.build_dir(fake_project).unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _find(fake_project) is None


def test_pure_python_can_be_forced(
    fake_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _find(fake_project) is not None
    monkeypatch.setenv(native.PURE_PYTHON_ENV, "1")
    assert _find(fake_project) is None


# ---------------------------------------------------------------------- builds


def test_build_compiles_once_and_a_failed_build_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    if shutil.which("cc") is None or importlib.util.find_spec("mypyc") is None:
        _unavailable(request.config, "no C compiler or no mypyc")
    monkeypatch.delenv(native.PURE_PYTHON_ENV, raising=False)
    package = tmp_path / "tinypkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "twice.py").write_text(
        "def twice(x: int) -> int:\n    return 2 * x\n", encoding="utf-8"
    )
    compile_tiny = dict(sources=("tinypkg/twice.py",), depends=())
    reports: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def ensure() -> None:
        try:
            reports.append(native.build(tmp_path, only_if_stale=True, **compile_tiny))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=ensure) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(r["compiled"] for r in reports) == [False, True]  # one compiled
    link = native.build_dir(tmp_path)
    assert link.is_symlink()
    modules = reports[0]["modules"]
    assert modules and all((link / m).exists() for m in modules)
    finder = native.CompiledFinder(tmp_path, ["tinypkg/twice.py"])
    spec = finder.find_spec("tinypkg.twice")
    assert spec is not None and spec.origin is not None
    assert spec.origin.endswith(native.extension_suffix())

    (package / "twice.py").write_text(
        "def twice(x: int) -> int:\n    return 'two'\n", encoding="utf-8"
    )
    with pytest.raises(native.NativeBuildError, match=r"twice\.py") as failed:
        native.build(tmp_path, **compile_tiny)
    assert isinstance(failed.value, TwoNetError)
    assert all((link / m).exists() for m in modules)  # the old build is kept
    with pytest.warns(native.StaleBuildWarning, match="changed since it was compiled"):
        assert finder.find_spec("tinypkg.twice") is None
