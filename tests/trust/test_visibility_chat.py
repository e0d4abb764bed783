"""Blocks in chat rooms both people are in (issue 12): the room stays usable, the blocked
person's messages are hidden for the blocker in every read (history API, the original
client's room state, catch-up) and on the live socket, and never count as unread; a message a
moderator hid reads "숨겨진 메시지예요" for everyone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mealbuddy.chat import selectors
from mealbuddy.chat.models import Message
from mealbuddy.chat.services import message_post
from mealbuddy.trust.services import block_create, block_delete
from tests.chat.helpers import atoken, connected, db, room_with
from tests.conftest import client_for
from tests.factories import UserFactory

HIDDEN = "숨겨진 메시지예요"


@pytest.fixture
def trio(seogyo):
    return UserFactory(username="방장"), UserFactory(username="괴롭히는이"), UserFactory()


def history(user, room) -> list[str]:
    body = client_for(user).get(f"/api/chats/{room.pk}/messages/").json()
    return [m["message"] for m in body["messages"]]


def compat_state(user, room) -> list[str]:
    return [m["message"] for m in client_for(user).get(f"/api/chat/{room.pk}/").json()["messages"]]


@pytest.mark.django_db
def test_blocked_authors_messages_are_hidden_for_the_blocker_only(trio):
    host, pest, third = trio
    room = room_with(host, pest, third)
    message_post(room_id=room.pk, user=pest, text="이상한 말")
    message_post(room_id=room.pk, user=host, text="방장 공지")
    block_create(blocker=host, blocked_id=pest.pk)
    message_post(room_id=room.pk, user=pest, text="차단 뒤에 한 말")
    for read in (history, compat_state):
        assert read(host, room) == ["방장 공지"]
        # The room stays usable: the blocked person still reads the host, others read all.
        assert read(pest, room) == ["이상한 말", "방장 공지", "차단 뒤에 한 말"]
        assert read(third, room) == ["이상한 말", "방장 공지", "차단 뒤에 한 말"]
    # Catch-up after a reconnect too.
    assert [
        m.text for m in selectors.messages_after(room_id=room.pk, after=0, viewer_id=host.pk)
    ] == ["방장 공지"]
    block_delete(blocker=host, blocked_id=pest.pk)
    assert history(host, room) == ["이상한 말", "방장 공지", "차단 뒤에 한 말"]


@pytest.mark.django_db
def test_blocked_authors_messages_never_count_as_unread(trio):
    host, pest, third = trio
    room = room_with(host, pest, third)
    block_create(blocker=host, blocked_id=pest.pk)
    message_post(room_id=room.pk, user=pest, text="하나")
    message_post(room_id=room.pk, user=pest, text="둘")
    assert selectors.room_unread_counts(user=host) == {room.pk: 0}
    assert selectors.chat_unread_total(user=host) == 0
    assert selectors.room_unread_counts(user=third) == {room.pk: 2}
    # "내 채팅" does not show the blocked person's line as the room's last message either.
    message_post(room_id=room.pk, user=third, text="셋")
    message_post(room_id=room.pk, user=pest, text="넷")
    body = client_for(host).get("/api/chats/").json()
    assert body["unread"] == 1
    assert body["rooms"][0]["last_message"]["message"] == "셋"


@pytest.mark.django_db
def test_hidden_message_reads_as_a_note_everywhere(trio):
    host, pest, third = trio
    room = room_with(host, pest, third)
    message = message_post(room_id=room.pk, user=pest, text="지워야 할 말")
    Message.objects.filter(pk=message.pk).update(hidden_at=timezone.now())
    for user in trio:
        assert history(user, room) == [HIDDEN]
        assert compat_state(user, room) == [HIDDEN]
    body = client_for(third).get(f"/api/chats/{room.pk}/messages/").json()
    assert body["messages"][0]["hidden"] is True
    assert "지워야 할 말" not in client_for(third).get(f"/api/chat/{room.pk}/").content.decode()


# --- the live socket -------------------------------------------------------------------------


def ws(room, token):
    return f"/ws/chat/{room.pk}/?token={token}"


@pytest.mark.django_db(transaction=True)
async def test_live_socket_does_not_deliver_a_blocked_authors_message(people, room):
    host, guest, _ = people
    await db(block_create)(blocker=host, blocked_id=guest.pk)
    host_socket = await connected(ws(room, await atoken(host)), origin=False)
    guest_socket = await connected(ws(room, await atoken(guest)), origin=False)
    await guest_socket.send_json_to({"message": "들리나요"})
    echo = await guest_socket.receive_json_from()
    assert echo["message"]["message"] == "들리나요"  # the sender still gets the echo
    assert await host_socket.receive_nothing(timeout=0.3)
    # The host's own messages still reach the person they blocked.
    await host_socket.send_json_to({"message": "공지예요"})
    assert (await host_socket.receive_json_from())["message"]["message"] == "공지예요"
    assert (await guest_socket.receive_json_from())["message"]["message"] == "공지예요"
    await host_socket.disconnect()
    await guest_socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_blocking_while_connected_takes_effect_on_the_open_socket(people, room):
    host, guest, _ = people
    host_socket = await connected(ws(room, await atoken(host)), origin=False)
    await db(message_post)(room_id=room.pk, user=guest, text="차단 전")
    assert (await host_socket.receive_json_from())["message"]["message"] == "차단 전"
    await db(block_create)(blocker=host, blocked_id=guest.pk)
    await host_socket.receive_nothing(timeout=0.2)  # let trust.blocks_changed arrive
    await db(message_post)(room_id=room.pk, user=guest, text="차단 뒤")
    assert await host_socket.receive_nothing(timeout=0.3)
    await db(block_delete)(blocker=host, blocked_id=guest.pk)
    await host_socket.receive_nothing(timeout=0.2)
    await db(message_post)(room_id=room.pk, user=guest, text="풀고 나서")
    assert (await host_socket.receive_json_from())["message"]["message"] == "풀고 나서"
    await host_socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_catch_up_skips_blocked_authors_and_masks_hidden_messages(people, room):
    host, guest, third = people
    await db(block_create)(blocker=host, blocked_id=guest.pk)
    first = await db(message_post)(room_id=room.pk, user=host, text="시작")
    await db(message_post)(room_id=room.pk, user=guest, text="안 보여야 해요")
    third_message = await db(Message.objects.create)(room=room, user=host, text="숨길 말")
    await db(Message.objects.filter(pk=third_message.pk).update)(hidden_at=timezone.now())
    socket = await connected(ws(room, await atoken(host)) + f"&after={first.pk}", origin=False)
    event = await socket.receive_json_from()
    # The original client's socket: the placeholder in the contract's own shape (no new key).
    assert event["message"]["message"] == HIDDEN and "hidden" not in event["message"]
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_notification_socket_does_not_count_a_blocked_authors_message(people, room):
    host, guest, third = people
    await db(block_create)(blocker=host, blocked_id=guest.pk)
    await db(Message.objects.create)(room=room, user=host, text="시작")
    comm = await connected(f"/ws/notifications/?token={await atoken(host)}", origin=False)
    first = await comm.receive_json_from()
    assert first["type"] == "unread" and first["chats"] == 0
    await db(message_post)(room_id=room.pk, user=guest, text="안 세요")
    assert await comm.receive_nothing(timeout=0.3)
    # Unblocking (in any tab) refreshes the counts; new lines from them count again.
    await db(block_delete)(blocker=host, blocked_id=guest.pk)
    refreshed = await comm.receive_json_from()
    assert refreshed["type"] == "unread" and refreshed["chats"] == 1
    await db(message_post)(room_id=room.pk, user=guest, text="세요")
    event = await comm.receive_json_from()
    assert event["type"] == "chat.unread" and event["unread"] == 2
    await comm.disconnect()


@pytest.mark.django_db
def test_notifications_skip_whoever_blocked_the_actor(trio):
    from mealbuddy.notifications.models import Notification
    from mealbuddy.notifications.services import notifications_create

    host, pest, third = trio
    block_create(blocker=host, blocked_id=pest.pk)
    made = notifications_create(
        users=[host, third], kind=Notification.Kind.JOINED, text="참여했어요", actor_id=pest.pk
    )
    assert [n.user_id for n in made] == [third.pk]
