"""Parallel workers never share a Redis database or key prefix (tests/parallel.py)."""

from __future__ import annotations

import os

from django.conf import settings

from tests.parallel import FIRST_DB, _worker_env


def test_each_worker_gets_its_own_redis_database_and_prefix():
    env = {"PYTEST_XDIST_WORKER": "gw1", "REDIS_URL": "redis://:pw@127.0.0.1:6379/0?timeout=2"}
    assert _worker_env(env) == {
        "CACHE_PREFIX": "mb-gw1",
        "REDIS_URL": f"redis://:pw@127.0.0.1:6379/{FIRST_DB + 1}?timeout=2",
    }
    gw0 = _worker_env({"PYTEST_XDIST_WORKER": "gw0", "REDIS_URL": "redis://127.0.0.1:6379"})
    assert gw0["REDIS_URL"] == f"redis://127.0.0.1:6379/{FIRST_DB}"


def test_one_process_runs_change_nothing():
    assert _worker_env({"REDIS_URL": "redis://127.0.0.1:6379/0"}) == {}
    assert _worker_env({"PYTEST_XDIST_WORKER": "gw0"}) == {"CACHE_PREFIX": "mb-gw0"}


def test_this_worker_uses_what_the_plugin_chose_before_django_read_its_settings():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return  # a one-process run: nothing was changed
    assert os.environ["CACHE_PREFIX"].endswith(f"-{worker}")
    assert (
        settings.CACHES["default"].get("KEY_PREFIX", os.environ["CACHE_PREFIX"])
        == (os.environ["CACHE_PREFIX"])
    )
    if os.environ.get("REDIS_URL"):
        assert str(FIRST_DB + int(worker[2:])) in str(settings.CACHES["default"]["LOCATION"])
