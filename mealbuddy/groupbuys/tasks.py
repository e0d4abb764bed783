"""Group orders' background jobs: each parses nothing, calls one service, is idempotent."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.groupbuys.services import groupbuys_close_expired, groupbuys_refunds_due
from mealbuddy.groupbuys.settlement import groupbuys_handoff_due, groupbuys_settlement_reminders
from mealbuddy.jobs.registry import periodic


@periodic("groupbuys.close_expired")
@task()
def close_expired() -> int:
    # Each order is locked and re-checked before it closes: two runs close it once.
    return groupbuys_close_expired()


@periodic("groupbuys.refunds_due")
@task()
def refunds_due() -> int:
    # Prepaid orders that failed at their deadline: cancelled, every hold back (fixed keys).
    return groupbuys_refunds_due()


@periodic("groupbuys.handoff_due", every_minutes=5)
@task()
def handoff_due() -> int:
    # Unanswered no-show reports and forgotten "받았어요"; each member re-checked when locked.
    return groupbuys_handoff_due()


@periodic("groupbuys.settlement_reminders", every_minutes=10)
@task()
def settlement_reminders() -> int:
    return groupbuys_settlement_reminders()
