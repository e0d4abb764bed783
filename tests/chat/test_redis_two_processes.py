"""Production shape: two uvicorn processes on one PostgreSQL and one Redis.

A member connected to one process hears a message sent through the other, and a ban or a
deletion issued through one closes the sockets held on the other. This needs the Redis
channel layer and a database both processes share, so it runs only with REDIS_URL and
DATABASE_URL set (an in-memory layer cannot cross processes).
"""

from __future__ import annotations

import asyncio
import json
import os

import httpx
import pytest

from tests.chat.helpers import room_with, token
from tests.factories import UserFactory
from tests.servers import LiveServer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs REDIS_URL and DATABASE_URL: the in-memory channel layer and SQLite "
        "cannot carry chat between two server processes",
    ),
]


@pytest.fixture
def two_servers(region_tx):
    with LiveServer(log_name="chat-a") as a, LiveServer(log_name="chat-b") as b:
        yield a, b


@pytest.fixture
def members(region_tx):
    host, guest = UserFactory(), UserFactory()
    room = room_with(host, guest)
    return host, guest, room, token(host), token(guest)


async def recv(ws, timeout=5.0) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def test_message_and_ban_cross_processes(two_servers, members):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    a, b = two_servers
    host, guest, room, host_token, guest_token = members
    async with (
        connect(f"{a.ws_url}/ws/chat/{room.pk}/?token={guest_token}") as guest_on_a,
        connect(f"{b.ws_url}/ws/chat/{room.pk}/?token={host_token}") as host_on_b,
    ):
        await host_on_b.send(json.dumps({"message": "B에서 보낸 메시지"}))
        echo = await recv(host_on_b)
        heard = await recv(guest_on_a)
        assert heard["type"] == "chat.message"
        assert heard["message"]["message"] == "B에서 보낸 메시지"
        assert heard["message"]["id"] == echo["message"]["id"]

        async with httpx.AsyncClient(base_url=b.url) as http:
            response = await http.post(
                f"/api/chat/{room.pk}/user/ban/",
                json={"target_user_id": guest.pk},
                headers={"Authorization": f"token {host_token}"},
            )
        assert response.status_code == 202
        leave = await recv(guest_on_a)
        assert leave["type"] == "chat.user.leave" and leave["user_id"] == guest.pk
        with pytest.raises(ConnectionClosed) as closed:
            await recv(guest_on_a)
        assert closed.value.rcvd.code == 4003
        assert (await recv(host_on_b))["user_id"] == guest.pk


async def test_room_deleted_through_one_process_closes_sockets_on_the_other(two_servers, members):
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    a, b = two_servers
    host, guest, room, host_token, guest_token = members
    async with connect(f"{a.ws_url}/ws/chat/{room.pk}/?token={guest_token}") as guest_on_a:
        async with httpx.AsyncClient(base_url=b.url) as http:
            response = await http.delete(
                f"/api/chat/{room.pk}/", headers={"Authorization": f"token {host_token}"}
            )
        assert response.status_code == 202
        with pytest.raises(ConnectionClosed) as closed:
            await recv(guest_on_a)
        assert closed.value.rcvd.code == 4040
