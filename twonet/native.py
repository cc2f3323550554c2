"""The address parser compiled to C by mypyc, where a C compiler is at hand.

:mod:`grid.address` is plain, type-annotated Python.  mypyc, the compiler
that ships with mypy, turns such a module into a C extension with the same
behaviour; on the parser's tuple-and-dict loops it runs about 1.4× faster,
which is what lifts address parsing past 50,000 addresses a second in one
process.  Nothing else changes: the source stays the one truth, and without a
compiler everything runs as pure Python, only slower.

:func:`build` (``python -m twonet.native build``, run by
``scripts/bootstrap.sh``) compiles :data:`COMPILED` into ``build/native/``
beside a manifest of the sources' SHA-256 digests.  ``grid/__init__.py``
calls :func:`compiled_search_path`, which puts that folder first on the
package's search path only while every compiled module's source is exactly
what was compiled and the build is for this Python; an edited source is thus
never shadowed by a stale build but runs as pure Python, with a warning,
until it is rebuilt.  ``TWONET_PURE_PYTHON=1`` ignores the build.

Nothing here imports mypy unless :func:`build` is called.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
import sysconfig
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from twonet.errors import TwoNetError

#: Sources compiled by mypyc, relative to the project root.
COMPILED: tuple[str, ...] = ("grid/address.py",)
#: Environment variable that, set to ``1``, makes every module pure Python.
PURE_PYTHON_ENV = "TWONET_PURE_PYTHON"
MANIFEST = "manifest.json"

_ROOT = Path(__file__).resolve().parent.parent


class NativeBuildError(TwoNetError):
    """mypyc could not compile the modules (the message holds its output)."""


def build_dir(root: Path | None = None) -> Path:
    """Return the folder compiled modules go to (``build/native``)."""
    return (root or _ROOT) / "build" / "native"


def extension_suffix() -> str:
    """Return this interpreter's suffix for extension modules."""
    return str(sysconfig.get_config_var("EXT_SUFFIX") or ".so")


