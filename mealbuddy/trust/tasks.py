"""Trust's background jobs: each calls one service and is idempotent."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.jobs.registry import periodic
from mealbuddy.trust.moderation import sanctions_lift_expired
from mealbuddy.trust.reviews import manner_refresh_all

# --- 후기 (reviews.py) ---


@periodic("trust.manner_refresh", every_minutes=24 * 60)
@task()
def manner_refresh() -> int:
    # Ageing: reviews weigh less as they grow old, so scores are recomputed daily from the
    # reviews themselves (a second run gives the same numbers).
    return manner_refresh_all()


# --- 관리 (moderation.py) ---


@periodic("trust.sanctions_lift", every_minutes=5)
@task()
def sanctions_lift() -> int:
    # Suspensions past their end: a conditional UPDATE each, so two runs lift once. The
    # refusal itself never waits for it (an ended suspension no longer bites): every 5 minutes
    # is soon enough for the audit row and the notice.
    return sanctions_lift_expired()
