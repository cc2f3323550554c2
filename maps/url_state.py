"""The view of each page in its URL, so a reload keeps it and a link shares it.

Each page declares its URL parameters as a tuple of :class:`Param` (a URL
name, the plain session key it mirrors — see :mod:`maps.widgets` — and how
to read and write the value) and calls :func:`sync` at the top of its
``render()``, before :func:`maps.widgets.init_state`::

    _URL = (url_state.choice("level", "cov_level", LEVEL_VALUES), ...)
    url_state.sync("coverage", _URL, defaults)
    init_state(defaults)

:func:`sync` reads the URL the first time the page runs in a browser
session (a link opened, a bookmark, a reload) and seeds the session values
from it; a value that does not parse, or is out of range, falls back to the
page's default and never raises.  Then, on every run, it writes the current
values back (``st.query_params``; values equal to the default are left out,
so a bookmark of "today" stays today).  The router calls :func:`flush` after
the page has run, so that a value the page corrected (a filter option no
longer in the data) reaches the URL in the same run.  Widgets are bound to the session
values (:func:`maps.widgets.bound`), so they show what the URL said.

Parameters (defaults left out of the URL):

=============  ===========================================================
all pages      ``lang`` — ``zh`` (default) or ``en``
网格地图        ``level`` (city, county, township, village), ``in`` (the
               cell whose children are drawn), ``cell`` (the selected
               village), ``date`` (ISO), ``colour`` (children, level),
               ``basemap``, ``emp`` (employer layer, 1 or 0)
用人单位查询    ``level``, ``cell``, ``industry``, ``category``, ``flags``
               (comma-separated), ``method``, ``q`` (name, USCC, address),
               ``page``
待复核          ``reason``, ``item`` (review item number)
人员分配        ``level``, ``in``, ``cell`` (as on the grid map), ``pick``
               (the chosen cell), ``person`` (staff number), ``date``
覆盖情况        ``level``, ``date``, ``metric``, ``scheme``, ``k``,
               ``county``, ``min``, ``basemap``
热点分析        ``level``, ``from``, ``to``, ``types`` (comma-separated),
               ``view``, ``scheme``, ``k``, ``basemap``
导入记录        ``run`` (import run number)
=============  ===========================================================

Values a page can only check against its data (a county code, a category)
are checked for shape here and against the data by the page, as for any
other stale value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from grid.codes import LEVELS, Level, level_of_code
from maps.layers import View

#: Session key prefix of what :func:`sync` last wrote for a page.
_WRITTEN = "_url_written__"
#: Session key of the page :func:`flush` writes back at the end of a run.
_PENDING = "_url_pending"
_CODE = re.compile(r"[0-9]{6}([0-9]{3}([0-9]{3}([0-9]{2})?)?)?")
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,40}")
#: Dates outside this range are not read from a URL.
DATE_RANGE = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))


@dataclass(frozen=True)
class Param:
    """One value of a page kept in its URL.

    Attributes
    ----------
    names : tuple of str
        The URL parameter names it uses (one for most values).
    key : str
        The plain session key it mirrors.
    decode : callable
        ``decode(query)`` returns the value from the URL parameters (a
        mapping name → text); raises :class:`ValueError` (or
        :class:`KeyError` when absent) if it cannot.
    encode : callable
        ``encode(value)`` returns the URL parameters of a value.
    """

    names: tuple[str, ...]
    key: str
    decode: Callable[[Mapping[str, str]], Any]
    encode: Callable[[Any], dict[str, str]]


# ------------------------------------------------------------ param makers
def _single(
    name: str, key: str, parse: Callable[[str], Any], show: Callable[[Any], str]
) -> Param:
    return Param((name,), key, lambda q: parse(q[name]), lambda v: {name: show(v)})


def _member(options: Iterable[str]) -> Callable[[str], str]:
    allowed = tuple(options)

    def parse(text: str) -> str:
        if text not in allowed:
            msg = f"{text!r} is not one of {allowed}"
            raise ValueError(msg)
        return text

    return parse


def choice(name: str, key: str, options: Iterable[str]) -> Param:
    """Return a parameter holding one of ``options``."""
    return _single(name, key, _member(options), str)


def token(name: str, key: str) -> Param:
    """Return a parameter holding a short identifier checked by the page."""
    return _single(name, key, _member_re(_TOKEN), str)


def code(name: str, key: str) -> Param:
    """Return a parameter holding a cell code (6, 9, 12 or 14 digits)."""
    return _single(name, key, parse_code, lambda v: str(v or ""))


def text(name: str, key: str, *, max_length: int = 100) -> Param:
    """Return a parameter holding free text of at most ``max_length`` characters."""

    def parse(value: str) -> str:
        if len(value) > max_length or not value.isprintable():
            msg = f"text of {len(value)} characters or not printable"
            raise ValueError(msg)
        return value

    return _single(name, key, parse, str)


def integer(name: str, key: str, low: int, high: int) -> Param:
    """Return a parameter holding an integer in ``[low, high]``."""
    return _single(name, key, lambda v: parse_int(v, low, high), str)


def optional_integer(name: str, key: str, low: int, high: int) -> Param:
    """Return a parameter holding an integer in ``[low, high]`` or ``None``."""
    return _single(
        name,
        key,
        lambda v: parse_int(v, low, high),
        lambda v: "" if v is None else str(v),
    )


def flag(name: str, key: str) -> Param:
    """Return a parameter holding a boolean as ``1`` or ``0``."""
    return _single(
        name, key, lambda v: {"1": True, "0": False}[v], lambda v: "1" if v else "0"
    )


def date(name: str, key: str) -> Param:
    """Return a parameter holding a date as ``YYYY-MM-DD``."""
    return _single(name, key, parse_date, lambda v: v.isoformat())


def choices(name: str, key: str, options: Iterable[str]) -> Param:
    """Return a parameter holding a list of ``options``, comma-separated."""
    member = _member(options)

    def parse(value: str) -> list[str]:
        items = [member(v) for v in value.split(",") if v]
        return list(dict.fromkeys(items))

    return _single(name, key, parse, lambda v: ",".join(v))


def tokens(name: str, key: str) -> Param:
    """Return a parameter holding a list of short identifiers checked by the page."""
    member = _member_re(_TOKEN)

    def parse(value: str) -> list[str]:
        return list(dict.fromkeys(member(v) for v in value.split(",") if v))

    return _single(name, key, parse, lambda v: ",".join(v))


def view(key: str) -> Param:
    """Return the drill position of a map: ``level``, ``in`` and ``cell``.

    The value is a :class:`maps.layers.View`; see :func:`parse_view`.
    """

    def encode(value: View) -> dict[str, str]:
        out = {"level": value.level.value}
        if value.parent_code:
            out["in"] = value.parent_code
        if value.selected:
            out["cell"] = value.selected
        return out

    return Param(("level", "in", "cell"), key, parse_view, encode)


# ------------------------------------------------------------------ parsers
def _member_re(pattern: re.Pattern[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not pattern.fullmatch(value):
            msg = f"{value!r} does not match {pattern.pattern}"
            raise ValueError(msg)
        return value

    return parse


def parse_code(value: str) -> str:
    """Return a cell code, ``""`` for none; raise ValueError if malformed.

    Examples
    --------
    >>> parse_code("370211"), parse_code("")
    ('370211', '')
    """
    if value and not _CODE.fullmatch(value):
        msg = f"{value!r} is not a cell code"
        raise ValueError(msg)
    return value


def parse_int(value: str, low: int, high: int) -> int:
    """Return an integer in ``[low, high]``; raise ValueError otherwise."""
    number = int(value)
    if not low <= number <= high:
        msg = f"{number} is outside [{low}, {high}]"
        raise ValueError(msg)
    return number


def parse_date(value: str) -> dt.date:
    """Return a ``YYYY-MM-DD`` date within :data:`DATE_RANGE`."""
    day = dt.date.fromisoformat(value)
    if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        msg = f"{day} is outside {DATE_RANGE}"
        raise ValueError(msg)
    return day


def parse_view(query: Mapping[str, str]) -> View:
    """Return the map view described by ``level``, ``in`` and ``cell``.

    ``in`` must be a cell one level above ``level``; ``cell`` a village
    (under ``in`` when both are given).  A part that does not fit is
    dropped; no ``level`` at all raises :class:`KeyError`.

    Examples
    --------
    >>> place = {"level": "village", "in": "370211001", "cell": "370211001003"}
    >>> parse_view(place).selected
    '370211001003'
    >>> parse_view({"level": "township", "in": "370211001"})
    View(level=<Level.TOWNSHIP: 'township'>, parent_code=None, selected=None)
    """
    level = Level(query["level"])
    parent = query.get("in") or None
    if parent is not None and (
        not _CODE.fullmatch(parent) or level_of_code(parent).child != level
    ):
        parent = None
    selected = query.get("cell") or None
    if selected is not None and not (
        level is Level.VILLAGE
        and _CODE.fullmatch(selected)
        and level_of_code(selected) is Level.VILLAGE
        and (parent is None or selected.startswith(parent))
    ):
        selected = None
    return View(level=level, parent_code=parent, selected=selected)


#: The level values, for :func:`choice`.
LEVEL_VALUES: tuple[str, ...] = tuple(lv.value for lv in LEVELS)


# ------------------------------------------------------------------- pure core
def read(
    query: Mapping[str, str], params: Sequence[Param], defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the session values a URL describes (defaults where it does not).

    Never raises: a parameter that is absent or does not parse gives the
    default of its key (``None`` when ``defaults`` has none).

    Examples
    --------
    >>> params = (integer("k", "k", 3, 7), choice("level", "level", LEVEL_VALUES))
    >>> read({"k": "9", "level": "village"}, params, {"k": 5, "level": "county"})
    {'k': 5, 'level': 'village'}
    """
    values: dict[str, Any] = {}
    for param in params:
        try:
            values[param.key] = param.decode(query)
        except (KeyError, ValueError, TypeError):
            values[param.key] = defaults.get(param.key)
    return values


