"""Redis goes down: committed writes still succeed, the lost broadcasts are only logged, and
a client that retries does not duplicate anything.

A real uvicorn process runs on a Redis this test starts on its own port and then stops.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import httpx
import pytest
import redis

from mealbuddy.chat.models import Message
from mealbuddy.groupbuys.models import Participation
from tests.chat.helpers import room_with, token
from tests.factories import UserFactory
from tests.servers import LiveServer, free_port

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs the redis-server binary"
)


@pytest.fixture
def own_redis():
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield url, process
    if process.poll() is None:
        process.kill()
    process.wait(5)


def test_writes_stand_and_retries_do_not_duplicate_while_redis_is_down(region_tx, own_redis):
    url, redis_process = own_redis
    host, guest, joiner = UserFactory(), UserFactory(), UserFactory()
    room = room_with(host, guest)
    with LiveServer(env={"REDIS_URL": url}, log_name="redis-down") as server:
        redis_process.terminate()
        redis_process.wait(5)
        http = httpx.Client(base_url=server.url, timeout=15)

        def post():
            return http.post(
                f"/api/chats/{room.pk}/messages/",
                json={"message": "레디스 없이도", "client_id": "retry-1"},
                headers={"Authorization": f"token {token(guest)}"},
            )

        first = post()
        assert first.status_code == 201, first.text
        retried = post()  # the client retries (it could not tell it had worked)
        assert retried.status_code == 200
        assert retried.json()["message"]["id"] == first.json()["message"]["id"]
        assert Message.objects.filter(room=room, kind="text").count() == 1

        def join():
            return http.post(
                f"/api/groupbuys/{room.group_order_id}/join/",
                headers={"Authorization": f"token {token(joiner)}"},
            )

        assert join().status_code == 200
        assert join().status_code == 200
        assert Participation.objects.filter(group_order_id=room.group_order_id).count() == 3
        assert (
            Message.objects.filter(room=room, kind="join", subject_user_id=joiner.pk).count() == 1
        )
        http.close()
    log = server.log_path.read_text()
    assert "broadcast to chat.room." in log and "failed" in log
    assert "Internal Server Error" not in log
