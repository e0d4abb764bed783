"""Issue 11, chat: a host's own actions are never unread for them, authors' photos in our own
payloads (REST and the page socket, never the original client's), the room header."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from mealbuddy.accounts.models import Profile
from mealbuddy.chat.models import ChatRoom, Message
from mealbuddy.chat.selectors import chat_unread_total, room_unread_counts
from mealbuddy.chat.services import message_post, room_event, room_mark_read
from mealbuddy.groupbuys import services, settlement
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db


def unread(user, room) -> int:
    """The room's unread count for ``user``, and the navigation total agrees with it."""
    count = room_unread_counts(user=user).get(room.pk, 0)
    assert chat_unread_total(user=user) == count
    return count


@pytest.fixture
def trio(seogyo):
    host, kim, lee = UserFactory(username="방장"), UserFactory(username="김"), UserFactory()
    order = make_order(host, target_count=4, delivery_fee=3000)
    for user in (kim, lee):
        services.groupbuy_join(group_order_id=order.pk, user=user)
    room = ChatRoom.objects.get(group_order=order)
    for user in (host, kim, lee):
        room_mark_read(room_id=room.pk, user=user)
    return order, room, host, kim, lee


def test_the_hosts_status_changes_and_settlement_steps_are_not_unread_for_the_host(trio):
    order, room, host, kim, lee = trio
    services.groupbuy_close(group_order_id=order.pk, user=host)
    assert (unread(host, room), unread(kim, room), unread(lee, room)) == (0, 1, 1)

    # "주문완료" posts two lines (the status and how to settle): both the host's doing.
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    assert (unread(host, room), unread(kim, room)) == (0, 3)
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    assert (unread(host, room), unread(kim, room)) == (0, 4)

    # A member's own "받았어요" is not unread for them either; it is for the host.
    settlement.groupbuy_received(group_order_id=order.pk, user=kim)
    assert (unread(host, room), unread(kim, room), unread(lee, room)) == (1, 4, 5)
    lines = Message.objects.filter(room=room, kind=Message.Kind.STATUS).order_by("id")
    assert [m.actor_id for m in lines] == [host.pk] * 4 + [kim.pk]


def test_a_ban_is_not_unread_for_the_host_and_other_peoples_lines_still_are(trio):
    order, room, host, kim, lee = trio
    services.groupbuy_ban(group_order_id=order.pk, host=host, target_user_id=lee.pk)
    assert (unread(host, room), unread(kim, room)) == (0, 1)
    # Only lines the host caused are skipped: a member's message still counts for the host.
    message_post(room_id=room.pk, user=kim, text="언제 주문해요?")
    assert (unread(host, room), unread(kim, room)) == (1, 1)
    # And an earlier unread message stays unread after the host acts (no read mark moved).
    services.groupbuy_close(group_order_id=order.pk, user=host)
    assert (unread(host, room), unread(kim, room)) == (1, 2)


def test_the_hosts_status_changes_and_edits_over_the_api_are_not_unread_for_the_host(trio):
    order, room, host, kim, _ = trio
    status = f"/api/groupbuys/{order.pk}/status/"
    for value in ("closed", "recruiting"):
        assert client_for(host).post(status, {"status": value}, format="json").status_code < 300
    # Lowering the target to the headcount closes the order: an edit, the host's doing too.
    edit = client_for(host).patch(f"/api/groupbuys/{order.pk}/", {"target_count": 3}, format="json")
    assert edit.status_code == 200
    assert (unread(host, room), unread(kim, room)) == (0, 3)


def test_the_event_of_a_host_caused_line_names_its_actor_for_notification_sockets(trio):
    order, room, host, *_ = trio
    services.groupbuy_close(group_order_id=order.pk, user=host)
    line = Message.objects.filter(room=room).latest("id")
    event = room_event(line)
    assert event["actor_id"] == host.pk
    # Not in what any client receives.
    assert "actor_id" not in event["text"] and "actor_id" not in json.dumps(event["payload"])


# --- photos ------------------------------------------------------------------------------------


def give_avatar(user) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 80, 20)).save(buffer, "PNG")
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.avatar.save("a.png", SimpleUploadedFile("a.png", buffer.getvalue()), save=True)
    return profile.avatar.url


