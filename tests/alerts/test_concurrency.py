"""The hook's task, the minute job and a retry all running at once for one order: every
person is told once. Real threads with their own connections, on the real database (on
PostgreSQL SKIP LOCKED and the unique (person, order) hit decide; on SQLite the writers queue).
"""

from __future__ import annotations

import time

import pytest
from django.db import connection

from mealbuddy.alerts import services
from mealbuddy.alerts.models import AlertHit, OrderScan
from mealbuddy.groupbuys.services import groupbuy_create
from mealbuddy.notifications.models import Notification
from mealbuddy.regions.models import Region
from tests.conftest import SEOGYO
from tests.factories import UserFactory
from tests.threads import run_at_once

RUNS = 6
PEOPLE = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_ticks_notify_each_person_once(regions_tx):
    seogyo = Region.objects.get(code=SEOGYO)
    host = UserFactory(region=seogyo)
    people = [UserFactory(region=seogyo) for _ in range(PEOPLE)]
    for person in people:
        services.alert_create(user=person, category="치킨")
    order = groupbuy_create(host=host, title="치킨 같이", category="치킨", target_count=4)
    errors = run_at_once(lambda: services.alerts_tick(group_order_ids=[order.pk]), runs=RUNS)

    assert errors == []
    assert AlertHit.objects.filter(group_order=order, state="sent").count() == PEOPLE
    counts = [
        Notification.objects.filter(user=person, kind="alert", group_order=order).count()
        for person in people
    ]
    assert counts == [1] * PEOPLE


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_keep_the_daily_cap(regions_tx, settings, monkeypatch):
    settings.ALERTS_DAILY_CAP = 1
    # Batches of one order's people each: the runs hold different orders' hits at once.
    monkeypatch.setattr(services, "DELIVER_BATCH", 5)
    notify_many = services._notify_many

    def slow_notify_many(rows):
        time.sleep(0.2)  # hold the batch open: the other runs count meanwhile
        return notify_many(rows)

    monkeypatch.setattr(services, "_notify_many", slow_notify_many)
    seogyo = Region.objects.get(code=SEOGYO)
    host = UserFactory(region=seogyo)
    people = [UserFactory(region=seogyo) for _ in range(5)]
    for person in people:
        services.alert_create(user=person, category="치킨")
    orders = [
        groupbuy_create(host=host, title=f"치킨 {n}", category="치킨", target_count=4)
        for n in range(RUNS)
    ]
    services.alerts_match(group_order_ids=[o.pk for o in orders])
    errors = run_at_once(services.alerts_deliver, runs=RUNS)

    assert errors == []
    counts = [Notification.objects.filter(user=p, kind="alert").count() for p in people]
    assert counts == [1] * len(people)


@pytest.mark.django_db(transaction=True)
def test_a_rush_split_over_connections_matches_each_order_once(regions_tx, monkeypatch):
    """Many orders at once are matched on several connections (PostgreSQL); two such
    matchers overlapping (the minute job and a retry) still hit each person once per order."""
    monkeypatch.setattr(services, "MATCH_SPLIT_FROM", 3)
    shares: list[list[int]] = []
    match_some = services._match_some

    def recording(*, group_order_ids, now):
        shares.append(list(group_order_ids))
        return match_some(group_order_ids=group_order_ids, now=now)

    monkeypatch.setattr(services, "_match_some", recording)
    seogyo = Region.objects.get(code=SEOGYO)
    hosts = [UserFactory(region=seogyo) for _ in range(3)]
    people = [UserFactory(region=seogyo) for _ in range(5)]
    for person in people:
        services.alert_create(user=person, category="치킨")
        services.alert_create(user=person, keyword="같이")  # two alerts, one notice
    orders = [
        groupbuy_create(host=hosts[n % 3], title=f"치킨 같이 {n}", category="치킨", target_count=4)
        for n in range(7)
    ]
    # As if no hook had run (the workers were down): the minute job finds all seven.
    AlertHit.objects.all().delete()
    OrderScan.objects.all().delete()
    Notification.objects.all().delete()
    shares.clear()  # the hooks' own matching of each order, one by one
    written: list[int] = []
    errors = run_at_once(lambda: written.append(services.alerts_match()), runs=2)

    assert errors == []
    assert sum(written) == len(orders) * len(people) == AlertHit.objects.count()
    for order in orders:
        assert sorted(
            AlertHit.objects.filter(group_order=order).values_list("user_id", flat=True)
        ) == sorted(p.pk for p in people)
    if connection.vendor == "postgresql":
        # Split in two (7 orders, 3 or more per connection); a matcher that read the orders
        # before the other committed waits for their locks, then finds them matched.
        assert {len(share) for share in shares} == {3, 4}, shares
    else:
        assert shares and all(len(share) == len(orders) for share in shares), shares
