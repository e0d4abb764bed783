"""Housekeeping of the job runner itself."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.jobs.registry import periodic
from mealbuddy.jobs.services import jobs_prune, jobs_requeue_stale


@periodic("jobs.requeue_stale", every_minutes=5)
@task()
def requeue_stale() -> int:
    return jobs_requeue_stale()


@periodic("jobs.prune", every_minutes=60)
@task()
def prune() -> int:
    return jobs_prune()
