"""Working days (工作日) and the deadlines of a complaint.

A complaint must be accepted within :data:`~grid.record_types.ACCEPT_WORKING_DAYS`
(5) working days of its receipt and the case closed within
:data:`~grid.record_types.CLOSE_WORKING_DAYS` (60) working days of its
acceptance (劳动保障监察条例).  Working days follow the State Council's
yearly holiday notice: public holidays are days off even on a weekday, and
the make-up working days (调休上班) are working days even on a weekend.

The calendar is the maintained ``chinesecalendar`` package
(:mod:`chinese_calendar`), which knows the years whose notice it ships
(2004 to the year after its release, see :func:`calendar_years`).  Outside
those years there is no notice to follow: a day is a working day when it is
Monday to Friday, and deadlines running into such a year are approximate
(:func:`is_known_year` tells).

Pure functions over :class:`datetime.date`; no database.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from grid.errors import TwoNetError
from grid.record_types import ACCEPT_WORKING_DAYS, CLOSE_WORKING_DAYS

__all__ = [
    "accept_due",
    "add_working_days",
    "calendar_years",
    "close_due",
    "complaint_deadlines",
    "is_known_year",
    "is_working_day",
]


@cache
def calendar_years() -> tuple[int, int]:
    """Return the first and last year the holiday calendar knows.

    Examples
    --------
    >>> first, last = calendar_years()
    >>> first <= 2024 <= last
    True
    """
    from chinese_calendar import constants

    days = [*constants.holidays, *constants.workdays]
    return min(days).year, max(days).year


def is_known_year(year: int) -> bool:
    """Tell whether the holiday calendar covers ``year`` (else Mon–Fri is used)."""
    first, last = calendar_years()
    return first <= year <= last


def is_working_day(day: dt.date) -> bool:
    """Tell whether ``day`` is a working day in mainland China.

    Public holidays are not, make-up working days are; outside the years of
    :func:`calendar_years`, Monday to Friday are.

    Examples
    --------
    >>> is_working_day(dt.date(2024, 10, 1)), is_working_day(dt.date(2024, 9, 29))
    (False, True)
    """
    if not is_known_year(day.year):
        return day.weekday() < 5
    from chinese_calendar import is_workday

    return bool(is_workday(day))


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Return the ``days``-th working day after ``start`` (``start`` not counted).

    ``days`` = 0 returns ``start`` itself.

    Raises
    ------
    TwoNetError
        ``days`` is negative.

    Examples
    --------
    >>> add_working_days(dt.date(2024, 9, 27), 5)  # across National Day
    datetime.date(2024, 10, 10)
    """
    if days < 0:
        msg = f"工作日数不能为负：{days} / working days must not be negative: {days}"
        raise TwoNetError(msg)
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def accept_due(received_on: dt.date) -> dt.date:
    """Return the last day to accept a complaint received on ``received_on``."""
    return add_working_days(received_on, ACCEPT_WORKING_DAYS)


def close_due(accepted_by: dt.date) -> dt.date:
    """Return the last day to close a case accepted on ``accepted_by``."""
    return add_working_days(accepted_by, CLOSE_WORKING_DAYS)


def complaint_deadlines(received_on: dt.date) -> tuple[dt.date, dt.date]:
    """Return (``accept_due``, ``close_due``) of a complaint received on a day.

    ``close_due`` counts from ``accept_due``, the latest day of acceptance:
    the deadline a complaint accepted on time can always meet.

    Examples
    --------
    >>> complaint_deadlines(dt.date(2024, 9, 27))
    (datetime.date(2024, 10, 10), datetime.date(2025, 1, 2))
    """
    accept = accept_due(received_on)
    return accept, close_due(accept)
