"""The chat socket: who is let in, what frames do, what everyone receives."""

from __future__ import annotations

import json

import pytest

from mealbuddy.chat.models import Message
from mealbuddy.chat.services import (
    chat_ticket_issue,
    member_sockets_close,
    message_post,
    room_sockets_close_deleted,
    system_message_post,
)
from mealbuddy.groupbuys.models import GroupOrder, Participation
from tests.chat.helpers import atoken, communicator, connected, db, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def path(room, query=""):
    return f"/ws/chat/{room.pk}/" + (f"?{query}" if query else "")


async def refused(p, **kwargs) -> bool:
    comm = communicator(p, **kwargs)
    ok, _ = await comm.connect()
    await comm.disconnect()
    return not ok


# --- acceptance and refusal ---------------------------------------------------------------


async def test_member_with_session_cookie_from_our_pages_is_accepted(people, room):
    host, guest, _ = people
    cookie = await db(session_cookie)(host)
    comm = await connected(path(room), cookie=cookie)
    await comm.send_json_to({"message": "  안녕하세요  "})
    event = await comm.receive_json_from()
    assert event["type"] == "chat.message"
    assert event["message"]["message"] == "안녕하세요"
    # Our own pages' sockets also get the author's photo (issue 11); see test_chat_ux.py.
    assert event["message"]["user"] == {
        "id": host.pk,
        "username": host.username,
        "email": host.email,
        "avatar": None,
        "verified": False,  # the 동네인증 badge and 매너 점수 (issue 12): our pages only
        "manner_score": 36.5,
    }
    assert event["message"]["chatroom"] == room.pk
    assert isinstance(event["message"]["id"], int)
    await comm.disconnect()


async def test_session_cookie_alone_without_origin_is_refused(people, room):
    cookie = await db(session_cookie)(people[0])
    assert await refused(path(room), cookie=cookie, origin=False)


async def test_foreign_origin_is_refused_even_with_a_token(people, room):
    evil = [(b"origin", b"https://evil.example")]
    cookie = await db(session_cookie)(people[0])
    comm = communicator(
        path(room, f"token={await atoken(people[0])}"), origin=False, cookie=cookie, extra=evil
    )
    ok, _ = await comm.connect()
    assert not ok


async def test_token_without_origin_is_accepted_for_a_member(people, room):
    comm = await connected(path(room, f"token={await atoken(people[1])}"), origin=False)
    await comm.send_json_to({"message": "토큰으로 왔어요"})
    assert (await comm.receive_json_from())["message"]["user"]["id"] == people[1].pk
    await comm.disconnect()


async def test_bad_or_stale_token_is_refused(people, room):
    guest = people[1]
    assert await refused(path(room, "token=not-a-jwt"), origin=False)
    old = await atoken(guest)

    def change_password():
        guest.set_password("새-비밀번호-바꿈-2025")
        guest.save()

    await db(change_password)()
    assert await refused(path(room, f"token={old}"), origin=False)


async def test_anonymous_is_refused(room):
    assert await refused(path(room))
    assert await refused(path(room), origin=False)


async def test_non_member_is_refused_with_every_credential(people, room):
    outsider = people[2]
    cookie = await db(session_cookie)(outsider)
    assert await refused(path(room), cookie=cookie)
    assert await refused(path(room, f"token={await atoken(outsider)}"), origin=False)


async def test_missing_room_is_refused(people, room):
    assert await refused(f"/ws/chat/{room.pk + 999}/?token={await atoken(people[0])}", origin=False)


async def test_ticket_opens_one_socket_once(people, room):
    guest = people[1]
    ticket = await db(chat_ticket_issue)(room=room, user=guest)
    comm = await connected(path(room, f"ticket={ticket}"), origin=False)
    await comm.disconnect()
    assert await refused(path(room, f"ticket={ticket}"), origin=False)


async def test_ticket_for_another_room_or_expired_is_refused(people, room, settings):
    from tests.chat.helpers import room_with

    host, guest, _ = people
    other = await db(room_with)(host, guest)
    ticket = await db(chat_ticket_issue)(room=other, user=guest)
    assert await refused(path(room, f"ticket={ticket}"), origin=False)
    settings.CHAT_TICKET_TTL = 1
    ticket = await db(chat_ticket_issue)(room=room, user=guest)
    import asyncio

    await asyncio.sleep(1.2)
    assert await refused(path(room, f"ticket={ticket}"), origin=False)


async def test_ticket_api_is_for_members_only(people, room):
    from tests.conftest import client_for

    def call(user):
        return client_for(user).post(f"/api/chats/{room.pk}/ticket/")

    ok = await db(call)(people[1])
    assert ok.status_code == 201
    assert ok.json()["expires_in"] == 30
    comm = await connected(path(room, f"ticket={ok.json()['ticket']}"), origin=False)
    await comm.disconnect()
    denied = await db(call)(people[2])
    assert denied.status_code == 403
    assert denied.json()["errors"]["error"]


# --- frames ---------------------------------------------------------------------------------

