"""Trust's background jobs: each parses nothing, calls one service, is idempotent."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.jobs.registry import periodic
from mealbuddy.trust.moderation import sanctions_lift_expired


@periodic("trust.sanctions_lift", every_minutes=5)
@task()
def sanctions_lift() -> int:
    # Suspensions past their end: a conditional UPDATE each, so two runs lift once. The
    # refusal itself never waits for it (an ended suspension no longer bites): every 5 minutes
    # is soon enough for the audit row and the notice.
    return sanctions_lift_expired()
