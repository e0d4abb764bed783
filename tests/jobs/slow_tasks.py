"""A task that takes its time, for killing a worker in the middle of it (tests only)."""

from __future__ import annotations

import time

from django.db import transaction
from django_tasks import TaskContext, task

from mealbuddy.jobs.services import task_once_claim
from mealbuddy.notifications.services import notifications_create


@task(takes_context=True)
def slow_notice(context: TaskContext, *, user_id: int, seconds: float) -> int:
    from django.contrib.auth import get_user_model

    time.sleep(seconds)  # the worker is killed here, before anything is saved
    with transaction.atomic():
        if not task_once_claim(key=f"tests.slow_notice:{context.task_result.id}"):
            return 0
        user = get_user_model().objects.get(pk=user_id)
        return len(notifications_create(users=[user], kind="status", text="느린 알림"))
