"""Working days and complaint deadlines against known Chinese holiday notices."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grid.errors import TwoNetError
from grid.working_days import (
    accept_due,
    add_working_days,
    calendar_years,
    close_due,
    complaint_deadlines,
    is_known_year,
    is_working_day,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2024, 10, 1), False),  # National Day, Tuesday
        (D(2024, 10, 7), False),  # last day of the week off, Monday
        (D(2024, 9, 29), True),  # make-up working Sunday
        (D(2024, 10, 12), True),  # make-up working Saturday
        (D(2024, 10, 8), True),
        (D(2025, 1, 28), False),  # Spring Festival eve 2025, Tuesday
        (D(2025, 2, 4), False),
        (D(2025, 1, 26), True),  # make-up working Sunday
        (D(2025, 2, 8), True),  # make-up working Saturday
        (D(2025, 5, 1), False),  # Labour Day, Thursday
        (D(2025, 4, 27), True),  # make-up working Sunday
        (D(2025, 3, 8), False),  # an ordinary Saturday
        (D(2025, 3, 10), True),  # an ordinary Monday
    ],
)
def test_holidays_and_make_up_days(day, working):
    assert is_working_day(day) is working


def test_accepting_across_national_day_2024():
    # Fri 27 Sep; Sun 29 (1), Mon 30 (2), 1-7 Oct off, 8 (3), 9 (4), 10 (5)
    assert accept_due(D(2024, 9, 27)) == D(2024, 10, 10)
    # a plain Mon-Fri count would say Fri 4 Oct
    assert accept_due(D(2024, 9, 27)) != D(2024, 10, 4)


def test_accepting_across_spring_festival_2025():
    # Fri 24 Jan; Sun 26 (1), Mon 27 (2), 28 Jan-4 Feb off, 5 (3), 6 (4), 7 (5)
    assert accept_due(D(2025, 1, 24)) == D(2025, 2, 7)


def test_closing_counts_sixty_working_days_from_acceptance():
    accept, close = complaint_deadlines(D(2024, 9, 27))
    assert accept == D(2024, 10, 10)
    assert close == close_due(accept)
    days = (accept + dt.timedelta(days=i) for i in range(1, 200))
    working = [d for d in days if is_working_day(d) and d <= close]
    assert len(working) == 60
    assert working[-1] == close


def test_zero_days_is_the_start_and_negative_is_refused():
    assert add_working_days(D(2024, 10, 1), 0) == D(2024, 10, 1)
    with pytest.raises(TwoNetError, match="-1"):
        add_working_days(D(2024, 10, 1), -1)


def test_years_the_calendar_does_not_know_fall_back_to_monday_to_friday():
    first, last = calendar_years()
    assert first <= 2024 <= 2025 <= last
    later = last + 2
    assert not is_known_year(later)
    friday = next(D(later, 1, d) for d in range(1, 8) if D(later, 1, d).weekday() == 4)
    assert is_working_day(friday)
    assert not is_working_day(friday + dt.timedelta(days=1))
    assert add_working_days(friday, 1) == friday + dt.timedelta(days=3)


@given(
    st.dates(min_value=D(2010, 1, 1), max_value=D(2030, 12, 31)),
    st.integers(min_value=1, max_value=70),
)
def test_the_due_day_is_a_working_day_after_the_start(start, n):
    due = add_working_days(start, n)
    assert due > start
    assert is_working_day(due)
    between = sum(
        is_working_day(start + dt.timedelta(days=i))
        for i in range(1, (due - start).days + 1)
    )
    assert between == n
