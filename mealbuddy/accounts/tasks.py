"""Account housekeeping jobs."""

from __future__ import annotations

from django.core.management import call_command
from django_tasks import task

from mealbuddy.jobs.registry import periodic


@periodic("accounts.flush_tokens", every_minutes=60)
@task()
def flush_tokens() -> None:
    # simplejwt's own command deletes expired refresh tokens (and their blacklist rows);
    # deleting what is already gone is a no-op, so overlapping runs are harmless.
    call_command("flushexpiredtokens", verbosity=0)
