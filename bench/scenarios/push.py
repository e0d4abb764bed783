"""Web Push send rate: pushes per second from one worker to a local push service.

200 subscribed users (one browser each) get notifications in batches of 50 (one
``push_notifications`` task per batch, as a fan-out creates them); one worker
(``db_worker --batch``, this process) drains the queue. The push service runs in its own
process on 127.0.0.1 and does what a real one does per push: checks the VAPID token (ES256)
and decrypts the aes128gcm payload. Every push is a fresh ECDH + AES-GCM encryption and an
HTTP POST over a kept-alive connection.

``BENCH_PUSH_COUNT`` (default 1000) pushes per round, ``BENCH_PUSH_ROUNDS`` (default 3).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.common import ROOT, drain_task_queue

USERS = 200
BATCH = 50
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def _users(subscriptions: list[dict]):
    from mealbuddy.accounts.models import User
    from mealbuddy.notifications.models import PushSubscription
    from mealbuddy.notifications.services import push_subscription_save

    users = []
    for n, sub in enumerate(subscriptions):
        email = f"bench-push-{n}@example.com"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, f"bench-push-{n}", "bench-password-2024"
        )
        PushSubscription.objects.filter(user=user).delete()
        push_subscription_save(
            user=user,
            endpoint=sub["endpoint"],
            p256dh=sub["keys"]["p256dh"],
            auth=sub["keys"]["auth"],
        )
        users.append(user)
    return users


def _stats(service: subprocess.Popen) -> dict:
    service.stdin.write("stats\n")
    service.stdin.flush()
    return json.loads(service.stdout.readline())


def _one_round(users, service, count: int) -> dict:
    from django_tasks_db.models import DBTaskResult

    from mealbuddy.notifications.models import Notification
    from mealbuddy.notifications.services import notifications_create

    DBTaskResult.objects.all().delete()
    Notification.objects.filter(user__in=users).delete()
    before = _stats(service)
    made = 0
    while made < count:
        batch = [users[(made + k) % len(users)] for k in range(min(BATCH, count - made))]
        notifications_create(users=batch, kind="status", text=f"'치킨' 주문 상태 {made}")
        made += len(batch)
    started = time.perf_counter()
    drain_task_queue()
    seconds = time.perf_counter() - started
    stats = _stats(service)
    delivered = stats["delivered"] - before["delivered"]
    return {
        "pushes": made,
        "delivered": delivered,
        "decrypted": stats["decrypted"] - before["decrypted"],
        "seconds": round(seconds, 3),
        "pushes_per_s": round(delivered / seconds, 1),
        "rejected": stats["rejected"],
        "failed_tasks": DBTaskResult.objects.filter(status="FAILED").count(),
    }


def run(ctx) -> dict:
    from django.conf import settings
    from django.test.utils import override_settings

    count = int(os.environ.get("BENCH_PUSH_COUNT", "1000"))
    rounds = int(os.environ.get("BENCH_PUSH_ROUNDS", "3"))
    service = subprocess.Popen(
        [sys.executable, "-m", "tests.push_service", str(USERS), settings.VAPID_PUBLIC_KEY],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        hello = json.loads(service.stdout.readline())
        with override_settings(TASKS=DATABASE_TASKS, PUSH_HTTP_HOSTS=["127.0.0.1"]):
            users = _users(hello["subscriptions"])
            results = [_one_round(users, service, count) for _ in range(rounds)]
    finally:
        service.stdin.close()
        service.terminate()
        service.wait(10)
    return {
        "subscribed_users": USERS,
        "batch": BATCH,
        "pushes_per_s": [r["pushes_per_s"] for r in results],
        "rounds": results,
    }
