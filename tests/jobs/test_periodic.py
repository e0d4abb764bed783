"""Periodic jobs: registered in their apps, enqueued once per tick, each harmless twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from mealbuddy.accounts.tasks import flush_tokens
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuy_join
from mealbuddy.groupbuys.tasks import close_expired, refunds_due
from mealbuddy.jobs.models import PeriodicRun
from mealbuddy.jobs.registry import periodic_jobs
from mealbuddy.jobs.services import jobs_tick
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.tasks import deadlines
from tests.chat.helpers import room_with
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.jobs.conftest import run_worker

pytestmark = pytest.mark.django_db

EVERY_MINUTE = {
    "groupbuys.close_expired",
    "groupbuys.refunds_due",
    "notifications.deadlines",
    "chat.away_push",
    "alerts.tick",  # saved alerts (issue 14)
    "series.tick",  # recurring orders (issue 14)
}
ALL_JOBS = EVERY_MINUTE | {
    "recommend.weather_warm",
    "accounts.flush_tokens",
    "jobs.prune",
    "jobs.requeue_stale",
    "wallet.retry_pending",
    "groupbuys.handoff_due",
    "groupbuys.settlement_reminders",
    "trust.manner_refresh",  # daily (issue 12, 후기)
    "trust.sanctions_lift",
    "alerts.nudges",  # every 15 minutes (issue 14)
}
# 2026-12-01 00:00 UTC: a minute divisible by 60 and by 1440 (the daily jobs), so every job
# is due.
ON_THE_HOUR = datetime(2026, 12, 1, 0, 0, 20, tzinfo=UTC)


def _expire(order):
    GroupOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=1))


def test_every_periodic_job_is_registered_from_its_apps_tasks_module():
    jobs = {job.name: job for job in periodic_jobs()}
    assert set(jobs) == ALL_JOBS
    assert jobs["groupbuys.refunds_due"].task is refunds_due
    assert jobs["groupbuys.refunds_due"].every_minutes == 1
    assert jobs["accounts.flush_tokens"].every_minutes == 60


def test_a_tick_enqueues_each_due_job_once_however_often_it_is_run(db_tasks):
    assert set(jobs_tick(now=ON_THE_HOUR)) == ALL_JOBS
    assert jobs_tick(now=ON_THE_HOUR + timedelta(seconds=30)) == []  # same tick
    assert DBTaskResult.objects.filter(status="READY").count() == len(ALL_JOBS)
    runs = PeriodicRun.objects.all()
    assert {r.task_id for r in runs} == {str(t.id) for t in DBTaskResult.objects.all()}
    # A minute later, with no worker yet, nothing is queued twice; once the queue drained,
    # only the every-minute jobs are due.
    assert jobs_tick(now=ON_THE_HOUR + timedelta(minutes=1)) == []
    run_worker()
    assert set(jobs_tick(now=ON_THE_HOUR + timedelta(minutes=2))) == EVERY_MINUTE
    assert DBTaskResult.objects.filter(status="READY").count() == len(EVERY_MINUTE)


def test_a_tick_then_the_worker_closes_expired_orders_and_tells_members(db_tasks, host):
    order = make_order(host)
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    Notification.objects.all().delete()
    _expire(order)
    jobs_tick()
    assert GroupOrder.objects.get(pk=order.pk).status == "recruiting"  # only queued so far
    run_worker()
    order.refresh_from_db()
    assert (order.status, order.closed_reason) == ("closed", "deadline")
    closed = Notification.objects.filter(kind=Notification.Kind.CLOSED)
    assert sorted(closed.values_list("user_id", flat=True)) == sorted([host.pk, member.pk])
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()


def test_close_expired_twice_closes_once(host):
    order = make_order(host)
    groupbuy_join(group_order_id=order.pk, user=UserFactory())
    _expire(order)
    assert close_expired.call() == 1
    assert close_expired.call() == 0
    assert Notification.objects.filter(kind=Notification.Kind.CLOSED).count() == 2


def test_deadline_notices_a_second_run_sends_nothing_twice(seogyo):
    host, guest = UserFactory(), UserFactory()
    room = room_with(host, guest)
    GroupOrder.objects.filter(pk=room.group_order_id).update(
        deadline=timezone.now() + timedelta(minutes=5)
    )
    assert deadlines.call() == 2
    assert deadlines.call() == 0
    assert Notification.objects.filter(kind="deadline").count() == 2


def test_refunds_due_is_a_real_job_that_finds_nothing_until_the_wallet_exists(db_tasks, host):
    order = make_order(host)
    _expire(order)
    jobs_tick(now=ON_THE_HOUR)
    run_worker()
    run = PeriodicRun.objects.get(name="groupbuys.refunds_due")
    result = DBTaskResult.objects.get(id=run.task_id)
    assert result.status == "SUCCESSFUL" and result.return_value == 0
    assert refunds_due.call() == 0


def test_flush_tokens_deletes_expired_and_used_refresh_tokens_only(user):
    now = timezone.now()
    expired = OutstandingToken.objects.create(
        user=user,
        jti="old",
        token="x",
        created_at=now - timedelta(days=30),
        expires_at=now - timedelta(days=1),
    )
    BlacklistedToken.objects.create(token=expired)
    used = OutstandingToken.objects.create(
        user=user, jti="used", token="z", created_at=now, expires_at=now + timedelta(days=1)
    )
    BlacklistedToken.objects.create(token=used)
    live = OutstandingToken.objects.create(
        user=user, jti="new", token="y", created_at=now, expires_at=now + timedelta(days=1)
    )
    flush_tokens.call()
    flush_tokens.call()
    assert list(OutstandingToken.objects.values_list("pk", flat=True)) == [live.pk]
    assert not BlacklistedToken.objects.exists()


def test_a_tick_that_fails_to_enqueue_leaves_the_tick_to_the_next_attempt(db_tasks, monkeypatch):
    from mealbuddy.jobs import services

    def broken_enqueue(*args, **kwargs):
        raise RuntimeError("database went away")

    job = next(j for j in periodic_jobs() if j.name == "groupbuys.close_expired")
    monkeypatch.setattr(type(job.task), "enqueue", broken_enqueue)
    with pytest.raises(RuntimeError):
        services.jobs_tick(now=ON_THE_HOUR)
    monkeypatch.undo()
    assert not PeriodicRun.objects.exists()
    assert "groupbuys.close_expired" in services.jobs_tick(now=ON_THE_HOUR)


def test_enqueued_in_a_transaction_that_rolls_back_means_never_queued(db_tasks, host):
    with pytest.raises(RuntimeError), transaction.atomic():
        close_expired.enqueue()
        raise RuntimeError("the request failed")
    assert not DBTaskResult.objects.exists()
