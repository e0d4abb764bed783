"""Group orders' background jobs: each parses nothing, calls one service, is idempotent."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.groupbuys.services import groupbuys_close_expired, groupbuys_refunds_due
from mealbuddy.jobs.registry import periodic


@periodic("groupbuys.close_expired")
@task()
def close_expired() -> int:
    # Each order is locked and re-checked before it closes: two runs close it once.
    return groupbuys_close_expired()


@periodic("groupbuys.refunds_due")
@task()
def refunds_due() -> int:
    # The wallet issue fills groupbuys_refunds_due in; the schedule is already in place.
    return groupbuys_refunds_due()
