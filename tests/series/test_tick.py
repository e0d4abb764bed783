"""The tick opens each due occurrence once, as an ordinary group order: weekly, every N days,
across month and year ends, around a paused week and a tick that came too late."""

from __future__ import annotations

from datetime import date, time

import pytest

from mealbuddy.chat.models import ChatRoom
from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.series import services
from mealbuddy.series.models import Occurrence, Series
from tests.series.conftest import CHICKEN, kst


def weekly_friday(host, **extra) -> Series:
    return services.series_create(
        host=host,
        **CHICKEN,
        kind="weekly",
        weekdays=[4],
        deadline_time=time(19, 0),
        open_before=180,
        **extra,
    )


def opened(series) -> list:
    return list(
        Occurrence.objects.filter(series=series)
        .order_by("deadline")
        .values_list("deadline", flat=True)
    )


def test_an_occurrence_opens_three_hours_before_its_deadline_as_an_ordinary_order(clock, host):
    clock.set(2026, 12, 1, 10)  # Tuesday
    series = weekly_friday(host)
    assert series.next_deadline == kst(2026, 12, 4, 19)
    assert series.next_open_at == kst(2026, 12, 4, 16)

    clock.set(2026, 12, 4, 15, 59)
    assert services.series_tick()["opened"] == 0
    clock.set(2026, 12, 4, 16, 0)
    assert services.series_tick()["opened"] == 1

    occurrence = Occurrence.objects.get(series=series)
    order = occurrence.group_order
    assert order.deadline == kst(2026, 12, 4, 19)
    assert order.status == GroupOrder.Status.RECRUITING
    assert (order.title, order.restaurant, order.delivery_fee, order.min_order_amount) == (
        "금요일 치킨 열차",
        "바삭치킨 서교점",
        4000,
        20000,
    )
    assert (order.target_count, order.pickup_spot, order.region_id) == (
        4,
        "서교동 주민센터 앞",
        host.region_id,
    )
    # The host is its first member, as when they post an order; its chat room exists.
    assert list(
        Participation.objects.filter(group_order=order).values_list("user_id", flat=True)
    ) == [host.pk]
    assert order.member_count == 1
    assert ChatRoom.objects.filter(group_order=order).exists()
    series.refresh_from_db()
    assert series.next_deadline == kst(2026, 12, 11, 19)


def test_a_tick_run_twice_opens_each_occurrence_once(clock, host):
    clock.set(2026, 12, 1, 10)
    series = weekly_friday(host)
    clock.set(2026, 12, 4, 17)
    assert services.series_tick()["opened"] == 1
    assert services.series_tick()["opened"] == 0
    # Even a second scheduler that read the series before it moved on opens nothing: the
    # unique (series, deadline) pair is the last word.
    Series.objects.filter(pk=series.pk).update(
        next_deadline=kst(2026, 12, 4, 19), next_open_at=kst(2026, 12, 4, 16)
    )
    assert services.series_tick()["opened"] == 0
    assert GroupOrder.objects.filter(host=host).count() == 1
    series.refresh_from_db()
    assert series.next_deadline == kst(2026, 12, 11, 19)


def test_weekly_on_several_days_opens_each_day(clock, host):
    clock.set(2026, 11, 26, 8)  # Thursday
    series = services.series_create(
        host=host, **CHICKEN, weekdays=[0, 2, 4], deadline_time=time(12, 30), open_before=120
    )
    for day in (27, 30):
        clock.set(2026, 11, day, 11)
        services.series_tick()
    for day in (2, 4):
        clock.set(2026, 12, day, 11)
        services.series_tick()
    assert opened(series) == [
        kst(2026, 11, 27, 12, 30),
        kst(2026, 11, 30, 12, 30),
        kst(2026, 12, 2, 12, 30),
        kst(2026, 12, 4, 12, 30),
    ]


