from __future__ import annotations

import re

import pytest
from django.test import Client

from mealbuddy.chat.models import ReadState
from mealbuddy.chat.services import message_post
from tests.chat.helpers import room_with
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(seogyo):
    return UserFactory(), UserFactory(), UserFactory()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_my_chats_page_lists_my_rooms_with_unread_and_escaped_text(
    trio, django_assert_max_num_queries
):
    host, guest, _ = trio
    room = room_with(host, guest, title="떡볶이 모임")
    room_with(host, title="남의 방")
    message_post(room_id=room.pk, user=host, text="<script>alert(1)</script>")
    client = logged_in(guest)
    with django_assert_max_num_queries(8):
        page = client.get("/chats/").content.decode()
    assert "떡볶이 모임" in page and "남의 방" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert f'data-room-unread="{room.pk}"' in page
    # The navigation badge shows the unread count.
    assert re.search(r'data-badge="chats"\s*>1<', page)


def test_opening_a_room_marks_it_read(trio):
    host, guest, _ = trio
    room = room_with(host, guest)
    last = message_post(room_id=room.pk, user=host, text="읽어 주세요")
    response = logged_in(guest).get(f"/chats/{room.pk}/")
    assert response.status_code == 200
    assert ReadState.objects.get(room=room, user=guest).last_read_message_id == last.pk
    assert b"data-chat-room" in response.content
    assert b'<label for="chat-input"' in response.content


def test_room_page_refuses_non_members_and_missing_rooms(trio):
    host, guest, outsider = trio
    room = room_with(host, guest)
    assert logged_in(outsider).get(f"/chats/{room.pk}/").status_code == 403
    assert logged_in(outsider).get(f"/chats/{room.pk + 500}/").status_code == 404
    assert Client().get(f"/chats/{room.pk}/").status_code == 302


def test_notifications_page_shows_mine_and_marks_them_read(trio):
    from mealbuddy.notifications.models import Notification
    from mealbuddy.notifications.services import notifications_create

    me, other, _ = trio
    notifications_create(users=[me], kind="banned", text="<b>강퇴</b>됐어요", url="/chats/")
    notifications_create(users=[other], kind="joined", text="남의 알림")
    page = logged_in(me).get("/notifications/").content.decode()
    assert "&lt;b&gt;강퇴&lt;/b&gt;됐어요" in page and "남의 알림" not in page
    assert "notification-unread" in page
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).exists()


def test_our_chat_pages_use_only_the_native_api():
    # The original client's /api/chat/... endpoints are for that client; our own pages and
    # scripts talk to /api/chats/... and /api/groupbuys/... (the chat journey drives them).
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [
        *(root / "static" / "js").glob("chat*.js"),
        *(root / "mealbuddy" / "chat" / "templates").rglob("*.html"),
    ]
    assert len(sources) >= 4
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "/api/chat/" not in text, path
    room_js = (root / "static" / "js" / "chat-room.js").read_text(encoding="utf-8")
    assert "/api/groupbuys/${orderId}/leave/" in room_js
    assert "/api/groupbuys/${orderId}/ban/" in room_js


def test_room_page_leave_and_ban_calls_work_as_the_script_sends_them(trio):
    # chat-room.js: POST /api/groupbuys/<order>/leave/ and .../ban/ {"user_id"} with the
    # session cookie and X-CSRFToken, the order id read from data-group-order-id.
    host, guest, third = trio
    room = room_with(host, guest, third)
    order_id = room.group_order_id

    def browser(user) -> tuple[Client, str]:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        page = client.get(f"/chats/{room.pk}/").content.decode()
        assert f'data-group-order-id="{order_id}"' in page
        return client, client.cookies["csrftoken"].value

    client, token = browser(guest)
    assert client.post(f"/api/groupbuys/{order_id}/leave/").status_code == 403  # no CSRF
    response = client.post(f"/api/groupbuys/{order_id}/leave/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json() == {"left": True}

    client, token = browser(host)
    response = client.post(
        f"/api/groupbuys/{order_id}/ban/",
        {"user_id": third.pk},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    assert logged_in(third).get(f"/chats/{room.pk}/").status_code == 403
