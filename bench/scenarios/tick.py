"""One scheduler minute with both recurring orders and saved alerts (issue 14).

The data of the ``series`` and ``alerts`` scenarios together (their own setup helpers):
10,000 series of which ``BENCH_TICK_DUE`` (default 500) are due this minute, 100,000 saved
alerts, and 50 ordinary orders opening in the same minute besides the occurrences. Measured
on the database as in production (run it on PostgreSQL: ``DATABASE_URL=postgres://…``):

- ``series_tick_s`` (a): ``series_tick``: the due occurrences open as group orders;
- ``alerts_match_s`` (b): ``alerts_match`` as the ``alerts.tick`` job runs it: every order
  that opened in the window (the occurrences and the 50 orders) against every alert;
- ``alerts_deliver_s`` (c): ``alerts_deliver``: the pending hits become notifications;
- ``open_and_match_s`` (a)+(b) and ``minute_s`` (a)+(b)+(c).

Fails when (a)+(b) reaches 1 s (``LIMIT_S``) or any count is wrong: each due occurrence
opens once (a second tick opens none again), every opened order is matched once (a second
match writes nothing), the hits written are exactly the (person, order) pairs a plain
Python re-reading of the alert rule finds, and every hit is sent or held by quiet hours.
``BENCH_TICK_ROUNDS`` (default 3) repeats the minute.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

from bench.common import BenchFailure, refresh_planner_statistics
from bench.scenarios import alerts as alerts_bench
from bench.scenarios import series as series_bench

LIMIT_S = 1.0


def _in_quiet_hours(start, end, at) -> bool:
    if start is None or start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end


def _expected_pairs(order_ids: list[int]) -> set[tuple[int, int]]:
    """(person, order) pairs the alert rule gives, read back with the ORM and decided in
    Python: the check on the one-statement matcher, outside the timing."""
    from mealbuddy.accounts.models import User
    from mealbuddy.alerts.models import SavedAlert
    from mealbuddy.groupbuys.models import GroupOrder
    from mealbuddy.regions.models import Region
    from mealbuddy.trust.models import Block

    orders = list(
        GroupOrder.objects.filter(pk__in=order_ids).values(
            "pk",
            "host_id",
            "region_id",
            "category",
            "restaurant",
            "title",
            "target_count",
            "delivery_fee",
        )
    )
    near: dict[int, set[int]] = {}
    for a, b in Region.neighbours.through.objects.filter(
        from_region_id__in={o["region_id"] for o in orders}
    ).values_list("from_region_id", "to_region_id"):
        near.setdefault(a, set()).add(b)
    regions = {o["region_id"] for o in orders} | {r for rs in near.values() for r in rs}
    people = dict(
        User.objects.filter(region_id__in=regions, is_active=True).values_list("pk", "region_id")
    )
    alerts_of: dict[int, list[dict]] = {}
    for alert in SavedAlert.objects.filter(user_id__in=people).values(
        "user_id", "category", "keyword", "max_fee_share", "include_neighbours"
    ):
        alerts_of.setdefault(people[alert["user_id"]], []).append(alert)
    blocks = set(Block.objects.values_list("blocker_id", "blocked_id"))
    pairs = set()
    for o in orders:
        text = f"{o['restaurant']} {o['title']}".upper()
        areas = [(o["region_id"], True)] + [(r, False) for r in near.get(o["region_id"], ())]
        for region_id, own in areas:
            for a in alerts_of.get(region_id, ()):
                if (
                    a["user_id"] != o["host_id"]
                    and (own or a["include_neighbours"])
                    and (not a["category"] or a["category"] == o["category"])
                    and (
                        a["max_fee_share"] is None
                        or a["max_fee_share"] * o["target_count"] >= o["delivery_fee"]
                    )
                    and (not a["keyword"] or a["keyword"].upper() in text)
                    and (a["user_id"], o["host_id"]) not in blocks
                    and (o["host_id"], a["user_id"]) not in blocks
                ):
                    pairs.add((a["user_id"], o["pk"]))
    return pairs


def _one_round(due: int, regions, host_of) -> dict:
    from django.db.models import Q
    from django.utils import timezone

    from mealbuddy.alerts.models import AlertHit, OrderScan, SavedAlert
    from mealbuddy.alerts.selectors import kst_now
    from mealbuddy.alerts.services import alerts_deliver, alerts_match
    from mealbuddy.groupbuys.models import GroupOrder
    from mealbuddy.notifications.models import Notification
    from mealbuddy.series.models import Occurrence
    from mealbuddy.series.services import series_tick

    now = timezone.now()
    due_ids = series_bench._reset(due, now)  # the series' earlier orders go
    order_ids = alerts_bench._fresh_orders(regions, host_of)  # hits, scans, notices reset
    refresh_planner_statistics()

    started = time.perf_counter()
    opened = series_tick(now=now)
    series_s = time.perf_counter() - started
    started = time.perf_counter()
    hits = alerts_match(now=now)
    match_s = time.perf_counter() - started
    started = time.perf_counter()
    sent = alerts_deliver(now=now)
    deliver_s = time.perf_counter() - started

    # The counts, checked after the clock stopped.
    series_tick(now=now)  # a second scheduler in the same minute
    first_deadline = now + timedelta(hours=2)
    occurrence_orders = list(
        Occurrence.objects.filter(
            series_id__in=due_ids, deadline=first_deadline, group_order__isnull=False
        ).values_list("group_order_id", flat=True)
    )
    opened_orders = [*occurrence_orders, *order_ids]
    # A second tick may open a series' following occurrence (due too); the alerts of those
    # are not part of this minute, so the second match covers only this minute's orders.
    rematch = alerts_match(group_order_ids=opened_orders, now=now)
    written = AlertHit.objects.filter(group_order_id__in=opened_orders)
    pairs = set(written.values_list("user_id", "group_order_id"))
    expected = _expected_pairs(opened_orders)
    at = kst_now(now).time().replace(tzinfo=None)
    quiet_users = {
        a["user_id"]
        for a in SavedAlert.objects.filter(quiet_start__isnull=False).values(
            "user_id", "quiet_start", "quiet_end"
        )
        if _in_quiet_hours(a["quiet_start"], a["quiet_end"], at)
    }
    return {
        "due": due,
        "opened": opened["opened"],
        "orders_at_deadline": GroupOrder.objects.filter(
            title__startswith=series_bench.PREFIX, deadline=first_deadline
        ).count(),
        "occurrence_orders": len(occurrence_orders),
        "occurrence_orders_distinct": GroupOrder.objects.filter(pk__in=occurrence_orders)
        .values("pk")
        .count(),
        "orders_matched": OrderScan.objects.filter(group_order_id__in=opened_orders).count(),
        "orders_opened": len(opened_orders),
        "hits": hits,
        "hits_written": written.count(),
        "hits_on_occurrences": written.filter(group_order_id__in=occurrence_orders).count(),
        "hits_on_orders": written.filter(group_order_id__in=order_ids).count(),
        "hits_expected": len(expected),
        "hits_as_expected": pairs == expected,
        "rematch": rematch,
        "sent": sent,
        "notifications": Notification.objects.filter(
            kind="alert", group_order_id__in=opened_orders
        ).count(),
        "pending": written.filter(state=AlertHit.State.PENDING).count(),
        "pending_outside_quiet_hours": written.filter(state=AlertHit.State.PENDING)
        .filter(~Q(user_id__in=quiet_users))
        .count(),
        "series_s": series_s,
        "match_s": match_s,
        "deliver_s": deliver_s,
    }


def _check(r: dict) -> list[str]:
    wrong = []
    if not (r["opened"] == r["due"] == r["occurrence_orders"] == r["occurrence_orders_distinct"]):
        wrong.append(f"{r['due']} due, {r['opened']} opened, {r['occurrence_orders']} orders")
    if r["orders_at_deadline"] != r["due"]:
        wrong.append(f"{r['orders_at_deadline']} orders for {r['due']} occurrences (twice?)")
    if r["orders_matched"] != r["orders_opened"]:
        wrong.append(f"{r['orders_opened']} orders opened but {r['orders_matched']} matched")
    if not (r["hits"] == r["hits_written"] == r["hits_expected"]) or not r["hits_as_expected"]:
        wrong.append(
            f"hits: {r['hits']} reported, {r['hits_written']} written, "
            f"{r['hits_expected']} expected (same pairs: {r['hits_as_expected']})"
        )
    if not (r["hits_on_occurrences"] and r["hits_on_orders"]):
        wrong.append("no hits on the occurrences or on the orders")
    if r["rematch"]:
        wrong.append(f"a second match wrote {r['rematch']} hits")
    if r["sent"] != r["notifications"] or r["sent"] + r["pending"] != r["hits_written"]:
        wrong.append(
            f"{r['hits_written']} hits: {r['sent']} sent, {r['notifications']} notifications, "
            f"{r['pending']} pending"
        )
    if r["pending_outside_quiet_hours"]:
        wrong.append(f"{r['pending_outside_quiet_hours']} hits held outside quiet hours")
    return wrong


def run(ctx) -> dict:
    from django.test.utils import override_settings

    from mealbuddy.alerts.models import SavedAlert
    from mealbuddy.series.models import Series

    rounds = int(os.environ.get("BENCH_TICK_ROUNDS", "3"))
    due = int(os.environ.get("BENCH_TICK_DUE", "500"))
    regions = alerts_bench._regions()
    series_bench._seed(series_bench._regions())
    host_of = alerts_bench._people(regions)
    # No daily cap in the way: every hit outside quiet hours is a notification to write.
    with override_settings(ALERTS_DAILY_CAP=1000):
        results = [_one_round(due, regions, host_of) for _ in range(rounds)]
    last = results[-1]
    open_and_match = [r["series_s"] + r["match_s"] for r in results]
    report = {
        "database": ctx.database_url.split("://")[0],
        "series": Series.objects.filter(title__startswith=series_bench.PREFIX).count(),
        "alerts": SavedAlert.objects.count(),
        "due_per_tick": due,
        "orders_opened_per_tick": last["orders_opened"],
        "hits_last_round": last["hits"],
        "sent_last_round": last["sent"],
        "held_by_quiet_hours_last_round": last["pending"],
        "series_tick_s": [round(r["series_s"], 3) for r in results],
        "alerts_match_s": [round(r["match_s"], 3) for r in results],
        "alerts_deliver_s": [round(r["deliver_s"], 3) for r in results],
        "open_and_match_s": [round(t, 3) for t in open_and_match],
        "minute_s": [round(r["series_s"] + r["match_s"] + r["deliver_s"], 3) for r in results],
        "limit_s": LIMIT_S,
    }
    print(report, flush=True)
    for n, r in enumerate(results, 1):
        wrong = _check(r)
        if wrong:
            raise BenchFailure(f"tick round {n}: " + "; ".join(wrong))
    slowest = max(open_and_match)
    if slowest >= LIMIT_S:
        raise BenchFailure(
            f"tick: opening and matching took {slowest:.3f} s (limit {LIMIT_S} s): {report}"
        )
    return report
