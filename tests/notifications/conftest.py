from __future__ import annotations

import pytest

from tests.jobs.conftest import DATABASE_TASKS


@pytest.fixture
def db_tasks(settings):
    """Tasks are queued as rows, as in production; ``tests.jobs.conftest.run_worker()`` drains."""
    settings.TASKS = DATABASE_TASKS
