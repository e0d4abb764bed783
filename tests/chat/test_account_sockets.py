"""Sockets belong to an account: closed when it is revoked, budgets per user, not per socket.

In-process (WebsocketCommunicator through the real ASGI application); the cross-process
versions are in test_redis_two_processes.py.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from mealbuddy.accounts.models import User
from mealbuddy.chat.models import Message
from mealbuddy.core.realtime import ACCOUNT_REVOKED_CLOSE_CODE, account_sockets_close
from mealbuddy.core.websocket import TOO_MANY_SOCKETS_CLOSE_CODE
from tests.chat.helpers import atoken, communicator, connected, db, room_with
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_REVOKED = {"type": "websocket.close", "code": ACCOUNT_REVOKED_CLOSE_CODE}


def chat(room, tok):
    return f"/ws/chat/{room.pk}/?token={tok}"


def notifications(tok):
    return f"/ws/notifications/?token={tok}"


def _revoke(user_id: int) -> None:
    with transaction.atomic():
        account_sockets_close(user_id=user_id)


async def test_revoking_an_account_closes_its_chat_and_notification_sockets_with_4001(people, room):
    host, guest, _ = people
    tok = await atoken(guest)
    chat_socket = await connected(chat(room, tok), origin=False)
    bell = await connected(notifications(tok), origin=False)
    assert (await bell.receive_json_from())["type"] == "unread"
    host_socket = await connected(chat(room, await atoken(host)), origin=False)

    await db(_revoke)(guest.pk)

    assert await chat_socket.receive_output() == CLOSED_REVOKED
    assert await bell.receive_output() == CLOSED_REVOKED
    # Someone else's socket stays open and working.
    await host_socket.send_json_to({"message": "나는 그대로"})
    assert (await host_socket.receive_json_from())["message"]["message"] == "나는 그대로"
    await host_socket.disconnect()


def _deactivate(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def _new_password(user: User) -> None:
    fresh = User.objects.get(pk=user.pk)
    fresh.set_password("a-new-password-2026")
    fresh.save(update_fields=["password"])


@pytest.mark.parametrize("change", [_deactivate, _new_password], ids=["deactivated", "password"])
async def test_a_socket_that_missed_the_event_cannot_post_after_the_account_changed(
    people, room, change
):
    host, guest, _ = people
    comm = await connected(chat(room, await atoken(guest)), origin=False)
    # The change lands without any event (as if the close was lost on the way).
    await db(change)(guest)
    await comm.send_json_to({"message": "아직 되나?"})
    assert await comm.receive_output() == CLOSED_REVOKED
    assert await db(Message.objects.filter(kind="text").count)() == 0


async def test_a_socket_that_missed_the_event_cannot_mark_read(people, room):
    host, guest, _ = people
    await db(lambda: Message.objects.create(room=room, user=host, text="읽어 줘"))()
    comm = await connected(chat(room, await atoken(guest)), origin=False)
    await db(_new_password)(guest)
    await comm.send_json_to({"type": "read", "id": 10**6})
    assert await comm.receive_output() == CLOSED_REVOKED
    from mealbuddy.chat.models import ReadState

    assert not await db(ReadState.objects.filter(user=guest, room=room).exists)()


async def test_eight_sockets_of_one_user_share_one_flood_budget(region_tx, settings):
    settings.CHAT_BURST = 5
    settings.CHAT_RATE_PER_SECOND = 0.001
    flooder, other = await db(UserFactory)(), await db(UserFactory)()
    rooms = [await db(room_with)(flooder, other, title=f"방 {n}") for n in range(8)]
    tok = await atoken(flooder)
    sockets = [await connected(chat(room, tok), origin=False) for room in rooms]
    for n, comm in enumerate(sockets):
        for k in range(3):
            await comm.send_json_to({"message": f"도배 {n}-{k}"})
    events = [await comm.receive_json_from() for comm in sockets for _ in range(3)]
    accepted = [e for e in events if e["type"] == "chat.message"]
    refused = [e for e in events if e["type"] == "error"]
    assert len(accepted) == 5 and len(refused) == 19
    assert {e["code"] for e in refused} == {"rate_limited"}
    assert await db(Message.objects.filter(user=flooder).count)() == 5

    # Another user, in the same rooms, has a budget of their own.
    other_socket = await connected(chat(rooms[7], await atoken(other)), origin=False)
    for k in range(5):
        await other_socket.send_json_to({"message": f"나도 {k}"})
    heard = [await other_socket.receive_json_from() for _ in range(5)]
    assert [e["type"] for e in heard] == ["chat.message"] * 5
    assert await db(Message.objects.filter(user=other).count)() == 5
    for comm in [*sockets, other_socket]:
        await comm.disconnect()


async def over_the_cap(path: str, **kwargs) -> bool:
    """Accepted, then closed at once with 4029: the client learns why."""
    comm = communicator(path, **kwargs)
    ok, _ = await comm.connect()
    assert ok
    return await comm.receive_output() == {
        "type": "websocket.close",
        "code": TOO_MANY_SOCKETS_CLOSE_CODE,
    }


async def test_open_sockets_per_user_are_capped_and_a_closed_one_frees_its_slot(
    people, room, settings
):
    settings.WS_MAX_SOCKETS_PER_USER = 3
    host, guest, _ = people
    tok = await atoken(guest)
    held = [
        await connected(chat(room, tok), origin=False),
        await connected(notifications(tok), origin=False),
        await connected(chat(room, tok), origin=False),
    ]
    assert await over_the_cap(chat(room, tok), origin=False)
    assert await over_the_cap(notifications(tok), origin=False)
    # Someone else is not counted against it.
    host_socket = await connected(chat(room, await atoken(host)), origin=False)

    await held[0].disconnect()
    again = await connected(chat(room, tok), origin=False)
    await again.send_json_to({"message": "자리가 났다"})
    assert (await again.receive_json_from())["message"]["message"] == "자리가 났다"
    for comm in [*held[1:], again, host_socket]:
        await comm.disconnect()


async def test_a_refused_handshake_does_not_keep_a_slot(people, room, settings):
    settings.WS_MAX_SOCKETS_PER_USER = 1
    _, _, outsider = people
    tok = await atoken(outsider)
    for _ in range(3):  # not a member: refused, and the slot goes back each time
        comm = communicator(chat(room, tok), origin=False)
        ok, _code = await comm.connect()
        assert not ok
    bell = await connected(notifications(tok), origin=False)
    await bell.disconnect()


async def test_a_resent_frame_with_the_same_client_id_is_saved_once(people, room):
    host, guest, _ = people
    sender = await connected(chat(room, await atoken(guest)), origin=False)
    listener = await connected(chat(room, await atoken(host)), origin=False)
    for _ in range(2):
        await sender.send_json_to({"message": "한 번만", "client_id": "frame-1"})
    first, again = await sender.receive_json_from(), await sender.receive_json_from()
    assert first["message"]["id"] == again["message"]["id"]
    heard = await listener.receive_json_from()
    assert heard["message"]["id"] == first["message"]["id"]
    assert await listener.receive_nothing(timeout=0.3)
    assert await db(Message.objects.filter(kind="text").count)() == 1
    for comm in (sender, listener):
        await comm.disconnect()


async def test_posting_sockets_do_not_keep_pooled_connections(region_tx, settings):
    """PostgreSQL posts run on executor threads; each must hand its connection back, or
    DB_POOL_MAX posting sockets empty the pool and every later query waits for a timeout."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's")
    pool = connection.pool
    users = [await db(UserFactory)() for _ in range(3)]
    rooms = [await db(room_with)(u, title=f"혼자 {n}") for n, u in enumerate(users)]
    in_use_before = pool.get_stats()["pool_size"] - pool.get_stats()["pool_available"]
    sockets = []
    for n in range(8):
        user, room = users[n % 3], rooms[n % 3]
        comm = await connected(chat(room, await atoken(user)), origin=False)
        await comm.send_json_to({"message": f"{n}"})
        assert (await comm.receive_json_from())["type"] == "chat.message"
        sockets.append(comm)
    stats = pool.get_stats()
    assert stats["pool_size"] - stats["pool_available"] <= in_use_before + 1
    for comm in sockets:
        await comm.disconnect()
