"""Alert and nudge jobs: each parses its arguments, calls one service, is idempotent (a unique
(person, order) hit, a unique (person, day) nudge, rows claimed with SKIP LOCKED)."""

from __future__ import annotations

from django_tasks import task

from mealbuddy.alerts.services import alerts_tick, nudges_send
from mealbuddy.jobs.registry import periodic


@task()
def match_order(*, group_order_id: int) -> dict:
    # Enqueued by group orders after an order opens (created or reopened) commits.
    return alerts_tick(group_order_ids=[int(group_order_id)])


@periodic("alerts.tick")
@task()
def tick() -> dict:
    # Orders the hook missed, and hits held back by quiet hours that may go out now.
    return alerts_tick()


@periodic("alerts.nudges", every_minutes=15)
@task()
def nudges() -> int:
    return nudges_send()
