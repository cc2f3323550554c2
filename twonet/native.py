"""The address parser compiled to C by mypyc, where a C compiler is at hand.

:mod:`grid.address` is plain, type-annotated Python.  mypyc, the compiler
that ships with mypy, turns such a module into a C extension with the same
behaviour; on the parser's tuple-and-dict loops it runs about 1.4× faster,
which is what lifts address parsing well past 50,000 addresses a second in
one process.  Nothing else changes: the source stays the one truth, and
without a compiler everything runs as pure Python, only slower.

:func:`ensure` (``python -m twonet.native ensure``, run by
``scripts/bootstrap.sh``) compiles :data:`COMPILED` into ``build/native/``
when needed, with a manifest of the SHA-256 digests of those sources and of
the project modules their compiled types rely on (:data:`DEPENDS`).
``grid/__init__.py`` installs :class:`CompiledFinder`, which serves a
compiled module only while every one of those files is exactly what was
compiled and the build is for this Python.  The check runs whenever the
module is imported or reloaded, so an edited source is never shadowed by a
stale build: it runs as pure Python, with a :class:`StaleBuildWarning`,
until it is rebuilt.  ``TWONET_PURE_PYTHON=1`` ignores the build.

Builds are serialised by a lock file, and a new build replaces the old one
by swapping a symbolic link, so a reader sees either build whole.

Nothing here imports mypy unless a build runs.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from twonet.errors import TwoNetError

#: Sources compiled by mypyc, relative to the project root.
COMPILED: tuple[str, ...] = ("grid/address.py",)
#: Project modules the compiled code takes types from; mypyc checks those
#: types at run time, so a change to one of them needs a rebuild too.
#: ``tests/test_native.py`` checks this lists every project import.
DEPENDS: tuple[str, ...] = (
    "grid/gazetteer.py",
    "twonet/errors.py",
    "twonet/forked.py",
)
#: Environment variable that, set to ``1``, makes every module pure Python.
PURE_PYTHON_ENV = "TWONET_PURE_PYTHON"
MANIFEST = "manifest.json"
#: Builds kept besides the current one (a process may be loading it).
_KEEP_PREVIOUS = 1

_ROOT = Path(__file__).resolve().parent.parent


class NativeBuildError(TwoNetError):
    """mypyc could not compile the modules (the message holds its output)."""


class StaleBuildWarning(RuntimeWarning):
    """A compiled module was not used: its source changed since the build."""


def build_dir(root: Path | None = None) -> Path:
    """Return where the current build is found (``build/native``, a link)."""
    return (root or _ROOT) / "build" / "native"


def extension_suffix() -> str:
    """Return this interpreter's suffix for extension modules."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


def source_digest(path: Path) -> str:
    """Return the SHA-256 of a source file, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def module_name(source: str) -> str:
    """Return the module in a source file (``grid/address.py``: ``grid.address``)."""
    return source.removesuffix(".py").replace("/", ".")


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
    if not isinstance(sources, dict) or not sources:
        return "the build manifest lists no sources"
    for name, digest in sources.items():
        try:
            current = source_digest(root / name)
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


class CompiledFinder(importlib.abc.MetaPathFinder):
    """Import compiled modules from a build while their sources are unchanged.

    Parameters
    ----------
    root : Path
        The project root; the build is looked for in :func:`build_dir`.
    compiled : sequence of str
        Source paths whose modules are served (default :data:`COMPILED`);
        the helper modules a build adds (``…__mypyc``) are served with them.
    """

    def __init__(self, root: Path, compiled: Sequence[str] = COMPILED) -> None:
        self.root = root
        self.names = frozenset(module_name(s) for s in compiled)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """Return the compiled module's spec, or ``None`` to use the source."""
        if fullname not in self.names and not fullname.endswith("__mypyc"):
            return None
        if os.environ.get(PURE_PYTHON_ENV, "") == "1":
            return None
        folder = build_dir(self.root)
        manifest = _read_manifest(folder)
        if manifest is None:
            return None
        if fullname in self.names:
            reason = _unusable(manifest, self.root)
            if reason:
                warnings.warn(
                    f"编译版 {fullname} 未启用 / compiled {fullname} not used: "
                    f"{reason}; rebuild with `python -m twonet.native ensure` "
                    "(pure Python meanwhile)",
                    StaleBuildWarning,
                    stacklevel=2,
                )
                return None
        for relative in manifest.get("modules", ()):
            if module_name(str(relative).split(".", 1)[0]) == fullname:
                return importlib.util.spec_from_file_location(
                    fullname, str(folder / relative)
                )
        return None


