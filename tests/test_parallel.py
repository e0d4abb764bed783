"""Parallel workers never share a Redis database or key prefix (config/testworkers.py)."""

from __future__ import annotations

import os

from django.conf import settings

from config.testworkers import FIRST_DB, worker_overrides


def test_each_worker_gets_its_own_redis_database_and_prefix():
    env = {"PYTEST_XDIST_WORKER": "gw1", "REDIS_URL": "redis://:pw@127.0.0.1:6379/0?timeout=2"}
    assert worker_overrides(env) == {
        "CACHE_PREFIX": "mb-gw1",
        "REDIS_URL": f"redis://:pw@127.0.0.1:6379/{FIRST_DB + 1}?timeout=2",
    }
    gw0 = worker_overrides({"PYTEST_XDIST_WORKER": "gw0", "REDIS_URL": "redis://127.0.0.1:6379"})
    assert gw0["REDIS_URL"] == f"redis://127.0.0.1:6379/{FIRST_DB}"


def test_one_process_runs_change_nothing():
    assert worker_overrides({"REDIS_URL": "redis://127.0.0.1:6379/0"}) == {}
    assert worker_overrides({"PYTEST_XDIST_WORKER": "gw0"}) == {"CACHE_PREFIX": "mb-gw0"}


def test_this_worker_runs_on_what_the_settings_chose_for_it():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        assert os.environ.get("CACHE_PREFIX", "mb") == settings.CACHE_PREFIX
        return
    assert settings.CACHE_PREFIX.endswith(f"-{worker}")
    if os.environ.get("REDIS_URL"):
        assert settings.CACHES["default"]["KEY_PREFIX"] == settings.CACHE_PREFIX
        assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] == settings.CACHE_PREFIX
        assert settings.REDIS_URL.endswith(f"/{FIRST_DB + int(worker[2:])}")
