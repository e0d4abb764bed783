"""Crashes and overlaps: a worker killed mid-task, two runs of the same job at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuys_close_expired
from mealbuddy.jobs.services import jobs_requeue_stale
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notify_deadlines
from tests import servers
from tests.chat.helpers import room_with
from tests.factories import UserFactory
from tests.jobs.slow_tasks import slow_notice


def _worker(*extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": servers.test_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TASKS_BACKEND": "database",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    argv = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    return subprocess.Popen(
        [*argv, "--interval", "0.2", *extra],
        cwd=servers.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_leaves_it_to_run_again_and_its_effect_happens_once(
    regions_tx, db_tasks
):
    user = UserFactory()
    result = slow_notice.enqueue(user_id=user.pk, seconds=30)
    worker = _worker()
    try:
        deadline = time.monotonic() + 30
        while DBTaskResult.objects.get(id=result.id).status != "RUNNING":
            assert time.monotonic() < deadline and worker.poll() is None, worker.stderr.read()
            time.sleep(0.2)
    finally:
        worker.kill()  # SIGKILL: no chance to clean up
        worker.wait()
    assert DBTaskResult.objects.get(id=result.id).status == "RUNNING"
    assert jobs_requeue_stale() == 0  # not stale yet: it might still be running somewhere
    assert jobs_requeue_stale(now=timezone.now() + timedelta(hours=1)) == 1
    DBTaskResult.objects.filter(id=result.id).update(
        args_kwargs={"args": [], "kwargs": {"user_id": user.pk, "seconds": 0}}
    )  # the second attempt need not wait
    rerun = _worker("--batch")
    assert rerun.wait(60) == 0, rerun.stderr.read()
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == "SUCCESSFUL" and len(row.worker_ids) == 2
    assert Notification.objects.filter(user=user, text="느린 알림").count() == 1


def _twice_at_once(function) -> list:
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(function())
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_deadline_runs_at_once_notify_each_member_once(regions_tx):
    members = [UserFactory() for _ in range(4)]
    rooms = [room_with(members[0], *members[1:], title=f"곧 마감 {n}") for n in range(3)]
    GroupOrder.objects.filter(pk__in=[r.group_order_id for r in rooms]).update(
        deadline=timezone.now() + timedelta(minutes=5)
    )
    assert sum(_twice_at_once(notify_deadlines)) == 12
    assert Notification.objects.filter(kind="deadline").count() == 12


@pytest.mark.django_db(transaction=True)
def test_two_close_runs_at_once_close_each_order_once(regions_tx):
    host, guest = UserFactory(), UserFactory()
    rooms = [room_with(host, guest, title=f"지난 주문 {n}") for n in range(3)]
    GroupOrder.objects.filter(pk__in=[r.group_order_id for r in rooms]).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    assert sum(_twice_at_once(groupbuys_close_expired)) == 3
    assert Notification.objects.filter(kind="closed").count() == 6
