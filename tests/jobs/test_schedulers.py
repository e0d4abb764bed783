"""Several schedulers at once (one per machine): each job is enqueued once per tick."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db import close_old_connections
from django_tasks_db.models import DBTaskResult

from mealbuddy.jobs.models import PeriodicRun
from mealbuddy.jobs.services import jobs_tick
from tests import servers

ON_THE_HOUR = datetime(2026, 12, 1, 10, 0, 5, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_in_threads_enqueue_each_job_once(db_tasks):
    barrier = threading.Barrier(2)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def scheduler():
        try:
            barrier.wait()
            results.append(jobs_tick(now=ON_THE_HOUR))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    enqueued = Counter(name for names in results for name in names)
    assert enqueued and set(enqueued.values()) == {1}  # each job by exactly one of the two
    assert PeriodicRun.objects.count() == len(enqueued) == DBTaskResult.objects.count()


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_processes_enqueue_each_tick_exactly_once():
    env = {
        **os.environ,
        "DATABASE_URL": servers.test_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TASKS_BACKEND": "database",
        "JOBS_TICK_SECONDS": "2",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    scheduler = [sys.executable, "manage.py", "run_scheduler"]
    # A worker drains the queue; a job still waiting from the last tick is not queued again.
    worker = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.2",
    ]
    processes = [
        subprocess.Popen(argv, cwd=servers.ROOT, env=env, stderr=subprocess.PIPE, text=True)
        for argv in (scheduler, scheduler, worker)
    ]
    try:
        time.sleep(10)  # four or five ticks of 2 s, with process start-up
    finally:
        for p in processes:
            p.send_signal(signal.SIGTERM)
        outputs = [p.communicate(timeout=20)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    assert not any("tick failed" in out for out in outputs), outputs
    per_tick = Counter(PeriodicRun.objects.values_list("name", "tick"))
    ticks = {tick for _, tick in per_tick}
    assert len(ticks) >= 3
    assert set(per_tick.values()) == {1}
    assert DBTaskResult.objects.count() == len(per_tick)
    assert set(PeriodicRun.objects.values_list("task_id", flat=True)) == {
        str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)
    }
