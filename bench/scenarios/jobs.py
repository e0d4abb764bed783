"""One periodic tick with 10,000 open group orders.

One neighbourhood (부산 해운대구 우동, kept apart from the other scenarios) with 30
residents and 10,000 recruiting orders of 3 members each. A busy minute: 50 orders passed
their deadline in the last minute and 50 close within the next 10 minutes; the rest close
hours later. Measured, on the database backend as in production:

- ``tick_ms``: the scheduler's tick (leases + queued tasks for every job due on the hour);
- ``busy_tick_s``: a worker running everything that tick queued, to an empty queue: 50
  orders closed with their members told (fan-out tasks), 150 deadline notices, and the rest;
- ``quiet_tick_s``: the next minute's tick and its jobs when nothing is due (the scan cost
  of 10,000 open orders alone);
- ``task_ms_last_round``: how long each kind of task ran (started → finished) in the busy tick.

``BENCH_JOBS_ROUNDS`` (default 3) repeats the whole measurement on fresh data.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

from bench.common import drain_task_queue, latency_summary, refresh_planner_statistics

REGION_CODE = "26350105"  # 해운대구 우동
USERS = 30
ORDERS = 10_000
EXPIRED = 50
CLOSING_SOON = 50
MEMBERS = 3
TITLE = "bench-jobs"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _users():
    from mealbuddy.accounts.models import User
    from mealbuddy.regions.models import Region

    region = Region.objects.get(code=REGION_CODE)
    users = []
    for n in range(USERS):
        user = User.objects.filter(email=f"bench-jobs-{n}@example.com").first()
        if user is None:
            user = User.objects.create_user(
                f"bench-jobs-{n}@example.com",
                f"bench-jobs-{n}",
                "bench-password-2024",
                region=region,
                address=region.full_name,
            )
        users.append(user)
    return region, users


def _fresh_orders(region, users) -> None:
    from django.db import transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from mealbuddy.chat.models import ChatRoom
    from mealbuddy.groupbuys.models import GroupOrder, Participation
    from mealbuddy.jobs.models import PeriodicRun, TaskOnce
    from mealbuddy.notifications.models import Notification

    now = timezone.now()
    # The bench database is ours alone: every round starts from an empty queue.
    with transaction.atomic():
        GroupOrder.objects.filter(region=region, title__startswith=TITLE).delete()
        Notification.objects.filter(user__in=users).delete()
        DBTaskResult.objects.all().delete()
        PeriodicRun.objects.all().delete()
        TaskOnce.objects.all().delete()
        orders = []
        for n in range(ORDERS):
            if n < EXPIRED:
                deadline = now - timedelta(seconds=30)
            elif n < EXPIRED + CLOSING_SOON:
                deadline = now + timedelta(minutes=5)
            else:
                deadline = now + timedelta(hours=2, minutes=n % 600)
            orders.append(
                GroupOrder(
                    host=users[n % USERS],
                    title=f"{TITLE} {n}",
                    category="치킨",
                    target_count=6,
                    member_count=MEMBERS,
                    deadline=deadline,
                    region=region,
                    status=GroupOrder.Status.RECRUITING,
                )
            )
        GroupOrder.objects.bulk_create(orders, batch_size=1000)
        orders = list(GroupOrder.objects.filter(region=region, title__startswith=TITLE))
        ChatRoom.objects.bulk_create([ChatRoom(group_order=o) for o in orders], batch_size=1000)
        Participation.objects.bulk_create(
            [
                Participation(group_order=o, user=users[(o.host_id + k) % USERS])
                for o in orders
                for k in range(MEMBERS)
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )


def _one_round(region, users) -> dict:
    from django_tasks_db.models import DBTaskResult

    from mealbuddy.groupbuys.models import GroupOrder
    from mealbuddy.jobs.services import jobs_tick
    from mealbuddy.notifications.models import Notification

    _fresh_orders(region, users)
    refresh_planner_statistics()
    # A tick on the hour (every job due), then the next minute (the every-minute jobs).
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    started = time.perf_counter()
    enqueued = jobs_tick(now=hour)
    tick = time.perf_counter() - started
    started = time.perf_counter()
    drain_task_queue()
    busy = time.perf_counter() - started
    per_task: dict[str, list[float]] = {}
    for path, started_at, finished_at in DBTaskResult.objects.filter(
        status="SUCCESSFUL"
    ).values_list("task_path", "started_at", "finished_at"):
        name = path.removeprefix("mealbuddy.")
        per_task.setdefault(name, []).append((finished_at - started_at).total_seconds())
    closed = GroupOrder.objects.filter(
        region=region, title__startswith=TITLE, closed_reason="deadline"
    ).count()
    notices = Notification.objects.filter(user__in=users, kind="deadline").count()
    told_closed = Notification.objects.filter(user__in=users, kind="closed").count()
    started = time.perf_counter()
    jobs_tick(now=hour + timedelta(minutes=1))
    drain_task_queue()
    quiet = time.perf_counter() - started
    failed = DBTaskResult.objects.filter(status="FAILED").count()
    return {
        "jobs": len(enqueued),
        "tick": tick,
        "busy": busy,
        "quiet": quiet,
        "closed": closed,
        "closed_notices": told_closed,
        "deadline_notices": notices,
        "failed_tasks": failed,
        "task_ms": {
            name: {"count": len(v), "mean_ms": round(1000 * sum(v) / len(v), 1)}
            for name, v in sorted(per_task.items())
        },
    }


def run(ctx) -> dict:
    from django.test.utils import override_settings

    rounds = int(os.environ.get("BENCH_JOBS_ROUNDS", "3"))
    region, users = _users()
    results = []
    with override_settings(TASKS=DATABASE_TASKS, WEATHER_WARM=False):
        for _ in range(rounds):
            results.append(_one_round(region, users))
    last = results[-1]
    return {
        "open_orders": ORDERS,
        "due_per_tick": {"expired": EXPIRED, "closing_soon": CLOSING_SOON, "members": MEMBERS},
        "jobs_on_the_hour": last["jobs"],
        "tick_ms": latency_summary([r["tick"] for r in results]),
        "busy_tick_s": [round(r["busy"], 3) for r in results],
        "quiet_tick_s": [round(r["quiet"], 3) for r in results],
        "effects_last_round": {
            "closed": last["closed"],
            "closed_notices": last["closed_notices"],
            "deadline_notices": last["deadline_notices"],
            "failed_tasks": last["failed_tasks"],
        },
        "task_ms_last_round": last["task_ms"],
    }
