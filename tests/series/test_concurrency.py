"""Several schedulers ticking at once open each occurrence once and join each subscriber
once. Real threads with their own connections (on PostgreSQL SKIP LOCKED and the unique
(series, deadline) decide; on SQLite the writers queue)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.regions.models import Region
from mealbuddy.series import services
from mealbuddy.series.models import AutoJoin, Occurrence, Series
from tests import threads
from tests.conftest import SEOGYO
from tests.factories import UserFactory
from tests.series.conftest import CHICKEN

RUNS = 6
SERIES = 12


def run_at_once(target) -> list[str]:
    return threads.run_at_once(target, runs=RUNS)


@pytest.mark.django_db(transaction=True)
def test_concurrent_ticks_open_each_occurrence_once(regions_tx):
    seogyo = Region.objects.get(code=SEOGYO)
    people = [UserFactory(region=seogyo) for _ in range(3)]
    soon = timezone.localtime(timezone.now() + timedelta(hours=2))
    all_days = list(range(7))
    for _ in range(SERIES):
        host = UserFactory(region=seogyo)
        series = services.series_create(
            host=host,
            **CHICKEN,
            weekdays=all_days,
            deadline_time=time(soon.hour, soon.minute),
            open_before=MAX_OPEN,
        )
        for person in people:
            services.subscription_create(user=person, series_id=series.pk)
    errors = run_at_once(services.series_tick)
    assert errors == []
    assert Occurrence.objects.count() == SERIES
    assert GroupOrder.objects.count() == SERIES
    for series in Series.objects.all():
        assert series.next_deadline > timezone.now() + timedelta(hours=3)
    # Every subscriber in every order once, the hosts too.
    assert Participation.objects.count() == SERIES * (1 + len(people))
    assert AutoJoin.objects.count() == SERIES * len(people)
    assert set(GroupOrder.objects.values_list("member_count", flat=True)) == {4}


@pytest.mark.django_db(transaction=True)
def test_concurrent_join_runs_join_each_subscriber_once(regions_tx):
    seogyo = Region.objects.get(code=SEOGYO)
    host = UserFactory(region=seogyo)
    people = [UserFactory(region=seogyo) for _ in range(5)]
    soon = timezone.localtime(timezone.now() + timedelta(hours=2))
    series = services.series_create(
        host=host,
        **{**CHICKEN, "target_count": 10},
        weekdays=list(range(7)),
        deadline_time=time(soon.hour, soon.minute),
        open_before=MAX_OPEN,
    )
    for person in people:
        services.subscription_create(user=person, series_id=series.pk)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=False):
        occurrence_id = services.series_tick()["occurrences"][0]
    errors = run_at_once(lambda: services.occurrence_join_subscribers(occurrence_id=occurrence_id))
    assert errors == []
    order = Occurrence.objects.get(pk=occurrence_id).group_order
    assert order.member_count == 6
    assert AutoJoin.objects.filter(result="joined").count() == 5
    from mealbuddy.notifications.models import Notification

    for person in people:
        assert Notification.objects.filter(user=person, kind="series").count() == 1


MAX_OPEN = 24 * 60
