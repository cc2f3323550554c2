"""The mypyc-compiled address parser: in use on CI, same answers as the source.

The compiled module must give exactly what its source gives; the source is
loaded beside it under another name and both parse the same addresses.  A
build whose source has changed since must never be used.
"""

from __future__ import annotations

import dataclasses
import doctest
import json
import sys
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


def test_compiled_parser_is_in_use(request: pytest.FixtureRequest) -> None:
    state = native.status()
    if not all(state["modules"].values()):
        message = f"compiled parser not in use: {state}"
        if _require_all(request.config):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
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
    national_gazetteer: Any, source_module: ModuleType, region: list[str] | None
) -> None:
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


# ---------------------------------------------------------------------- builds


def _fake_build(root: Path, digest: str, suffix: str | None = None) -> Path:
    (root / "grid").mkdir(parents=True)
    (root / "grid" / "address.py").write_text("X = 1\n", encoding="utf-8")
    folder = native.build_dir(root)
    (folder / "grid").mkdir(parents=True)
    manifest = {
        "extension_suffix": suffix or native.extension_suffix(),
        "sources": {"grid/address.py": digest},
    }
    (folder / native.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_a_current_build_is_put_first(tmp_path: Path) -> None:
    source = tmp_path / "grid" / "address.py"
    folder = _fake_build(tmp_path, "")
    manifest = json.loads((folder / native.MANIFEST).read_text(encoding="utf-8"))
    manifest["sources"]["grid/address.py"] = native.source_digest(source)
    (folder / native.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert native.compiled_search_path(tmp_path / "grid") == [str(folder / "grid")]


def test_a_build_of_a_changed_source_is_not_used(tmp_path: Path) -> None:
    _fake_build(tmp_path, "0" * 64)
    with pytest.warns(RuntimeWarning, match="grid/address.py changed"):
        assert native.compiled_search_path(tmp_path / "grid") == []


def test_a_build_for_another_python_is_not_used(tmp_path: Path) -> None:
    _fake_build(tmp_path, "", suffix=".cpython-39-x86_64-linux-gnu.so")
    with pytest.warns(RuntimeWarning, match="cpython-39"):
        assert native.compiled_search_path(tmp_path / "grid") == []


def test_no_build_is_silently_pure_python(tmp_path: Path) -> None:
    (tmp_path / "grid").mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert native.compiled_search_path(tmp_path / "grid") == []


def test_pure_python_can_be_forced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "grid" / "address.py"
    folder = _fake_build(tmp_path, "")
    manifest = {
        "extension_suffix": native.extension_suffix(),
        "sources": {"grid/address.py": native.source_digest(source)},
    }
    (folder / native.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv(native.PURE_PYTHON_ENV, "1")
    assert native.compiled_search_path(tmp_path / "grid") == []


def test_build_compiles_and_a_failed_build_keeps_the_old_one(tmp_path: Path) -> None:
    package = tmp_path / "tinypkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "twice.py").write_text(
        "def twice(x: int) -> int:\n    return 2 * x\n", encoding="utf-8"
    )
    report = native.build(tmp_path, sources=("tinypkg/twice.py",))
    folder = native.build_dir(tmp_path)
    assert report["modules"] and all((folder / m).exists() for m in report["modules"])
    assert native.compiled_search_path(package) == [str(folder / "tinypkg")]

    (package / "twice.py").write_text(
        "def twice(x: int) -> int:\n    return 'two'\n", encoding="utf-8"
    )
    with pytest.raises(native.NativeBuildError, match=r"twice\.py") as failed:
        native.build(tmp_path, sources=("tinypkg/twice.py",))
    assert isinstance(failed.value, TwoNetError)
    assert all((folder / m).exists() for m in report["modules"])  # old build kept
    with pytest.warns(RuntimeWarning, match="changed since it was compiled"):
        assert native.compiled_search_path(package) == []
