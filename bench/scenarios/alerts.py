"""One alerts tick with 100,000 saved alerts (issue 14).

20,000 residents spread over 400 서울 동 keep 5 alerts each (100,000): every category and
"any", some with a restaurant word, a fee-share limit, the bordering 동 or night quiet hours.
In one minute 50 orders open in 50 different 동 (the busy evening minute). Measured on the
database as in production (run it on PostgreSQL: ``DATABASE_URL=postgres://…``):

- ``match_s``: the matcher for those 50 orders (one INSERT … SELECT over the alerts);
- ``deliver_s``: sending every pending hit (bulk notifications, the daily cap, quiet hours);
- ``tick_s``: both, as the ``alerts.tick`` job runs them.

The matching must stay under 1 s (``LIMIT_S``; the scenario fails otherwise). Delivery grows
with the notifications written (each is also pushed to its owner's sockets after commit).

``BENCH_ALERTS_ROUNDS`` (default 3) repeats the tick on fresh orders.
"""

from __future__ import annotations

import os
import time
from datetime import time as clock
from datetime import timedelta

from bench.common import BenchFailure, refresh_planner_statistics

USERS = 20_000
ALERTS_PER_USER = 5
REGIONS = 400
NEW_ORDERS = 50
PREFIX = "bench-alerts"
LIMIT_S = 1.0


def _regions():
    from mealbuddy.regions.models import Region

    return list(
        Region.objects.filter(level=Region.Level.EMD, sido="서울특별시").order_by("code")[:REGIONS]
    )