def source_digest(path: Path) -> str:
    """Return the SHA-256 of a source file, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compiled_search_path(package_dir: str | Path) -> list[str]:
    """Return the compiled copy of a package's folder, if it may be used.

    Parameters
    ----------
    package_dir : str or Path
        The package's source folder (``grid/``).

    Returns
    -------
    list of str
        ``[build/native/<package>]`` when a build exists for this Python,
        every source it compiled is unchanged, and :data:`PURE_PYTHON_ENV`
        is not set; else ``[]``.  A stale or foreign build gives a
        :class:`RuntimeWarning` naming the changed source.
    """
    if os.environ.get(PURE_PYTHON_ENV, "") == "1":
        return []
    package_dir = Path(package_dir)
    root = package_dir.parent
    folder = build_dir(root)
    manifest = _read_manifest(folder)
    if manifest is None:
        return []
    reason = _unusable(manifest, root)
    if reason:
        warnings.warn(
            f"编译版地址解析器未启用 / compiled parser not used: {reason}; "
            "rebuild with `python -m twonet.native build` (running as pure "
            "Python meanwhile)",
            RuntimeWarning,
            stacklevel=2,
        )
        return []
    compiled = folder / package_dir.name
    return [str(compiled)] if compiled.is_dir() else []


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _unusable(manifest: dict[str, Any], root: Path) -> str | None:
    """Say why a build cannot be used, or ``None`` if it can."""
    if manifest.get("extension_suffix") != extension_suffix():
        return (
            f"built for {manifest.get('extension_suffix')!r}, "
            f"this Python needs {extension_suffix()!r}"
        )
    sources = manifest.get("sources")
    if not isinstance(sources, dict):
        return "the build manifest lists no sources"
    for name, digest in sources.items():
        path = root / name
        try:
            current = source_digest(path)
        except OSError:
            return f"{name} is missing"
        if current != digest:
            return f"{name} changed since it was compiled"
    return None


def stale_reason(root: Path | None = None) -> str | None:
    """Say why the build cannot be used (``"not built"``…), or ``None``."""
    root = root or _ROOT
    manifest = _read_manifest(build_dir(root))
    return "not built" if manifest is None else _unusable(manifest, root)


def status(root: Path | None = None) -> dict[str, Any]:
    """Tell whether the compiled modules are built and which ones are loaded.

    Returns
    -------
    dict
        ``built`` (a usable build exists), ``reason`` (why not, or
        ``None``), ``pure_python`` (:data:`PURE_PYTHON_ENV` set) and
        ``modules``: for each compiled module, whether the imported one is
        the extension (``True``) or the source.
    """
    root = root or _ROOT
    reason = stale_reason(root)
    modules = {}
    for name in COMPILED:
        module_name = name.removesuffix(".py").replace("/", ".")
        modules[module_name] = is_compiled(importlib.import_module(module_name))
    return {
        "built": reason is None,
        "reason": reason,
        "pure_python": os.environ.get(PURE_PYTHON_ENV, "") == "1",
        "modules": modules,
    }


def source_module(name: str) -> ModuleType:
    """Import a compiled module afresh from its source, under another name.

    For comparing the two (tests, ``twonet bench address``).  The copy is
    registered as ``<name>_from_source`` in :data:`sys.modules`.  Memos that
    a module keeps on shared objects (the gazetteer's) hold that module's own
    classes: clear them between the two.
    """
    import importlib.util

    module_name = f"{name}_from_source"
    path = _ROOT / (name.replace(".", "/") + ".py")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise NativeBuildError(f"no source for {name!r} at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def is_compiled(module: ModuleType) -> bool:
    """Tell whether a module was imported from a compiled extension."""
    return str(getattr(module, "__file__", "")).endswith(extension_suffix())


_BUILD_SCRIPT = """
import sys
from mypyc.build import mypycify
from setuptools import setup

out, temp, *sources = sys.argv[1:]
setup(
    name="twonet-native",
    packages=[],
    py_modules=[],
    ext_modules=mypycify(sources, opt_level="3", target_dir=temp),
    script_args=["build_ext", "--build-lib", out, "--build-temp", temp, "--quiet"],
)
"""


def build(
    root: Path | None = None, *, sources: Sequence[str] = COMPILED
) -> dict[str, Any]:
    """Compile modules with mypyc into :func:`build_dir`.

    The new build replaces the old one only once it is complete, so a
    failed build leaves the previous one (or none) in place.

    Parameters
    ----------
    root : Path, optional
        The project root (default: this checkout's).
    sources : sequence of str
        Module files relative to ``root`` (default :data:`COMPILED`).

    Returns
    -------
    dict
        ``seconds``, ``folder`` and ``modules`` (the extension files).

    Raises
    ------
    NativeBuildError
        If mypyc or the C compiler fails, or a source changes while it is
        compiled.
    """
    import subprocess
    import tempfile
    import time

    root = root or _ROOT
    folder = build_dir(root)
    folder.parent.mkdir(parents=True, exist_ok=True)
    digests = {name: source_digest(root / name) for name in sources}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix="native-") as tmp:
        staged = Path(tmp) / "out"
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                _BUILD_SCRIPT,
                str(staged),
                str(Path(tmp) / "temp"),
                *sources,
            ],
            cwd=root,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip()
            raise NativeBuildError(
                f"mypyc failed (exit {done.returncode}):\n{output[-4000:]}"
            )
        changed = [n for n, d in digests.items() if source_digest(root / n) != d]
        if changed:
            raise NativeBuildError(f"changed while compiling: {', '.join(changed)}")
        modules = sorted(
            str(p.relative_to(staged)) for p in staged.rglob(f"*{extension_suffix()}")
        )
        manifest = {
            "extension_suffix": extension_suffix(),
            "sources": digests,
            "modules": modules,
            "python": sys.version.split()[0],
        }
        (staged / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        old = Path(tmp) / "old"
        if folder.exists():
            folder.rename(old)
        staged.rename(folder)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "folder": str(folder),
        "modules": modules,
    }


def _main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "build":
        try:
            report = build()
        except NativeBuildError as exc:
            print(f"编译失败，以纯 Python 运行 / build failed, pure Python: {exc}")
            return 1
        print(
            f"已编译 / compiled {', '.join(COMPILED)} with mypyc in "
            f"{report['seconds']} s → {report['folder']}"
        )
        return 0
    if command == "ensure":
        if stale_reason() is None:
            print("编译版地址解析器已是最新 / compiled parser is up to date")
            return 0
        return _main(["build"])
    if command == "clean":
        import shutil

        shutil.rmtree(build_dir(), ignore_errors=True)
        return 0
    if command == "status":
        print(json.dumps(status(), indent=2, ensure_ascii=False))
        return 0
    print(
        "usage: python -m twonet.native [build|ensure|status|clean]", file=sys.stderr
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
