"""Each pytest-xdist worker (``make test`` runs two) gets its own Redis database and key prefix.

Read by the settings: a worker process has ``PYTEST_XDIST_WORKER=gwN`` in its environment, and
so have the servers, workers and schedulers its tests start (they inherit it), so they all land
on the same database. Without it the workers would share one Redis: one worker's
``cache.clear()`` (a FLUSHDB) would wipe the other's throttles, sessions and channel groups.
PostgreSQL and SQLite need nothing: pytest-django gives each worker its own test database.
Outside a test run nothing changes.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

FIRST_DB = 10  # workers use databases 10, 11, …; lower ones are left to people and CI


def worker_overrides(environ) -> dict[str, str]:
    """The ``REDIS_URL`` and ``CACHE_PREFIX`` this test worker uses instead (none outside xdist)."""
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    match = re.fullmatch(r"gw(\d+)", worker)
    if match is None:
        return {}
    number = int(match.group(1))
    changes = {"CACHE_PREFIX": f"{environ.get('CACHE_PREFIX', 'mb')}-{worker}"}
    url = environ.get("REDIS_URL", "")
    if url:
        changes["REDIS_URL"] = urlsplit(url)._replace(path=f"/{FIRST_DB + number}").geturl()
    return changes
