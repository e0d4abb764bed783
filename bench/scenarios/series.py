"""One recurring-orders tick with 10,000 series (issue 14).

2,000 hosts over 400 서울 동 run 5 series each (10,000: weekly on one to three days, or every
2–10 days, deadlines from 11:00 to 21:30); 5,000 neighbours hold 3 subscriptions each
(15,000). In the measured minute ``BENCH_SERIES_DUE`` series (default 500: the Friday
19:00 rush) are due to open; the other 9,500 are not. Measured on the database as in
production (run it on PostgreSQL: ``DATABASE_URL=postgres://…``):

- ``tick_s``: ``series.tick`` itself: claim the due series, insert their occurrences, group
  orders, hosts' participations and chat rooms, move every series to its next deadline
  (set-based: a fixed number of statements whatever the count) and enqueue the join task;
- ``join_s``: the join task that follows in a worker (each subscriber through the join
  service, one transaction each), for information.

The tick must stay under 1 s (``LIMIT_S``; the scenario fails otherwise), and a second tick
in the same minute must open nothing. ``BENCH_SERIES_ROUNDS`` (default 3) repeats it.
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from datetime import time as clock

from bench.common import BenchFailure, refresh_planner_statistics

HOSTS = 2_000
SERIES_PER_HOST = 5
NEIGHBOURS = 5_000
SUBSCRIPTIONS_PER_NEIGHBOUR = 3
REGIONS = 400
PREFIX = "bench-series"
LIMIT_S = 1.0


def _regions():
    from mealbuddy.regions.models import Region

    return list(
        Region.objects.filter(level=Region.Level.EMD, sido="서울특별시").order_by("code")[:REGIONS]
    )


def _seed(regions) -> None:
    from django.db import transaction
    from django.db.models import F

    from mealbuddy.accounts.models import User
    from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder
    from mealbuddy.series.models import Series, Subscription

    people = HOSTS + NEIGHBOURS
    if (
        User.objects.filter(email__startswith=PREFIX).count() == people
        and Series.objects.filter(title__startswith=PREFIX).count() == HOSTS * SERIES_PER_HOST
        and Subscription.objects.filter(
            series__title__startswith=PREFIX, user__region_id=F("series__region_id")
        ).count()
        == NEIGHBOURS * SUBSCRIPTIONS_PER_NEIGHBOUR
    ):
        return
    with transaction.atomic():
        GroupOrder.objects.filter(title__startswith=PREFIX).delete()
        Series.objects.filter(title__startswith=PREFIX).delete()
        User.objects.filter(email__startswith=PREFIX).delete()
        User.objects.bulk_create(
            [
                User(
                    email=f"{PREFIX}-{n}@example.com",
                    username=f"정기{n}",
                    region=regions[n % len(regions)],
                    password="!bench",  # unusable: nobody logs in as them
                )
                for n in range(people)
            ],
            batch_size=2000,
        )
        users = list(
            User.objects.filter(email__startswith=PREFIX)
            .order_by("pk")
            .values_list("pk", "region_id")
        )
        hosts, neighbours = users[:HOSTS], users[HOSTS:]
        rows = []
        for i, (host_id, region_id) in enumerate(hosts):
            for k in range(SERIES_PER_HOST):
                n = i * SERIES_PER_HOST + k
                weekly = n % 4 != 3
                rows.append(
                    Series(
                        host_id=host_id,
                        region_id=region_id,
                        title=f"{PREFIX} {n}",
                        category=CATEGORIES[n % len(CATEGORIES)],
                        restaurant="동네치킨",
                        delivery_fee=4000,
                        min_order_amount=20000,
                        target_count=4 + n % 4,
                        pickup_spot="주민센터 앞",
                        kind="weekly" if weekly else "days",
                        weekdays=(1 << (n % 7)) | ((1 << ((n + 2) % 7)) if n % 2 else 0),
                        interval_days=2 + n % 9,
                        start_date=date(2026, 1, 1),
                        deadline_time=clock(11 + n % 11, 30 * (n % 2)),
                        open_before=60 * (1 + n % 6),
                    )
                )
        Series.objects.bulk_create(rows, batch_size=2000)
        # Neighbours subscribe to series of their own 동 (people who could join them).
        in_region: dict[int, list[int]] = {}
        for series_id, region_id in (
            Series.objects.filter(title__startswith=PREFIX)
            .order_by("pk")
            .values_list("pk", "region_id")
        ):
            in_region.setdefault(region_id, []).append(series_id)
        subscriptions = []
        for i, (user_id, region_id) in enumerate(neighbours):
            choices = in_region[region_id]
            for k in range(SUBSCRIPTIONS_PER_NEIGHBOUR):
                subscriptions.append(
                    Subscription(
                        series_id=choices[(i // REGIONS + k * 7) % len(choices)], user_id=user_id
                    )
                )
        Subscription.objects.bulk_create(subscriptions, batch_size=5000, ignore_conflicts=True)


def _reset(due: int, now) -> list[int]:
    """Every bench series active; ``due`` of them open now (deadline in 2 hours), the rest
    later this week. Earlier rounds' orders are removed."""
    from django.db import transaction
    from django.db.models import F

    from mealbuddy.groupbuys.models import GroupOrder
    from mealbuddy.series.models import Occurrence, Series

    with transaction.atomic():
        GroupOrder.objects.filter(title__startswith=PREFIX).delete()
        Occurrence.objects.filter(series__title__startswith=PREFIX).delete()
        bench = Series.objects.filter(title__startswith=PREFIX)
        bench.update(
            state="active",
            next_deadline=now + timedelta(days=2),
            next_open_at=now + timedelta(days=2) - F("open_before") * timedelta(minutes=1),
        )
        ids = list(bench.order_by("?").values_list("pk", flat=True)[:due])
        Series.objects.filter(pk__in=ids).update(
            next_deadline=now + timedelta(hours=2),
            next_open_at=now - timedelta(minutes=1),
        )
        # Nothing else is due: other scenarios' or demo series stay out of the measurement.
        Series.objects.exclude(title__startswith=PREFIX).filter(state="active").update(
            state="paused"
        )
    return ids