BAD_FRAMES = [
    ("not json", "invalid_json"),
    (json.dumps(["a", "list"]), "invalid_frame"),
    (json.dumps({"text": "no message key"}), "missing_message"),
    (json.dumps({"message": "   "}), "empty_message"),
    (json.dumps({"message": "가" * 301}), "message_too_long"),
    (json.dumps({"message": 42}), "invalid_message"),
    (json.dumps({"type": "chat.delete", "message": "x"}), "unknown_type"),
    (json.dumps({"type": "read", "id": "x"}), "invalid_read"),
]


async def test_bad_frames_get_an_error_and_the_socket_stays_open(people, room):
    comm = await connected(path(room, f"token={await atoken(people[0])}"), origin=False)
    for frame, code in BAD_FRAMES:
        await comm.send_to(text_data=frame)
        event = await comm.receive_json_from()
        assert event["type"] == "error", frame
        assert event["code"] == code, frame
        assert event["message"]
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await comm.receive_json_from())["code"] == "invalid_frame"
    await comm.send_json_to({"message": "가" * 300})
    event = await comm.receive_json_from()
    assert event["type"] == "chat.message" and len(event["message"]["message"]) == 300
    assert await db(Message.objects.filter(kind="text").count)() == 1
    await comm.disconnect()


async def test_flood_gets_slow_down_errors_for_the_excess(people, room, settings):
    settings.CHAT_BURST = 3
    settings.CHAT_RATE_PER_SECOND = 0.01
    comm = await connected(path(room, f"token={await atoken(people[0])}"), origin=False)
    for n in range(5):
        await comm.send_json_to({"message": f"도배 {n}"})
    events = [await comm.receive_json_from() for _ in range(5)]
    sent = [e for e in events if e["type"] == "chat.message"]
    errors = [e for e in events if e["type"] == "error"]
    assert [e["message"]["message"] for e in sent] == ["도배 0", "도배 1", "도배 2"]
    assert [e["message"] for e in errors] == ["천천히 보내 주세요"] * 2
    assert await db(Message.objects.count)() == 3
    await comm.disconnect()


async def test_message_reaches_every_member_including_the_sender(people, room):
    host, guest, _ = people
    a = await connected(path(room, f"token={await atoken(host)}"), origin=False)
    b = await connected(path(room, f"token={await atoken(guest)}"), origin=False)
    await a.send_json_to({"message": "<b>안녕</b>"})
    mine, theirs = await a.receive_json_from(), await b.receive_json_from()
    assert mine["message"]["id"] == theirs["message"]["id"]
    assert theirs["message"]["message"] == "<b>안녕</b>"
    # Others never see the author's email.
    assert theirs["message"]["user"]["email"] == ""
    assert mine["message"]["user"]["email"] == host.email
    await a.disconnect()
    await b.disconnect()


async def test_join_and_leave_events_follow_the_contract(people, room):
    host, guest, newcomer = people
    comm = await connected(path(room, f"token={await atoken(host)}"), origin=False)

    def join():
        Participation.objects.create(group_order=room.group_order, user=newcomer)
        return system_message_post(
            room=room,
            kind="join",
            text=f"{newcomer.username} 님이 입장했습니다.",
            user_id=newcomer.pk,
        )

    joined = await db(join)()
    event = await comm.receive_json_from()
    assert event == {
        "type": "chat.user.join",
        "user_id": newcomer.pk,
        "message": {
            "id": joined.pk,
            "message": f"{newcomer.username} 님이 입장했습니다.",
            "created_at": joined.created_at.isoformat(),
            "chatroom": room.pk,
            "user": None,
            "kind": "join",
        },
    }
    await db(system_message_post)(room=room, kind="ban", text="내보냈어요.", user_id=newcomer.pk)
    event = await comm.receive_json_from()
    assert event["type"] == "chat.user.leave" and event["user_id"] == newcomer.pk
    assert event["message"]["user"] is None
    await comm.disconnect()


# --- leaving, banning, deleting -----------------------------------------------------------


async def test_removed_member_socket_is_closed_and_hears_nothing_more(people, room):
    host, guest, _ = people
    host_socket = await connected(path(room, f"token={await atoken(host)}"), origin=False)
    guest_socket = await connected(path(room, f"token={await atoken(guest)}"), origin=False)

    def ban_guest():
        from django.db import transaction

        with transaction.atomic():
            Participation.objects.filter(user=guest).delete()
            system_message_post(room=room, kind="ban", text="내보냄", user_id=guest.pk)
            member_sockets_close(room_id=room.pk, user_id=guest.pk)

    await db(ban_guest)()
    leave = await guest_socket.receive_json_from()
    assert leave["type"] == "chat.user.leave" and leave["user_id"] == guest.pk
    closed = await guest_socket.receive_output()
    assert closed == {"type": "websocket.close", "code": 4003}
    assert (await host_socket.receive_json_from())["user_id"] == guest.pk
    await host_socket.send_json_to({"message": "이제 없지?"})
    await host_socket.receive_json_from()
    assert await guest_socket.receive_nothing()
    # And cannot come back.
    assert await refused(path(room, f"token={await atoken(guest)}"), origin=False)
    await host_socket.disconnect()