def test_history_post_and_members_of_our_api_carry_the_authors_photo(
    trio, tmp_path, settings, django_assert_max_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    order, room, host, kim, lee = trio
    url = give_avatar(kim)
    for i in range(5):
        message_post(room_id=room.pk, user=kim if i % 2 else lee, text=f"메시지 {i}")
    client = client_for(host)
    with django_assert_max_num_queries(8):
        body = client.get(f"/api/chats/{room.pk}/messages/").json()
    people = {m["user"]["id"]: m["user"] for m in body["messages"] if m["user"]}
    assert people[kim.pk]["avatar"] == url
    assert people[lee.pk]["avatar"] is None
    posted = client_for(kim).post(
        f"/api/chats/{room.pk}/messages/", {"message": "사진 있어요"}, format="json"
    )
    assert posted.json()["message"]["user"]["avatar"] == url
    members = client.get(f"/api/chats/{room.pk}/members/").json()["members"]
    assert {m["id"]: m["avatar"] for m in members} == {host.pk: None, kim.pk: url, lee.pk: None}


def test_the_page_socket_event_carries_the_photo_and_the_original_clients_does_not(
    trio, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    _, room, _, kim, _ = trio
    url = give_avatar(kim)
    event = room_event(message_post(room_id=room.pk, user=kim, text="안녕", broadcast=False))
    page = json.loads(event["page_text"])
    assert page["message"]["user"]["avatar"] == url
    assert page["type"] == "chat.message" and page["message"]["message"] == "안녕"
    contract = json.loads(event["text"])
    assert set(contract["message"]["user"]) == {"id", "username", "email"}
    assert "avatar" not in event["message_text"]


def test_the_original_clients_room_state_keeps_its_shape(trio, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    _, room, host, kim, _ = trio
    give_avatar(kim)
    message_post(room_id=room.pk, user=kim, text="안녕")
    body = client_for(host).get(f"/api/chat/{room.pk}/").json()
    assert set(body["messages"][-1]["user"]) == {"id", "username", "email"}
    assert set(body["writer"]) == {"id", "username", "email"}
    members = client_for(host).get(f"/api/chat/{room.pk}/user/").json()
    assert all(set(m["user"]) == {"id", "username", "email"} for m in members)


# --- the room page -----------------------------------------------------------------------------


def test_the_room_header_links_to_the_order_with_its_status_and_has_no_tab_bar(trio):
    order, room, host, kim, _ = trio
    client = Client()
    client.force_login(kim)
    page = client.get(f"/chats/{room.pk}/").content.decode()
    assert f'href="/groupbuys/{order.pk}/"' in page
    assert f'<span class="chip chat-status-chip">{order.status_label}</span>' in page
    assert 'class="tabbar"' not in page
    assert 'placeholder="메시지 보내기"' in page
    assert '<dialog id="chat-members"' in page
    # The board still has its tab bar.
    assert 'class="tabbar"' in client.get("/").content.decode()

    # After a status change the page asks for the header's status again (htmx partial).
    services.groupbuy_close(group_order_id=order.pk, user=host)
    order.refresh_from_db()
    part = client.get(f"/chats/{room.pk}/", headers={"HX-Request": "true"})
    assert part.status_code == 200
    text = part.content.decode()
    assert "모집마감" in text or order.status_label in text
    assert f">{order.status_label}<" in text and "<html" not in text


def test_the_room_page_and_its_header_part_cost_a_fixed_number_of_queries(
    trio, django_assert_max_num_queries
):
    order, room, host, kim, lee = trio
    for i in range(10):
        message_post(room_id=room.pk, user=kim if i % 2 else lee, text=f"메시지 {i}")
    client = Client()
    client.force_login(host)
    # Session, user, room, membership, the read mark (latest id, update, savepoint pair).
    with django_assert_max_num_queries(9):
        assert client.get(f"/chats/{room.pk}/").status_code == 200
    with django_assert_max_num_queries(5):
        part = client.get(f"/chats/{room.pk}/", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "HX-Request" in part["Vary"]
