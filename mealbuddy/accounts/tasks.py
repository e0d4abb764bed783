"""Account housekeeping jobs."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.accounts.services import tokens_flush
from mealbuddy.jobs.registry import periodic


@periodic("accounts.flush_tokens", every_minutes=60)
@task()
def flush_tokens() -> dict[str, int]:
    # Deleting what is already gone is a no-op, so overlapping runs are harmless.
    return tokens_flush()
