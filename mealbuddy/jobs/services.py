"""The scheduler's tick, the run-once guard, and housekeeping of the task table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mealbuddy.jobs.models import PeriodicRun, TaskOnce
from mealbuddy.jobs.registry import periodic_jobs


def tick_start(*, now: datetime, seconds: int | None = None) -> datetime:
    """The start of the tick that ``now`` falls in (ticks are aligned to the epoch)."""
    seconds = seconds or settings.JOBS_TICK_SECONDS
    stamp = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(stamp, tz=UTC)


def jobs_tick(*, now: datetime | None = None) -> list[str]:
    """Enqueue every periodic job due at this tick that no other scheduler enqueued yet.

    Returns the names this call enqueued. Each job takes its lease (a ``PeriodicRun`` row,
    unique per job and tick) and enqueues its task in one transaction: a second scheduler
    waits on the row, then gets an IntegrityError and skips; a failed enqueue releases the
    lease so the next attempt at the same tick can take it. A job whose last task is still
    waiting in the queue (no worker running, or a backlog) is not queued again: when the
    worker comes back it runs once, not once per minute it missed.
    """
    tick = tick_start(now=now or timezone.now())
    tick_minute = int(tick.timestamp()) // 60
    waiting = set(
        DBTaskResult.objects.filter(status="READY")
        .values_list("task_path", flat=True)
        .distinct()
        .order_by()
    )
    enqueued = []
    for job in periodic_jobs():
        if not job.due(tick_minute=tick_minute) or job.task.module_path in waiting:
            continue
        try:
            with transaction.atomic():
                run = PeriodicRun.objects.create(name=job.name, tick=tick)
                result = job.task.enqueue()
                run.task_id = str(result.id)
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another scheduler holds this tick
        enqueued.append(job.name)
    return enqueued


def task_once_claim(*, key: str) -> bool:
    """Inside the caller's transaction, claim ``key``; False if it was claimed before.

    A task that saves its effect in the same transaction runs that effect once, however
    often it is retried (a worker killed after commit, the task requeued as stale).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("task_once_claim must run inside transaction.atomic()")
    try:
        with transaction.atomic():
            TaskOnce.objects.create(key=key)
    except IntegrityError:
        return False
    return True


def jobs_requeue_stale(*, now: datetime | None = None) -> int:
    """Put back in the queue tasks whose worker died while running them; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.JOBS_STALE_MINUTES)
    return (
        DBTaskResult.objects.running()
        .filter(started_at__lt=cutoff)
        .update(status="READY", started_at=None)
    )


def jobs_prune(*, now: datetime | None = None) -> int:
    """Delete finished tasks, tick leases and run-once keys older than ``JOBS_KEEP_DAYS``."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.JOBS_KEEP_DAYS)
    deleted = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()[0]
    # Keep the newest lease of each job: jobs_status shows it as the job's last run.
    newest = PeriodicRun.objects.values("name").annotate(newest=Max("pk")).values("newest")
    deleted += PeriodicRun.objects.filter(tick__lt=cutoff).exclude(pk__in=newest).delete()[0]
    deleted += TaskOnce.objects.filter(created_at__lt=cutoff).delete()[0]
    return deleted
