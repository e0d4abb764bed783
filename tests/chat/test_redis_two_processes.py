"""Production shape: two uvicorn processes on one PostgreSQL and one Redis.

A member connected to one process hears a message sent through the other, and a ban or a
deletion issued through one closes the sockets held on the other. This needs the Redis
channel layer and a database both processes share, so it runs only with REDIS_URL and
DATABASE_URL set (an in-memory layer cannot cross processes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os

import httpx
import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from mealbuddy.core.realtime import account_sockets_close
from tests.chat.helpers import room_with, token
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.servers import LiveServer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs REDIS_URL and DATABASE_URL: the in-memory channel layer and SQLite "
        "cannot carry chat between two server processes",
    ),
]


# The test process hashes passwords with MD5 (fast); the servers must be able to check them.
HASHERS = {
    "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher,"
    "django.contrib.auth.hashers.PBKDF2PasswordHasher"
}


@pytest.fixture
def two_servers(region_tx):
    with (
        LiveServer(env=HASHERS, log_name="chat-a") as a,
        LiveServer(env=HASHERS, log_name="chat-b") as b,
    ):
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


# --- Sockets tied to accounts, budgets per user: across processes ---------------------------


async def closed_code(ws, timeout=5.0) -> int:
    from websockets.exceptions import ConnectionClosed

    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code


async def test_password_changed_through_one_process_closes_the_socket_on_the_other(
    two_servers, members
):
    """The socket on process B hears nothing from B itself: either the account event
    crosses Redis and closes it, or (if that event were lost) its next write finds the
    account changed. Either way: closed with 4001 and nothing posted."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    a, b = two_servers
    host, guest, room, host_token, guest_token = members
    async with connect(f"{b.ws_url}/ws/chat/{room.pk}/?token={guest_token}") as guest_on_b:
        async with httpx.AsyncClient(base_url=a.url) as http:
            response = await http.post(
                "/api/user/changepassword/",
                json={
                    "current_password": DEFAULT_PASSWORD,
                    "new_password1": "완전히-새-비밀번호-2026",
                    "new_password2": "완전히-새-비밀번호-2026",
                },
                headers={"Authorization": f"token {guest_token}"},
            )
        assert response.status_code == 200, response.text
        try:
            code = await closed_code(guest_on_b, timeout=2.0)
        except TimeoutError:
            with contextlib.suppress(ConnectionClosed):
                await guest_on_b.send(json.dumps({"message": "아직 되나?"}))
            code = await closed_code(guest_on_b)
        assert code == 4001
    from mealbuddy.chat.models import Message

    assert not await database_sync_to_async(Message.objects.filter(room=room, user=guest).exists)()


async def test_account_event_crosses_processes_to_chat_and_notification_sockets(
    two_servers, members
):
    from websockets.asyncio.client import connect

    a, b = two_servers
    host, guest, room, host_token, guest_token = members
    async with (
        connect(f"{b.ws_url}/ws/chat/{room.pk}/?token={guest_token}") as chat_on_b,
        connect(f"{a.ws_url}/ws/notifications/?token={guest_token}") as bell_on_a,
        connect(f"{a.ws_url}/ws/chat/{room.pk}/?token={host_token}") as host_on_a,
    ):
        assert (await recv(bell_on_a))["type"] == "unread"

        def revoke():
            with transaction.atomic():
                account_sockets_close(user_id=guest.pk)

        # Sent from this (third) process through Redis, as any server would.
        await database_sync_to_async(revoke)()
        assert await closed_code(chat_on_b) == 4001
        assert await closed_code(bell_on_a) == 4001
        await host_on_a.send(json.dumps({"message": "방장은 그대로"}))
        assert (await recv(host_on_a))["message"]["message"] == "방장은 그대로"


@pytest.fixture
def budget_servers(region_tx):
    env = {"CHAT_BURST": "6", "CHAT_RATE_PER_SECOND": "0.01", "WS_MAX_SOCKETS_PER_USER": "3"}
    with (
        LiveServer(env=env, log_name="budget-a") as a,
        LiveServer(env=env, log_name="budget-b") as b,
    ):
        yield a, b


async def test_one_users_sockets_on_two_processes_share_one_flood_budget(budget_servers, members):
    from websockets.asyncio.client import connect

    a, b = budget_servers
    host, guest, room, host_token, guest_token = members
    async with (
        connect(f"{a.ws_url}/ws/chat/{room.pk}/?token={guest_token}") as on_a,
        connect(f"{b.ws_url}/ws/chat/{room.pk}/?token={guest_token}") as on_b,
    ):
        for n in range(5):
            await on_a.send(json.dumps({"message": f"A {n}"}))
            await on_b.send(json.dumps({"message": f"B {n}"}))
        refused = 0
        for ws in (on_a, on_b):
            # Each socket hears its own 5 answers (lines or errors) plus the other's lines.
            seen = 0
            while seen < 5:
                event = await recv(ws)
                if event["type"] == "error":
                    assert event["code"] == "rate_limited"
                    refused += 1
                    seen += 1
                elif event["message"]["message"][0] == ("A" if ws is on_a else "B"):
                    seen += 1
        assert refused == 4
    from mealbuddy.chat.models import Message

    assert await database_sync_to_async(Message.objects.filter(user=guest).count)() == 6


async def test_socket_cap_counts_both_processes_and_a_dead_process_frees_its_slots(
    region_tx, members
):
    from websockets.asyncio.client import connect

    host, guest, room, host_token, guest_token = members
    env = {"WS_MAX_SOCKETS_PER_USER": "2", "WS_SOCKET_SLOT_TTL": "2"}
    chat_path = f"/ws/chat/{room.pk}/?token={guest_token}"
    with LiveServer(env=env, log_name="cap-a") as a, LiveServer(env=env, log_name="cap-b") as b:
        held = [await connect(f"{a.ws_url}{chat_path}"), await connect(f"{a.ws_url}{chat_path}")]
        async with connect(f"{b.ws_url}/ws/notifications/?token={guest_token}") as third:
            assert await closed_code(third) == 4029
        async with connect(f"{b.ws_url}/ws/notifications/?token={host_token}") as others:
            assert (await recv(others))["type"] == "unread"
        # Process A dies without closing anything: its leases lapse within the TTL.
        a.process.kill()
        a.process.wait(5)
        for ws in held:
            ws.transport.abort()
        await asyncio.sleep(2.5)
        async with connect(f"{b.ws_url}{chat_path}") as again:
            await again.send(json.dumps({"message": "다시 연결됨"}))
            assert (await recv(again))["message"]["message"] == "다시 연결됨"
