"""Trust's background jobs: each calls one service and is idempotent."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.jobs.registry import periodic
from mealbuddy.trust.reviews import manner_refresh_all

# --- 후기 (reviews.py) ---


@periodic("trust.manner_refresh", every_minutes=24 * 60)
@task()
def manner_refresh() -> int:
    # Ageing: reviews weigh less as they grow old, so scores are recomputed daily from the
    # reviews themselves (a second run gives the same numbers).
    return manner_refresh_all()