async def test_deleting_the_room_closes_every_socket_with_4040(people, room):
    host, guest, _ = people
    sockets = [
        await connected(path(room, f"token={await atoken(host)}"), origin=False),
        await connected(path(room, f"token={await atoken(guest)}"), origin=False),
    ]

    def delete():
        from django.db import transaction

        with transaction.atomic():
            room_sockets_close_deleted(room_id=room.pk)
            GroupOrder.objects.filter(pk=room.group_order_id).delete()

    await db(delete)()
    for comm in sockets:
        assert await comm.receive_output() == {"type": "websocket.close", "code": 4040}


async def test_post_by_a_member_removed_before_the_close_arrives_is_refused(people, room):
    host, guest, _ = people
    comm = await connected(path(room, f"token={await atoken(guest)}"), origin=False)
    await db(Participation.objects.filter(user=guest).delete)()
    await comm.send_json_to({"message": "몰래"})
    event = await comm.receive_json_from()
    assert event["type"] == "error" and event["code"] == "not_member"
    assert await db(Message.objects.count)() == 0
    await comm.disconnect()


# --- catch-up -------------------------------------------------------------------------------


async def test_reconnect_with_after_catches_up_in_order_without_duplicates(people, room):
    host, guest, _ = people
    posted = []
    for n in range(5):
        posted.append(await db(message_post)(room_id=room.pk, user=host, text=f"메시지 {n}"))
    last_seen = posted[1].pk
    comm = await connected(
        path(room, f"token={await atoken(guest)}&after={last_seen}"), origin=False
    )
    got = [await comm.receive_json_from() for _ in range(3)]
    assert [e["message"]["id"] for e in got] == [m.pk for m in posted[2:]]
    assert await comm.receive_nothing()
    live = await db(message_post)(room_id=room.pk, user=host, text="실시간")
    event = await comm.receive_json_from()
    assert event["message"]["id"] == live.pk
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_catch_up_includes_system_events_with_user_id(people, room):
    host, guest, newcomer = people
    await db(system_message_post)(room=room, kind="leave", text="나감", user_id=newcomer.pk)
    comm = await connected(path(room, f"token={await atoken(guest)}&after=0"), origin=False)
    event = await comm.receive_json_from()
    assert event["type"] == "chat.user.leave" and event["user_id"] == newcomer.pk
    await comm.disconnect()


async def test_messages_saved_while_connecting_arrive_exactly_once(people, room):
    """Messages committed around the handshake come either through catch-up or live."""
    import asyncio

    host, guest, _ = people
    first = await db(message_post)(room_id=room.pk, user=host, text="처음")

    async def writer():
        ids = []
        for n in range(20):
            ids.append((await db(message_post)(room_id=room.pk, user=host, text=f"동시 {n}")).pk)
        return ids

    task = asyncio.create_task(writer())
    comm = await connected(
        path(room, f"token={await atoken(guest)}&after={first.pk}"), origin=False
    )
    ids = await task
    received = []
    while len(received) < len(ids):
        received.append((await comm.receive_json_from(timeout=2))["message"]["id"])
    assert received == ids
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_bad_after_gets_an_error_but_the_socket_opens(people, room):
    comm = await connected(
        path(room, f"token={await atoken(guest_of(people))}&after=abc"), origin=False
    )
    assert (await comm.receive_json_from())["code"] == "invalid_after"
    await comm.disconnect()


def guest_of(people):
    return people[1]


async def test_chat_line_reaches_chat_and_notification_sockets_as_the_same_message(people, room):
    """Pre-encoded fan-out: each socket gets valid JSON carrying the same message object,
    text with quotes, backslashes and markup included; only the author sees their email."""
    host, guest, _ = people
    text = '따옴표 " 역슬래시 \\ <b>굵게</b> "email": ""'
    chat = await connected(path(room, f"token={await atoken(guest)}"), origin=False)
    own = await connected(path(room, f"token={await atoken(host)}"), origin=False)
    notes = await connected("/ws/notifications/", cookie=await db(session_cookie)(guest))
    assert (await notes.receive_json_from())["type"] == "unread"
    await own.send_json_to({"message": text})
    mine = await own.receive_json_from()
    theirs = await chat.receive_json_from()
    note = await notes.receive_json_from()
    assert mine["message"]["message"] == theirs["message"]["message"] == text
    assert mine["message"]["user"]["email"] == host.email
    assert theirs["message"]["user"]["email"] == ""
    assert {**mine["message"], "user": theirs["message"]["user"]} == theirs["message"]
    assert note["type"] == "chat.unread" and note["room_id"] == room.pk
    assert (note["unread"], note["chats"]) == (1, 1)
    assert note["message"] == theirs["message"]
    for comm in (chat, own, notes):
        await comm.disconnect()
