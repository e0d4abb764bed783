"""Occurrence dates in KST: weekly on several days, every N days, month and year ends."""

from __future__ import annotations

from datetime import date, time

from mealbuddy.series.models import Series
from mealbuddy.series.schedule import next_deadline, schedule_words, weekdays_mask
from tests.series.conftest import kst

FRI = 4


def weekly(days, at=time(19, 0), start=date(2026, 1, 1)):
    return {
        "kind": "weekly",
        "weekdays": weekdays_mask(days),
        "interval_days": 7,
        "start_date": start,
        "deadline_time": at,
    }


def every(n, start, at=time(18, 0)):
    return {
        "kind": "days",
        "weekdays": 0,
        "interval_days": n,
        "start_date": start,
        "deadline_time": at,
    }


def walk(rule, after, count):
    found = []
    for _ in range(count):
        after = next_deadline(**rule, after=after)
        found.append(after)
    return found


def test_weekly_on_friday_is_every_friday_at_19_kst():
    # 2026-12-01 is a Tuesday.
    assert walk(weekly([FRI]), kst(2026, 12, 1, 10), 3) == [
        kst(2026, 12, 4, 19),
        kst(2026, 12, 11, 19),
        kst(2026, 12, 18, 19),
    ]


def test_the_same_day_after_the_time_moves_to_next_week():
    assert next_deadline(**weekly([FRI]), after=kst(2026, 12, 4, 19)) == kst(2026, 12, 11, 19)
    assert next_deadline(**weekly([FRI]), after=kst(2026, 12, 4, 18, 59)) == kst(2026, 12, 4, 19)


def test_weekly_on_several_days_across_the_month_end():
    rule = weekly([0, 2, 4], at=time(12, 30))  # 월·수·금
    assert walk(rule, kst(2026, 11, 26, 13), 4) == [
        kst(2026, 11, 27, 12, 30),  # Fri
        kst(2026, 11, 30, 12, 30),  # Mon
        kst(2026, 12, 2, 12, 30),  # Wed
        kst(2026, 12, 4, 12, 30),  # Fri
    ]


def test_weekly_across_the_year_end_and_a_leap_february():
    assert walk(weekly([3]), kst(2026, 12, 25), 2) == [kst(2026, 12, 31, 19), kst(2027, 1, 7, 19)]
    # 2028 is a leap year: Tuesday 29 February exists.
    assert next_deadline(**weekly([1]), after=kst(2028, 2, 23, 20)) == kst(2028, 2, 29, 19)


def test_every_n_days_across_month_and_year_ends():
    rule = every(3, date(2026, 12, 27))
    assert walk(rule, kst(2026, 12, 26), 4) == [
        kst(2026, 12, 27, 18),
        kst(2026, 12, 30, 18),
        kst(2027, 1, 2, 18),
        kst(2027, 1, 5, 18),
    ]
    # 31 January + 2 days: February 2nd, not a clamped month end.
    assert walk(every(2, date(2027, 1, 29)), kst(2027, 1, 30), 2) == [
        kst(2027, 1, 31, 18),
        kst(2027, 2, 2, 18),
    ]


def test_every_n_days_far_from_the_start_keeps_its_phase():
    rule = every(10, date(2026, 1, 1))
    # 2026-12-27 is day 360 of the cycle (a multiple of 10).
    assert next_deadline(**rule, after=kst(2026, 12, 20)) == kst(2026, 12, 27, 18)


def test_nothing_before_the_start_date():
    assert next_deadline(**weekly([FRI], start=date(2026, 12, 10)), after=kst(2026, 12, 1)) == kst(
        2026, 12, 11, 19
    )


def test_kst_midnight_is_the_previous_day_in_utc():
    found = next_deadline(**weekly([0], at=time(0, 30)), after=kst(2026, 12, 1))
    assert found == kst(2026, 12, 7, 0, 30)
    assert found.astimezone(__import__("datetime").timezone.utc).day == 6


def test_schedule_in_words():
    series = Series(**weekly([FRI]))
    assert schedule_words(series) == "매주 금 19:00 마감"
    series = Series(**weekly([0, 2, 4], at=time(12, 30)))
    assert schedule_words(series) == "매주 월·수·금 12:30 마감"
    assert schedule_words(Series(**every(3, date(2026, 1, 1)))) == "3일마다 18:00 마감"
    assert schedule_words(Series(**weekly(range(7)))) == "매일 19:00 마감"
