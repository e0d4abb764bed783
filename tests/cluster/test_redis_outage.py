"""Redis stopped in the middle of a chat (a Redis of the test's own, on its own port).

While it is down: REST keeps answering, reads and writes (the messages are saved; their
broadcast is logged and dropped); open sockets are closed with 1013 ("try again later",
``LAYER_LOST_CLOSE_CODE``) instead of staying open and deaf. Once it is back, a socket
opened with ``?after=<last id seen>`` (what static/js/chat-room.js does on every close but
4003/4040) gets every message saved meanwhile, then live ones again: nothing is lost.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from mealbuddy.core.websocket import LAYER_LOST_CLOSE_CODE
from tests.chat.helpers import room_with, token
from tests.cluster.conftest import HASHERS
from tests.factories import UserFactory
from tests.servers import LiveServer, RedisServer


@pytest.fixture
def chat(regions_tx):
    host, guest = UserFactory(), UserFactory()
    room = room_with(host, guest)
    return room.pk, token(host), token(guest)


async def recv(ws, timeout: float = 10.0) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def close_code(ws, timeout: float) -> int:
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else 1006


async def test_redis_down_mid_chat_rest_answers_sockets_close_and_catch_up(chat):
    from websockets.asyncio.client import connect

    room_id, host_token, guest_token = chat
    with (
        RedisServer() as redis,
        LiveServer(env={**HASHERS, "REDIS_URL": redis.url}, log_name="redis-outage") as server,
    ):
        messages = f"{server.url}/api/chats/{room_id}/messages/"
        as_host = {"Authorization": f"token {host_token}"}
        socket_url = f"{server.ws_url}/ws/chat/{room_id}/?token={guest_token}"
        async with httpx.AsyncClient(timeout=15) as http:

            async def post(text: str) -> int:
                response = await http.post(messages, json={"message": text}, headers=as_host)
                assert response.status_code == 201, response.text
                return response.json()["message"]["id"]

            async with connect(socket_url) as guest:
                first = await post("레디스 멀쩡할 때")
                assert (await recv(guest))["message"]["id"] == first
                last_seen = first

                redis.stop()
                # Closed, clearly and soon: not left open and deaf.
                assert await close_code(guest, timeout=20) == LAYER_LOST_CLOSE_CODE

            # REST: writes are saved, reads answer, while Redis is down.
            during = [await post(f"레디스 없는 동안 {n}") for n in range(3)]
            history = await http.get(messages, headers=as_host)
            assert history.status_code == 200
            assert [m["id"] for m in history.json()["messages"]][-3:] == during

            redis.start()  # the same port: the server's clients find it again
            caught_up: list[int] = []
            for _ in range(40):  # the page retries with back-off; so does this
                try:
                    async with connect(f"{socket_url}&after={last_seen}") as guest:
                        while len(caught_up) < len(during):
                            caught_up.append((await recv(guest))["message"]["id"])
                        # Live again: a new line arrives without a reconnect.
                        after = await post("레디스 돌아온 뒤")
                        assert (await recv(guest))["message"]["id"] == after
                        break
                except (OSError, TimeoutError) as exc:  # refused while the layer reconnects
                    if "HTTP 500" not in str(exc) and not isinstance(exc, OSError):
                        raise
                    caught_up.clear()
                    await asyncio.sleep(0.5)
            else:
                pytest.fail(
                    f"no socket after Redis came back: {server.log_path.read_text()[-2000:]}"
                )
            assert caught_up == during
        assert server.process.poll() is None
