"""PostgreSQL connections killed under load (``pg_terminate_backend``, as an operator, a
failover or a restart does): requests in flight fail cleanly (a JSON 5xx, never a traceback
page, the process stays up) and the pool recovers by itself: right after the kill, every
request succeeds, without a restart."""

from __future__ import annotations

import threading
import time

import httpx
import psycopg
import pytest
from django.db import connection

from tests.chat.helpers import room_with, token
from tests.cluster.conftest import HASHERS
from tests.factories import UserFactory
from tests.servers import LiveServer

THREADS = 4
LOAD_SECONDS = 6.0
KILLS = 3
AFTER_KILL = 40  # consecutive requests that must all succeed


def _kill_backends() -> int:
    """Terminate every other connection to the test database (the servers' pools included),
    from a connection of its own."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [settings["NAME"]],
        ).fetchall()
    connection.close()  # this process's own connection was among them
    return len(rows)


def _clean(response: httpx.Response) -> bool:
    """A success, or a failure a client can read: JSON errors, no traceback."""
    if response.status_code == 200:
        return True
    return (
        response.status_code >= 500
        and response.headers.get("content-type", "").startswith("application/json")
        and "Traceback" not in response.text
        and "errors" in response.json()
    )


@pytest.fixture
def reader(regions_tx):
    host, guest = UserFactory(), UserFactory()
    room = room_with(host, guest)
    return room.group_order_id, token(guest)


def test_killed_database_connections_fail_cleanly_and_the_pool_recovers(reader):
    order_id, member_token = reader
    # A small pool that stays filled: every connection it holds is killed each time.
    env = {**HASHERS, "DB_POOL_MIN": "4", "DB_POOL_MAX": "8"}
    with LiveServer(env=env, log_name="pg-kill") as server:
        url = f"{server.url}/api/groupbuys/{order_id}/"
        headers = {"Authorization": f"token {member_token}"}
        stop = threading.Event()
        answers: list[httpx.Response] = []
        unclean: list[str] = []

        def load() -> None:
            with httpx.Client(headers=headers, timeout=15) as client:
                while not stop.is_set():
                    try:
                        response = client.get(url)
                    except httpx.HTTPError as exc:  # the server went away or hung
                        unclean.append(repr(exc))
                        continue
                    answers.append(response)
                    if not _clean(response):
                        unclean.append(f"{response.status_code} {response.text[:300]}")

        threads = [threading.Thread(target=load) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        killed = 0
        try:
            for _ in range(KILLS):
                time.sleep(LOAD_SECONDS / (KILLS + 1))
                killed += _kill_backends()
            time.sleep(LOAD_SECONDS / (KILLS + 1))
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)

        assert killed >= KILLS * 4, killed  # the server's pool was there to be killed
        assert not unclean, unclean[:5]
        statuses = [r.status_code for r in answers]
        assert statuses.count(200) > len(statuses) // 2, statuses
        print(  # noqa: T201 - the figures for the report
            f"\npg kill: {killed} backends killed, {len(statuses)} requests, "
            f"{len(statuses) - statuses.count(200)} failed cleanly"
        )

        # Killed again while idle: the next requests get checked, fresh connections.
        assert _kill_backends() >= 4
        with httpx.Client(headers=headers, timeout=15) as client:
            after = [client.get(url).status_code for _ in range(AFTER_KILL)]
        assert after == [200] * AFTER_KILL, after
        assert server.process.poll() is None
