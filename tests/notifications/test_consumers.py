"""The per-user socket keeps badges and the "내 채팅" list live."""

from __future__ import annotations

import pytest

from mealbuddy.chat.services import message_post, room_mark_read, system_message_post
from mealbuddy.groupbuys.models import Participation
from mealbuddy.notifications.services import notifications_create, notifications_mark_read
from tests.chat.helpers import atoken, communicator, connected, db, room_with, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/notifications/"


async def test_counts_on_connect_then_chat_unread_live(people, room):
    host, guest, _ = people
    await db(message_post)(room_id=room.pk, user=host, text="먼저 온 메시지")
    comm = await connected(PATH, cookie=await db(session_cookie)(guest))
    first = await comm.receive_json_from()
    assert first == {"type": "unread", "notifications": 0, "chats": 1, "rooms": {str(room.pk): 1}}
    await db(message_post)(room_id=room.pk, user=host, text="새 메시지")
    event = await comm.receive_json_from()
    assert event["type"] == "chat.unread"
    assert (event["room_id"], event["unread"], event["chats"]) == (room.pk, 2, 2)
    assert event["message"]["message"] == "새 메시지"
    # My own message moves nothing.
    await db(message_post)(room_id=room.pk, user=guest, text="내 답장")
    event = await comm.receive_json_from()
    assert (event["unread"], event["chats"]) == (2, 2)
    # Reading the room (from another tab or the chat page) drops the badge.
    await db(room_mark_read)(room_id=room.pk, user=guest)
    event = await comm.receive_json_from()
    assert event == {"type": "unread", "notifications": 0, "chats": 0, "rooms": {str(room.pk): 0}}
    await comm.disconnect()


async def test_notification_pushed_then_count_drops_when_read(people, room):
    host, guest, _ = people
    comm = await connected(f"{PATH}?token={await atoken(host)}", origin=False)
    await comm.receive_json_from()

    def notify():
        return notifications_create(users=[host, host], kind="joined", text="이웃 님이 참여했어요.")

    created = await db(notify)()
    assert len(created) == 1
    event = await comm.receive_json_from()
    assert event["type"] == "notification" and event["notifications"] == 1
    assert event["notification"]["text"] == "이웃 님이 참여했어요."
    assert event["notification"]["read"] is False
    await db(notifications_mark_read)(user=host)
    event = await comm.receive_json_from()
    assert event["type"] == "unread" and event["notifications"] == 0
    await comm.disconnect()


async def test_joining_a_room_starts_following_it_and_leaving_stops(people, room):
    host, guest, newcomer = people
    comm = await connected(f"{PATH}?token={await atoken(newcomer)}", origin=False)
    assert (await comm.receive_json_from())["chats"] == 0

    def join():
        Participation.objects.create(group_order=room.group_order, user=newcomer)
        system_message_post(room=room, kind="join", text="입장", user_id=newcomer.pk)

    await db(join)()
    event = await comm.receive_json_from()
    # Their own join line is already read.
    assert event == {"type": "unread", "notifications": 0, "chats": 0, "rooms": {str(room.pk): 0}}
    await db(message_post)(room_id=room.pk, user=host, text="환영해요")
    assert (await comm.receive_json_from())["unread"] == 1

    def leave():
        Participation.objects.filter(user=newcomer).delete()
        system_message_post(room=room, kind="leave", text="퇴장", user_id=newcomer.pk)

    await db(leave)()
    event = await comm.receive_json_from()
    assert event["type"] == "unread" and event["rooms"] == {}
    await db(message_post)(room_id=room.pk, user=host, text="이제 안 들려요")
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_other_peoples_rooms_are_not_followed(people, room):
    host, guest, outsider = people
    other = await db(room_with)(outsider)
    comm = await connected(f"{PATH}?token={await atoken(guest)}", origin=False)
    await comm.receive_json_from()
    await db(message_post)(room_id=other.pk, user=outsider, text="혼잣말")
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_refused_without_credentials_or_with_cookie_but_no_origin(people):
    for kwargs in ({}, {"origin": False, "cookie": await db(session_cookie)(people[0])}):
        comm = communicator(PATH, **kwargs)
        ok, _ = await comm.connect()
        assert not ok