def test_every_n_days_across_the_year_end(clock, host):
    clock.set(2026, 12, 26, 9)
    series = services.series_create(
        host=host,
        **CHICKEN,
        kind="days",
        interval_days=3,
        start_date=date(2026, 12, 27),
        deadline_time=time(18, 0),
        open_before=60,
    )
    for args in ((2026, 12, 27, 17), (2026, 12, 30, 17), (2027, 1, 2, 17), (2027, 1, 5, 17)):
        clock.set(*args)
        assert services.series_tick()["opened"] == 1
    assert opened(series) == [
        kst(2026, 12, 27, 18),
        kst(2026, 12, 30, 18),
        kst(2027, 1, 2, 18),
        kst(2027, 1, 5, 18),
    ]


def test_a_paused_week_is_skipped_and_resuming_picks_the_next_one(clock, host):
    clock.set(2026, 12, 1, 10)
    series = weekly_friday(host)
    clock.set(2026, 12, 4, 16)
    services.series_tick()
    clock.set(2026, 12, 7, 9)
    services.series_pause(user=host, series_id=series.pk)
    clock.set(2026, 12, 11, 17)
    assert services.series_tick()["opened"] == 0  # paused: the 11th never opens
    clock.set(2026, 12, 12, 9)
    series = services.series_resume(user=host, series_id=series.pk)
    assert series.next_deadline == kst(2026, 12, 18, 19)
    clock.set(2026, 12, 18, 16)
    services.series_tick()
    assert opened(series) == [kst(2026, 12, 4, 19), kst(2026, 12, 18, 19)]


def test_a_tick_too_late_for_an_occurrence_skips_it(clock, host):
    clock.set(2026, 12, 1, 10)
    series = weekly_friday(host)
    clock.set(2026, 12, 4, 18, 55)  # the scheduler was down; 5 minutes is too short to recruit
    result = services.series_tick()
    assert (result["opened"], result["missed"]) == (0, 1)
    series.refresh_from_db()
    assert series.next_deadline == kst(2026, 12, 11, 19)
    clock.set(2026, 12, 11, 16)
    assert services.series_tick()["opened"] == 1


def test_an_ended_series_opens_nothing_more(clock, host):
    clock.set(2026, 12, 1, 10)
    series = weekly_friday(host)
    services.series_end(user=host, series_id=series.pk)
    clock.set(2026, 12, 4, 17)
    assert services.series_tick()["opened"] == 0
    series.refresh_from_db()
    assert (series.state, series.next_deadline) == ("ended", None)


def test_a_series_made_from_an_order_takes_it_as_the_first_occurrence(clock, host):
    from mealbuddy.groupbuys.services import groupbuy_create

    clock.set(2026, 12, 4, 17)
    order = groupbuy_create(host=host, **CHICKEN, deadline=kst(2026, 12, 4, 19))
    series = services.series_create(host=host, group_order_id=order.pk, weekdays=[4])
    assert series.deadline_time == time(19, 0)
    assert series.title == order.title
    assert series.next_deadline == kst(2026, 12, 11, 19)
    assert Occurrence.objects.get(series=series).group_order == order
    assert services.series_tick()["opened"] == 0


@pytest.mark.parametrize("late_hours", [0, 1])
def test_a_series_made_inside_the_opening_window_opens_at_the_next_tick(clock, host, late_hours):
    clock.set(2026, 12, 4, 17 + late_hours)
    series = weekly_friday(host)
    assert series.next_deadline == kst(2026, 12, 4, 19)
    assert services.series_tick()["opened"] == 1


def test_saved_alerts_hear_of_an_opened_occurrence(clock, host, alice):
    from mealbuddy.alerts.services import alert_create, alerts_tick
    from mealbuddy.notifications.models import Notification

    clock.set(2026, 12, 1, 10)
    weekly_friday(host)
    alert_create(user=alice, category="치킨")
    clock.set(2026, 12, 4, 16)
    services.series_tick()
    alerts_tick()  # the alerts job, within the minute
    assert Notification.objects.filter(user=alice, kind="alert").count() == 1
