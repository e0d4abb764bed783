"""Notifications sent in the background: fan-outs to members and the deadline notices."""

from __future__ import annotations

from django_tasks import TaskContext, task

from mealbuddy.jobs.registry import periodic
from mealbuddy.notifications.services import (
    notifications_deliver,
    notify_deadlines,
    push_notifications_deliver,
    push_retry_deliver,
    push_users_deliver,
)


@task(takes_context=True)
def send_notifications(
    context: TaskContext,
    *,
    user_ids: list[int],
    kind: str,
    text: str,
    group_order_id: int | None = None,
    url: str = "",
) -> int:
    # The task's own id is the run-once key: a retry of this task creates nothing twice.
    return notifications_deliver(
        key=f"notifications.send:{context.task_result.id}",
        user_ids=[int(pk) for pk in user_ids],
        kind=str(kind),
        text=str(text),
        group_order_id=int(group_order_id) if group_order_id is not None else None,
        url=str(url),
    )


@periodic("notifications.deadlines")
@task()
def deadlines() -> int:
    # One notice per order and member, backed by a partial unique constraint.
    return notify_deadlines()


# --- Web Push: every push leaves from here, never from a request --------------------------------


@task()
def push_notifications(*, notification_ids: list[int]) -> int:
    # Once per notification (a run-once key), so a retried task pushes nothing twice.
    return push_notifications_deliver(notification_ids=[int(pk) for pk in notification_ids])


@task()
def push_users(*, user_ids: list[int], payload: dict) -> int:
    return push_users_deliver(user_ids=[int(pk) for pk in user_ids], payload=dict(payload))


@task()
def push_retry(*, subscription_id: int, payload: dict, attempt: int) -> str | None:
    # Enqueued with run_after by push_deliver after a timeout or 5xx, bounded attempts.
    outcome = push_retry_deliver(
        subscription_id=int(subscription_id), payload=dict(payload), attempt=int(attempt)
    )
    return outcome.value if outcome is not None else None