def _one_round(due: int) -> dict:
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from mealbuddy.groupbuys.models import GroupOrder, Participation
    from mealbuddy.series.models import AutoJoin, Occurrence
    from mealbuddy.series.services import occurrence_join_subscribers, series_tick

    now = timezone.now()
    due_ids = _reset(due, now)
    refresh_planner_statistics()
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        result = series_tick(now=now)
        tick = time.perf_counter() - started
    # A second scheduler in the same minute: the due occurrences are not opened again (it
    # may open a series' following occurrence when that one is due too).
    series_tick(now=now)
    first_deadline = now + timedelta(hours=2)
    opened_once = Occurrence.objects.filter(
        series_id__in=due_ids, deadline=first_deadline, group_order__isnull=False
    ).count()
    opened = Occurrence.objects.filter(series__title__startswith=PREFIX, group_order__isnull=False)
    started = time.perf_counter()
    for occurrence_id in result["occurrences"]:
        occurrence_join_subscribers(occurrence_id=occurrence_id)
    join = time.perf_counter() - started
    return {
        "opened": result["opened"],
        "opened_once": opened_once,
        "orders_first_tick": GroupOrder.objects.filter(
            title__startswith=PREFIX, deadline=first_deadline
        ).count(),
        "hosts_joined": Participation.objects.filter(
            group_order__title__startswith=PREFIX,
            group_order__deadline=first_deadline,
            user_id=F("group_order__host_id"),
        ).count(),
        "auto_joins": AutoJoin.objects.filter(occurrence__in=opened).count(),
        "refused": AutoJoin.objects.filter(occurrence__in=opened, result="refused").count(),
        "joined": AutoJoin.objects.filter(occurrence__in=opened, result="joined").count(),
        "tick": tick,
        "tick_queries": len(statements),
        "join": join,
    }


def run(ctx) -> dict:
    from mealbuddy.series.models import Series, Subscription

    rounds = int(os.environ.get("BENCH_SERIES_ROUNDS", "3"))
    due = int(os.environ.get("BENCH_SERIES_DUE", "500"))
    _seed(_regions())
    results = [_one_round(due) for _ in range(rounds)]
    last = results[-1]
    report = {
        "database": ctx.database_url.split("://")[0],
        "series": Series.objects.filter(title__startswith=PREFIX).count(),
        "subscriptions": Subscription.objects.filter(series__title__startswith=PREFIX).count(),
        "due_per_tick": due,
        "opened_last_round": last["opened"],
        "tick_queries": last["tick_queries"],
        "tick_s": [round(r["tick"], 3) for r in results],
        "join_s": [round(r["join"], 3) for r in results],
        "auto_joins_last_round": last["auto_joins"],
        "joined_last_round": last["joined"],
        "refused_last_round": last["refused"],
        "join_ms_per_subscriber": round(1000 * last["join"] / max(last["auto_joins"], 1), 2),
        "limit_s": LIMIT_S,
    }
    for r in results:
        if not (r["opened"] == r["opened_once"] == r["orders_first_tick"] == r["hosts_joined"]):
            raise BenchFailure(f"series: {due} due but {r}")
        if r["opened"] != due:
            raise BenchFailure(f"series: {due} due but {r['opened']} opened")
    slowest = max(r["tick"] for r in results)
    if slowest >= LIMIT_S:
        raise BenchFailure(f"series: the tick took {slowest:.3f} s (limit {LIMIT_S} s): {report}")
    return report
