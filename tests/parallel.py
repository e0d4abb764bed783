"""Each pytest-xdist worker gets its own Redis database and key prefix.

Loaded with ``-p tests.parallel`` (pyproject's addopts) so it runs before Django reads its
settings, and it changes the environment itself, so the servers, workers and schedulers that
tests start inherit the same database. Without it the workers share one Redis: one worker's
``cache.clear()`` (a FLUSHDB) would wipe the other's throttles, sessions and channel groups.
PostgreSQL and SQLite need nothing: pytest-django gives each worker its own test database.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

FIRST_DB = 10  # workers use databases 10, 11, …; lower ones are left to people and CI


def _worker_env(environ) -> dict[str, str]:
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


os.environ.update(_worker_env(os.environ))
