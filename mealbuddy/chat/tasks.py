"""Chat's background jobs."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.chat.services import chat_away_push
from mealbuddy.jobs.registry import periodic


@periodic("chat.away_push")
@task()
def away_push() -> int:
    # Idempotent: a member's push mark moves forward in a conditional UPDATE.
    return chat_away_push()
