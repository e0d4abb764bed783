"""'Chat message while away': members who leave messages unread get one push per stretch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.chat.models import ChatRoom, Message
from mealbuddy.chat.services import chat_away_push, message_post, room_mark_read
from mealbuddy.groupbuys.services import groupbuy_join
from mealbuddy.notifications.models import PushOptOut
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.push_service import PushService

pytestmark = pytest.mark.django_db


@pytest.fixture
def push_service(settings):
    settings.PUSH_HTTP_HOSTS = ["127.0.0.1"]
    settings.PUSH_CHAT_AWAY_MINUTES = 5
    with PushService(vapid_public_key=settings.VAPID_PUBLIC_KEY) as service:
        yield service
    assert not service.rejected, service.rejected


@pytest.fixture
def room_with_members():
    host = UserFactory(username="방장")
    guest = UserFactory(username="손님")
    order = make_order(host, title="떡볶이 같이")
    groupbuy_join(group_order_id=order.pk, user=guest)
    return ChatRoom.objects.get(group_order=order), host, guest


def subscribe(user, service):
    sub = service.subscription()
    response = client_for(user).post("/api/push/subscriptions/", sub.as_json(), format="json")
    assert response.status_code == 201
    return sub


def age(minutes: int) -> None:
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))


def test_a_member_who_left_a_message_unread_for_minutes_is_pushed_once(
    push_service, room_with_members
):
    room, host, guest = room_with_members
    host_sub, guest_sub = subscribe(host, push_service), subscribe(guest, push_service)
    message_post(room_id=room.pk, user=guest, text="저 도착했어요")
    assert chat_away_push() == 0  # just posted: nobody is "away" yet
    age(6)
    assert chat_away_push() == 1
    assert push_service.received(host_sub) == [
        {
            "title": "밀버디 · 새 채팅",
            "body": "'떡볶이 같이' 채팅방에 읽지 않은 메시지가 있어요.",
            "url": f"/chats/{room.pk}/",
            "tag": f"chat-{room.pk}",
        }
    ]
    assert push_service.received(guest_sub) == []  # the author is not told about themself
    # More messages while still away: no second push every minute.
    message_post(room_id=room.pk, user=guest, text="어디세요?")
    age(7)
    assert chat_away_push() == 0
    assert len(push_service.received(host_sub)) == 1
    # Read, then away again: the next stretch is pushed.
    room_mark_read(room_id=room.pk, user=host)
    message_post(room_id=room.pk, user=guest, text="다 식어요")
    age(8)
    assert chat_away_push() == 1
    assert len(push_service.received(host_sub)) == 2


def test_a_member_who_reads_the_room_is_not_pushed(push_service, room_with_members):
    room, host, guest = room_with_members
    host_sub = subscribe(host, push_service)
    message_post(room_id=room.pk, user=guest, text="안녕하세요")
    room_mark_read(room_id=room.pk, user=host)
    age(10)
    assert chat_away_push() == 0
    assert push_service.attempts(host_sub) == 0


def test_chat_pushes_switched_off_are_not_sent(push_service, room_with_members):
    room, host, guest = room_with_members
    host_sub = subscribe(host, push_service)
    PushOptOut.objects.create(user=host, kind="chat")
    message_post(room_id=room.pk, user=guest, text="안녕하세요")
    age(10)
    assert chat_away_push() == 0
    assert push_service.attempts(host_sub) == 0


def test_a_former_member_is_not_pushed(push_service, room_with_members):
    from mealbuddy.groupbuys.services import groupbuy_leave

    room, host, guest = room_with_members
    guest_sub = subscribe(guest, push_service)
    message_post(room_id=room.pk, user=host, text="곧 주문할게요")
    groupbuy_leave(group_order_id=room.group_order_id, user=guest)
    age(10)
    assert chat_away_push() == 0
    assert push_service.attempts(guest_sub) == 0
