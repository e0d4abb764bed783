"""The production shape, in processes: two web servers behind nginx, a task worker and a
scheduler, one PostgreSQL, one Redis (issue 9, "proof that it holds together").

Every test here needs what production has: PostgreSQL (several processes writing at once)
and Redis (the channel layer between processes). They run in the second CI pass and skip,
with the reason, on the embedded default. All are marked ``slow`` and ``cluster``.
"""

from __future__ import annotations

import os

import pytest

from tests.servers import LiveServer, ManagedCommand, Nginx

# The test process hashes passwords with MD5 (fast); the servers must be able to check them.
HASHERS = {
    "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher,"
    "django.contrib.auth.hashers.PBKDF2PasswordHasher"
}


def _production_backends() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get(
        "REDIS_URL", ""
    ).startswith("redis")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/cluster/" not in str(item.fspath):
            continue
        item.add_marker(pytest.mark.slow)
        item.add_marker(pytest.mark.cluster)
        item.add_marker(
            pytest.mark.skipif(
                not _production_backends(),
                reason="needs DATABASE_URL=postgres://… and REDIS_URL=redis://…: the cluster "
                "and fault tests run several processes on PostgreSQL + Redis (second CI pass)",
            )
        )


# Tasks queue in the database for the worker; the scheduler ticks every 2 seconds.
CLUSTER_ENV = {**HASHERS, "TASKS_BACKEND": "database", "JOBS_TICK_SECONDS": "2"}


class Cluster:
    def __init__(
        self, web: list[LiveServer], ws: list[LiveServer], proxy: Nginx, worker, scheduler
    ) -> None:
        self.web = web
        self.ws = ws
        self.proxy = proxy
        self.worker = worker
        self.scheduler = scheduler

    def logs(self) -> str:
        return f"worker:\n{self.worker.log()}\nscheduler:\n{self.scheduler.log()}"


@pytest.fixture
def cluster_env() -> dict[str, str]:
    """What every process of the cluster gets; a test adds its own (a push endpoint, VAPID
    keys) by overriding this fixture: ``return {**CLUSTER_ENV, "X": "..."}``."""
    return dict(CLUSTER_ENV)


@pytest.fixture
def cluster(regions_tx, cluster_env):
    """The production shape (compose.yaml): two gunicorn processes for HTTP and two uvicorn
    processes for ``/ws/`` (production settings) behind nginx, one ``db_worker`` and one
    ``run_scheduler``, all on the test database and the tests' Redis."""
    env = cluster_env
    with (
        LiveServer(env=env, log_name="cluster-web1", server="gunicorn") as web1,
        LiveServer(env=env, log_name="cluster-web2", server="gunicorn") as web2,
        LiveServer(env=env, log_name="cluster-ws1") as ws1,
        LiveServer(env=env, log_name="cluster-ws2") as ws2,
        Nginx([web1, web2], ws_upstreams=[ws1, ws2]) as proxy,
        ManagedCommand(
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
            env=env,
            log_name="cluster-worker",
        ) as worker,
        ManagedCommand("run_scheduler", env=env, log_name="cluster-scheduler") as sched,
    ):
        yield Cluster([web1, web2], [ws1, ws2], proxy, worker, sched)
