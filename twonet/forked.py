"""Run a function in a forked process while this one does something else.

The child shares this process's memory copy-on-write, so nothing is pickled
on the way in (a gazetteer or a million-row frame costs nothing to hand
over); the result comes back pickled through a pipe.  Used where a second
CPU would otherwise idle: the importer hashes rows and parses addresses in
children while it prepares the rows to place.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any, TypeVar

from twonet.errors import TwoNetError

T = TypeVar("T")


def can_fork() -> bool:
    """Tell whether this platform starts processes by ``fork``."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def later(
    function: Callable[..., T], *args: Any, what: str, fork: bool = True
) -> Callable[[], T]:
    """Start ``function(*args)`` in a forked child; return a call that waits.

    Parameters
    ----------
    function : callable
        Run in the child, with the cyclic garbage collector off (the child
        is short-lived and allocates much).
    *args
        Its arguments, shared copy-on-write.
    what : str
        What the child does, for the error raised if it dies.
    fork : bool
        ``False`` runs ``function`` here, when the result is asked for (for
        work too small to be worth a process).

    Returns
    -------
    callable
        Waits for the child and returns what ``function`` returned; an
        exception raised in the child is raised again.  Call it once.  Where
        ``fork`` is unavailable, ``function`` runs when the result is asked
        for, as it does with ``fork=False``.

    Examples
    --------
    >>> wait = later(sum, [1, 2, 3], what="adding")
    >>> wait()
    6
    """
    if not fork or not can_fork():
        return lambda: function(*args)
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_run_and_send, args=(sender, function, args), daemon=True
    )
    child.start()
    sender.close()

    def wait() -> T:
        try:
            ok, value = receiver.recv()
        except EOFError as exc:
            msg = f"{what} process {child.pid} died (exit code {child.exitcode})"
            raise TwoNetError(msg) from exc
        finally:
            receiver.close()
            child.join()
        if not ok:
            raise value
        result: T = value
        return result

    return wait


def _run_and_send(
    sender: Any, function: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    """Child process: run, send ``(True, result)`` or ``(False, error)``."""
    gc.disable()
    try:
        outcome = (True, function(*args))
    except Exception as exc:  # handed to the parent, raised there
        outcome = (False, exc)
    sender.send(outcome)
    sender.close()
