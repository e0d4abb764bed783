from __future__ import annotations

import signal
from unittest import mock

import pytest
from django.core.management import call_command

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}


@pytest.fixture
def db_tasks(settings):
    """Tasks are queued as rows, as in production; ``run_worker()`` drains the queue."""
    settings.TASKS = DATABASE_TASKS


def run_worker() -> None:
    """django-tasks-db's own worker, in this process, until the queue is empty.

    The worker closes connections that are not in autocommit mode between tasks, which
    would close the test's transaction; that check is what is switched off here.
    """
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with mock.patch(
            "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
        ):
            call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    finally:
        for sig, handler in handlers.items():  # the worker installs its own
            signal.signal(sig, handler)


@pytest.fixture
def host(db):
    from tests.factories import UserFactory

    return UserFactory(username="방장")
