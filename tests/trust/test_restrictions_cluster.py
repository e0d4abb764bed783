"""Production shape: a sanction decided in one process closes the person's sockets held by
two other server processes (Redis channel layer), a reconnect is refused there, and the
REST refusal holds on PostgreSQL. Runs only with REDIS_URL and DATABASE_URL set."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest
from channels.db import database_sync_to_async
from websockets.exceptions import ConnectionClosed

from mealbuddy.core.websocket import ACCOUNT_RESTRICTED_CLOSE_CODE
from mealbuddy.trust.moderation import moderation_act
from tests.chat.helpers import room_with, token
from tests.chat.test_redis_two_processes import HASHERS
from tests.factories import UserFactory
from tests.servers import LiveServer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
        reason="needs REDIS_URL and DATABASE_URL: sockets in two server processes",
    ),
]


@pytest.fixture
def two_servers(region_tx):
    with (
        LiveServer(env=HASHERS, log_name="trust-a") as a,
        LiveServer(env=HASHERS, log_name="trust-b") as b,
    ):
        yield a, b


async def closed_code(ws, timeout: float = 10.0) -> int:
    """Read (past any notification) until the server closes the socket; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    return closed.value.rcvd.code


def _suspend(user_id: int) -> None:
    staff = UserFactory(is_staff=True)
    target = type(staff).objects.get(pk=user_id)
    moderation_act(staff=staff, kind="suspend", target_user=target, reason="욕설", days=3)


async def test_a_suspension_closes_sockets_in_other_processes_and_refuses_them_after(
    two_servers, region_tx
):
    from websockets.asyncio.client import connect

    a, b = two_servers
    host, guest = await database_sync_to_async(lambda: (UserFactory(), UserFactory()))()
    room = await database_sync_to_async(room_with)(host, guest)
    guest_token = await database_sync_to_async(token)(guest)
    async with (
        connect(f"{a.ws_url}/ws/chat/{room.pk}/?token={guest_token}") as chat_on_a,
        connect(f"{b.ws_url}/ws/notifications/?token={guest_token}") as bell_on_b,
    ):
        await bell_on_b.recv()  # the first unread counts: subscribed
        await database_sync_to_async(_suspend)(guest.pk)
        assert await closed_code(chat_on_a) == ACCOUNT_RESTRICTED_CLOSE_CODE
        assert await closed_code(bell_on_b) == ACCOUNT_RESTRICTED_CLOSE_CODE

    async with connect(f"{b.ws_url}/ws/chat/{room.pk}/?token={guest_token}") as again:
        assert await closed_code(again) == ACCOUNT_RESTRICTED_CLOSE_CODE

    async with httpx.AsyncClient(base_url=a.url) as http:
        response = await http.post(
            f"/api/chats/{room.pk}/messages/",
            json={"message": "몰래"},
            headers={"Authorization": f"token {guest_token}"},
        )
    assert response.status_code == 403
    assert response.json()["code"] == "account_restricted"