def write(
    values: Mapping[str, Any], params: Sequence[Param], defaults: Mapping[str, Any]
) -> dict[str, str]:
    """Return the URL parameters of session values, defaults left out.

    Examples
    --------
    >>> params = (integer("k", "k", 3, 7), flag("emp", "emp"))
    >>> write({"k": 7, "emp": True}, params, {"k": 5, "emp": True})
    {'k': '7'}
    """
    out: dict[str, str] = {}
    for param in params:
        if param.key not in values:
            continue
        value = values[param.key]
        if param.key in defaults and value == defaults[param.key]:
            continue
        out.update({k: v for k, v in param.encode(value).items() if v != ""})
    return out


def names_of(params: Sequence[Param]) -> list[str]:
    """Return the URL names ``params`` use."""
    return list(dict.fromkeys(n for p in params for n in p.names))


# ---------------------------------------------------------------- streamlit
def sync(page: str, params: Sequence[Param], defaults: Mapping[str, Any]) -> None:
    """Seed the session from the URL on a page's first run; write it back.

    Parameters
    ----------
    page : str
        A name for the page (the session remembers what it last wrote).
    params : sequence of Param
        The page's URL parameters.
    defaults : mapping
        The page's default session values (key → value), as given to
        :func:`maps.widgets.init_state`.
    """
    names = names_of(params)
    query = {n: str(st.query_params[n]) for n in names if n in st.query_params}
    if st.session_state.get(_WRITTEN + page) is None and query:
        # a link, a bookmark or a reload: the URL describes the whole view
        for key, value in read(query, params, defaults).items():
            if value is None:
                st.session_state.pop(key, None)
            else:
                st.session_state[key] = (
                    list(value) if isinstance(value, list) else value
                )
    _publish(page, params, defaults)
    if page != APP:
        st.session_state[_PENDING] = (page, tuple(params), dict(defaults))


def flush() -> None:
    """Write the values of the page that just ran back to the URL.

    Called by the router after ``page.run()``; does nothing when the page
    did not call :func:`sync` (or stopped before it).
    """
    pending = st.session_state.pop(_PENDING, None)
    if pending is not None:
        _publish(*pending)


#: The page name of the values every page shares (the language).
APP = "app"


def _publish(page: str, params: Sequence[Param], defaults: Mapping[str, Any]) -> None:
    current = {
        p.key: st.session_state[p.key] for p in params if p.key in st.session_state
    }
    wanted = write(current, params, defaults)
    for name in names_of(params):
        if name in wanted:
            if st.query_params.get(name) != wanted[name]:
                st.query_params[name] = wanted[name]
        elif name in st.query_params:
            del st.query_params[name]
    st.session_state[_WRITTEN + page] = wanted
