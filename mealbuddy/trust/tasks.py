"""Trust's background jobs: each parses nothing, calls one service, is idempotent."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.jobs.registry import periodic
from mealbuddy.trust.moderation import sanctions_lift_expired


@periodic("trust.sanctions_lift")
@task()
def sanctions_lift() -> int:
    # Suspensions past their end: a conditional UPDATE each, so two runs lift once.
    return sanctions_lift_expired()
