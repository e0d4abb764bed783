"""What operators see: jobs_status and the admin's task lists."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from mealbuddy.accounts.models import User
from mealbuddy.jobs.services import jobs_tick
from mealbuddy.notifications.services import notifications_send
from tests.jobs.conftest import run_worker

pytestmark = pytest.mark.django_db

ON_THE_MINUTE = datetime(2026, 12, 1, 10, 1, 0, tzinfo=UTC)  # every-minute jobs only


def _status() -> list[str]:
    out = StringIO()
    call_command("jobs_status", stdout=out)
    return out.getvalue().splitlines()


def _line(lines: list[str], start: str) -> str:
    return next(line for line in lines if line.strip().startswith(start))


def test_jobs_status_counts_states_and_shows_each_periodic_jobs_last_run(db_tasks, host):
    jobs_tick(now=ON_THE_MINUTE)
    run_worker()
    notifications_send(users=[host], kind="status", text="대기 중")
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="mealbuddy.groupbuys.tasks.close_expired",
        backend_name="default",
        run_after=ON_THE_MINUTE,
        status="FAILED",
        exception_class_path="RuntimeError",
        traceback="RuntimeError: boom",
    )
    lines = _status()
    assert _line(lines, "READY").split()[-1] == "1"
    assert _line(lines, "RUNNING").split()[-1] == "0"
    assert _line(lines, "SUCCESSFUL").split()[-1] == "6"  # the every-minute jobs
    assert _line(lines, "FAILED").split()[-1] == "1"
    closed = _line(lines, "groupbuys.close_expired")
    assert "2026-12-01 19:01" in closed  # the tick, in KST
    assert "SUCCESSFUL" in closed and "1분마다" in closed
    assert "실행 전" in _line(lines, "accounts.flush_tokens")  # hourly: not due at :01


def test_admin_lists_queued_and_failed_tasks(db_tasks, client, host):
    notifications_send(users=[host], kind="status", text="대기 중")
    failed = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="mealbuddy.groupbuys.tasks.close_expired",
        backend_name="default",
        run_after=ON_THE_MINUTE,
        status="FAILED",
        exception_class_path="RuntimeError",
        traceback="RuntimeError: boom",
    )
    jobs_tick(now=ON_THE_MINUTE)
    client.force_login(User.objects.create_superuser("ops@example.com", "운영", "운영-비번-2024"))
    queued = client.get("/admin/django_tasks_database/dbtaskresult/", {"status__exact": "READY"})
    assert queued.status_code == 200
    assert b"send_notifications" in queued.content and b"close_expired" in queued.content
    failures = client.get("/admin/django_tasks_database/dbtaskresult/", {"status__exact": "FAILED"})
    assert str(failed.pk).encode() in failures.content
    assert b"send_notifications" not in failures.content
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{failed.pk}/change/")
    assert b"RuntimeError: boom" in detail.content
    leases = client.get("/admin/jobs/periodicrun/")
    assert leases.status_code == 200 and b"groupbuys.close_expired" in leases.content