def install_finder(root: Path | None = None) -> CompiledFinder:
    """Put a :class:`CompiledFinder` first in :data:`sys.meta_path` (once)."""
    root = root or _ROOT
    for finder in sys.meta_path:
        if isinstance(finder, CompiledFinder) and finder.root == root:
            return finder
    finder = CompiledFinder(root)
    sys.meta_path.insert(0, finder)
    return finder


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
    reason = stale_reason(root)
    modules = {
        module_name(s): is_compiled(importlib.import_module(module_name(s)))
        for s in COMPILED
    }
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
    copy_name = f"{name}_from_source"
    path = _ROOT / (name.replace(".", "/") + ".py")
    spec = importlib.util.spec_from_file_location(copy_name, path)
    if spec is None or spec.loader is None:
        raise NativeBuildError(f"no source for {name!r} at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[copy_name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def is_compiled(module: ModuleType) -> bool:
    """Tell whether a module was imported from a compiled extension."""
    return str(getattr(module, "__file__", "")).endswith(extension_suffix())


# ------------------------------------------------------------------- building

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


@contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``build/native.lock`` (where ``fcntl`` exists)."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: builds are not serialised
        yield
        return
    with open(folder.parent / "native.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(
    root: Path | None = None,
    *,
    sources: Sequence[str] = COMPILED,
    depends: Sequence[str] = DEPENDS,
    only_if_stale: bool = False,
) -> dict[str, Any]:
    """Compile modules with mypyc; make the result the current build.

    The build goes to a new ``build/native-<n>`` folder; only once it is
    complete does the ``build/native`` link move to it, so a failed build
    leaves the previous one (or none) in place.

    Parameters
    ----------
    root : Path, optional
        The project root (default: this checkout's).
    sources : sequence of str
        Module files relative to ``root`` (default :data:`COMPILED`).
    depends : sequence of str
        Files whose digests are recorded too (default :data:`DEPENDS`).
    only_if_stale : bool
        Compile only if the current build cannot be used (checked once the
        lock is held, so concurrent callers compile once).

    Returns
    -------
    dict
        ``seconds``, ``folder``, ``modules`` (the extension files) and
        ``compiled`` (``False`` when an up-to-date build was kept).

    Raises
    ------
    NativeBuildError
        If mypyc or the C compiler fails, or a source changes while it is
        compiled.
    OSError
        If the build folder cannot be written.
    """
    import time

    root = root or _ROOT
    link = build_dir(root)
    link.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with _build_lock(link):
        if only_if_stale and stale_reason(root) is None:
            manifest = _read_manifest(link) or {}
            return {
                "seconds": 0.0,
                "folder": str(link),
                "modules": manifest.get("modules", []),
                "compiled": False,
            }
        modules = _compile(root, link, list(sources), list(depends))
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "folder": str(link),
        "modules": modules,
        "compiled": True,
    }


def _compile(
    root: Path, link: Path, sources: list[str], depends: list[str]
) -> list[str]:
    import shutil
    import subprocess
    import tempfile

    digests = {name: source_digest(root / name) for name in [*sources, *depends]}
    out = Path(tempfile.mkdtemp(dir=link.parent, prefix="native-"))
    out.chmod(0o755)  # readable by whoever runs the app, as a source tree is
    try:
        with tempfile.TemporaryDirectory(dir=link.parent, prefix=".temp-") as temp:
            done = subprocess.run(
                [sys.executable, "-c", _BUILD_SCRIPT, str(out), temp, *sources],
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
            p.relative_to(out).as_posix() for p in out.rglob(f"*{extension_suffix()}")
        )
        manifest = {
            "extension_suffix": extension_suffix(),
            "sources": digests,
            "modules": modules,
            "python": sys.version.split()[0],
        }
        (out / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        _point_link(link, out)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    _drop_old_builds(link, keep=out)
    return modules


def _point_link(link: Path, target: Path) -> None:
    """Make ``link`` point at ``target`` in one atomic rename."""
    import shutil

    if link.is_dir() and not link.is_symlink():  # a build from before links
        shutil.rmtree(link)
    staged = link.with_name(f".{link.name}-{os.getpid()}")
    staged.unlink(missing_ok=True)
    staged.symlink_to(target.name)
    os.replace(staged, link)


def _drop_old_builds(link: Path, keep: Path) -> None:
    import shutil

    old = sorted(
        (p for p in link.parent.glob("native-*") if p != keep and p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    for folder in old[: max(0, len(old) - _KEEP_PREVIOUS)]:
        shutil.rmtree(folder, ignore_errors=True)


def _main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command in ("build", "ensure"):
        try:
            report = build(only_if_stale=command == "ensure")
        except (NativeBuildError, OSError) as exc:
            print(f"编译失败，以纯 Python 运行 / build failed, pure Python: {exc}")
            return 1
        if not report["compiled"]:
            print("编译版地址解析器已是最新 / compiled parser is up to date")
        else:
            print(
                f"已编译 / compiled {', '.join(COMPILED)} with mypyc in "
                f"{report['seconds']} s → {report['folder']}"
            )
        return 0
    if command == "clean":
        import shutil

        for path in build_dir().parent.glob("native*"):
            if path.is_symlink() or path.is_file():
                path.unlink()
            else:
                shutil.rmtree(path, ignore_errors=True)
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
