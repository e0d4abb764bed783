"""What operators see: tasks by state and the last run of each periodic job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count
from django_tasks_db.models import DBTaskResult

from mealbuddy.jobs.models import PeriodicRun
from mealbuddy.jobs.registry import periodic_jobs

TASK_STATES = ("READY", "RUNNING", "SUCCESSFUL", "FAILED")


@dataclass(frozen=True)
class LastRun:
    name: str
    every_minutes: int
    tick: datetime | None
    status: str  # a TASK_STATES value, "" when the job never ran, "UNKNOWN" once pruned
    finished_at: datetime | None


def task_counts() -> dict[str, int]:
    """How many task rows are in each state (every state present, zero when none)."""
    rows = DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by()
    counts = dict.fromkeys(TASK_STATES, 0)
    counts.update(dict(rows))
    return counts


def periodic_last_runs() -> list[LastRun]:
    """Each registered periodic job with its newest tick and what became of its task."""
    jobs = periodic_jobs()
    # One lookup per job (a handful), each served by the (name, tick) unique index.
    newest: dict[str, PeriodicRun] = {}
    for job in jobs:
        run = PeriodicRun.objects.filter(name=job.name).order_by("-tick").first()
        if run is not None:
            newest[job.name] = run
    tasks = {
        str(t.id): t
        for t in DBTaskResult.objects.filter(
            id__in=[r.task_id for r in newest.values() if r.task_id]
        ).only("id", "status", "finished_at")
    }
    result = []
    for job in jobs:
        run = newest.get(job.name)
        task = tasks.get(run.task_id) if run is not None else None
        result.append(
            LastRun(
                name=job.name,
                every_minutes=job.every_minutes,
                tick=run.tick if run else None,
                status=task.status if task else ("UNKNOWN" if run else ""),
                finished_at=task.finished_at if task else None,
            )
        )
    return result
