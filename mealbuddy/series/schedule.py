"""When a series' occurrences fall: pure functions on KST wall-clock dates (Asia/Seoul has no
daylight saving, so a fixed +09:00 offset is exact), shared by the services, the tick, the
pages and the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from mealbuddy.series.models import WEEKDAY_NAMES

KST = timezone.get_fixed_timezone(9 * 60)


def kst(at: datetime) -> datetime:
    return timezone.localtime(at, KST)


def weekdays_mask(days: list[int]) -> int:
    """Monday-first weekday numbers (0–6) as the stored bit mask."""
    mask = 0
    for day in days:
        mask |= 1 << day
    return mask


def weekdays_list(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


def _matches(*, kind: str, weekdays: int, interval_days: int, start_date: date, day: date) -> bool:
    if day < start_date:
        return False
    if kind == "weekly":
        return bool(weekdays & (1 << day.weekday()))
    return (day - start_date).days % max(interval_days, 1) == 0


def next_deadline(
    *,
    kind: str,
    weekdays: int,
    interval_days: int,
    start_date: date,
    deadline_time: time,
    after: datetime,
) -> datetime:
    """The first occurrence deadline strictly after ``after`` (an aware datetime)."""
    local = kst(after)
    day = max(local.date(), start_date)
    if kind != "weekly" and day > start_date:
        # Jump straight to the cycle containing ``day``: no walk over years of dates.
        cycles = (day - start_date).days // max(interval_days, 1)
        day = start_date + timedelta(days=cycles * max(interval_days, 1))
    for _ in range(2 * max(interval_days, 7) + 2):
        if _matches(
            kind=kind,
            weekdays=weekdays,
            interval_days=interval_days,
            start_date=start_date,
            day=day,
        ):
            candidate = datetime.combine(day, deadline_time, tzinfo=KST)
            if candidate > after:
                return candidate
        day += timedelta(days=1)
    raise ValueError("a schedule with no day")


def series_next_deadline(series, *, after: datetime) -> datetime:
    return next_deadline(
        kind=series.kind,
        weekdays=series.weekdays,
        interval_days=series.interval_days,
        start_date=series.start_date,
        deadline_time=series.deadline_time,
        after=after,
    )


def schedule_words(series) -> str:
    """ "매주 금 19:00 마감", "매주 월·수·금 12:30 마감", "3일마다 18:00 마감", "매일 …"."""
    at = series.deadline_time.strftime("%H:%M")
    if series.kind == "weekly":
        days = weekdays_list(series.weekdays)
        if len(days) == 7:
            return f"매일 {at} 마감"
        return f"매주 {'·'.join(WEEKDAY_NAMES[d] for d in days)} {at} 마감"
    if series.interval_days == 1:
        return f"매일 {at} 마감"
    return f"{series.interval_days}일마다 {at} 마감"


def when_words(at: datetime) -> str:
    """ "12월 4일 (금) 19:00"."""
    local = kst(at)
    return f"{local.month}월 {local.day}일 ({WEEKDAY_NAMES[local.weekday()]}) {local:%H:%M}"