def _people(regions):
    from django.db import transaction

    from mealbuddy.accounts.models import User
    from mealbuddy.alerts.models import AlertHit, SavedAlert
    from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder

    if User.objects.filter(email__startswith=PREFIX).count() != USERS:
        with transaction.atomic():
            GroupOrder.objects.filter(title__startswith=PREFIX).delete()
            User.objects.filter(email__startswith=PREFIX).delete()
            User.objects.bulk_create(
                [
                    User(
                        email=f"{PREFIX}-{n}@example.com",
                        username=f"알림{n}",
                        region=regions[n % len(regions)],
                        password="!bench",  # unusable: nobody logs in as them
                    )
                    for n in range(USERS)
                ],
                batch_size=2000,
            )
    alerts = SavedAlert.objects.filter(user__email__startswith=PREFIX)
    if alerts.count() != USERS * ALERTS_PER_USER:
        with transaction.atomic():
            AlertHit.objects.all().delete()
            alerts.delete()
            users = list(
                User.objects.filter(email__startswith=PREFIX)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            kinds = ["", *CATEGORIES]
            rows = []
            for i, user_id in enumerate(users):
                for k in range(ALERTS_PER_USER):
                    n = i * ALERTS_PER_USER + k
                    rows.append(
                        SavedAlert(
                            user_id=user_id,
                            category=kinds[n % len(kinds)],
                            keyword="치킨" if n % 7 == 0 else "",
                            max_fee_share=2000 if n % 3 == 0 else None,
                            include_neighbours=n % 2 == 0,
                            quiet_start=clock(2) if n % 10 == 2 else None,
                            quiet_end=clock(6) if n % 10 == 2 else None,
                        )
                    )
            SavedAlert.objects.bulk_create(rows, batch_size=5000)
    return {
        region_id: user_id
        for user_id, region_id in User.objects.filter(email__startswith=PREFIX).values_list(
            "pk", "region_id"
        )
    }


def _empty(*models) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {table}")
            else:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a model's own table


def _fresh_orders(regions, host_of) -> list[int]:
    from django.db import transaction
    from django.utils import timezone

    from mealbuddy.alerts.models import AlertHit, OrderScan
    from mealbuddy.groupbuys.models import CATEGORIES, GroupOrder, Participation
    from mealbuddy.notifications.models import Notification

    now = timezone.now()
    with transaction.atomic():
        Notification.objects.filter(user__email__startswith=PREFIX).delete()
        # Emptied as production never does (hits and scans are only ever added there): a
        # TRUNCATE leaves them as a live table's end is, fresh pages, where a DELETE would
        # leave dead rows (or, vacuumed, free space scattered through old pages) to write into.
        _empty(AlertHit, OrderScan)
        GroupOrder.objects.filter(title__startswith=PREFIX).delete()
        # Nothing else counts as "just opened": the other scenarios' orders are older.
        GroupOrder.objects.filter(status_changed_at__gte=now - timedelta(hours=1)).update(
            status_changed_at=now - timedelta(hours=1)
        )
        step = len(regions) // NEW_ORDERS
        orders = GroupOrder.objects.bulk_create(
            [
                GroupOrder(
                    host_id=host_of[regions[n * step].pk],
                    title=f"{PREFIX} {n} 치킨 같이",
                    category=CATEGORIES[n % len(CATEGORIES)],
                    restaurant="동네치킨" if n % 2 else "",
                    delivery_fee=6000,
                    target_count=4,
                    deadline=now + timedelta(hours=1),
                    region=regions[n * step],
                )
                for n in range(NEW_ORDERS)
            ]
        )
        Participation.objects.bulk_create(
            [Participation(group_order=o, user_id=o.host_id) for o in orders]
        )
    return [o.pk for o in orders]


def _one_round(regions, host_of) -> dict:
    from django.utils import timezone

    from mealbuddy.alerts.models import AlertHit, SavedAlert
    from mealbuddy.alerts.services import alerts_deliver, alerts_match
    from mealbuddy.notifications.models import Notification

    order_ids = _fresh_orders(regions, host_of)
    refresh_planner_statistics()
    now = timezone.now()
    started = time.perf_counter()
    hits = alerts_match(now=now)
    match = time.perf_counter() - started
    started = time.perf_counter()
    sent = alerts_deliver(now=now)
    deliver = time.perf_counter() - started
    return {
        "alerts": SavedAlert.objects.count(),
        "orders": len(order_ids),
        "hits": hits,
        "held_by_quiet_hours": AlertHit.objects.filter(state="pending").count(),
        "sent": sent,
        "notifications": Notification.objects.filter(
            kind="alert", group_order_id__in=order_ids
        ).count(),
        "match": match,
        "deliver": deliver,
    }


def run(ctx) -> dict:
    from django.test.utils import override_settings

    rounds = int(os.environ.get("BENCH_ALERTS_ROUNDS", "3"))
    regions = _regions()
    host_of = _people(regions)
    results = []
    # No cap in the way: every hit is a notification to write.
    with override_settings(ALERTS_DAILY_CAP=1000):
        for _ in range(rounds):
            results.append(_one_round(regions, host_of))
    last = results[-1]
    ticks = [r["match"] + r["deliver"] for r in results]
    report = {
        "database": ctx.database_url.split("://")[0],
        "alerts": last["alerts"],
        "new_orders_per_tick": last["orders"],
        "hits_last_round": last["hits"],
        "sent_last_round": last["sent"],
        "held_by_quiet_hours_last_round": last["held_by_quiet_hours"],
        "match_s": [round(r["match"], 3) for r in results],
        "deliver_s": [round(r["deliver"], 3) for r in results],
        "tick_s": [round(t, 3) for t in ticks],
        "deliver_ms_per_notification": round(1000 * last["deliver"] / max(last["sent"], 1), 3),
        "limit_s": LIMIT_S,
    }
    if last["notifications"] != last["sent"] or last["hits"] == 0:
        raise BenchFailure(f"alerts: {last['sent']} sent but {last['notifications']} written")
    slowest = max(r["match"] for r in results)
    if slowest >= LIMIT_S:
        raise BenchFailure(f"alerts: matching took {slowest:.3f} s (limit {LIMIT_S} s): {report}")
    return report
