"""Every /api/chat/ row of API_CONTRACT.md, through the group-order services."""

from __future__ import annotations

import pytest
from django.test.utils import CaptureQueriesContext

from mealbuddy.chat.models import ChatRoom, Message
from mealbuddy.groupbuys.models import Ban, GroupOrder, Participation
from mealbuddy.groupbuys.services import groupbuy_create, groupbuy_join
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(seogyo):
    return UserFactory()


@pytest.fixture
def order(host):
    return groupbuy_create(host=host, title="치킨 같이 시켜요", category="치킨", target_count=3)


@pytest.fixture
def room(order):
    return ChatRoom.objects.get(group_order=order)


def url(room, tail=""):
    return f"/api/chat/{room.pk}/{tail}"


def assert_room_state(body, order, host, viewer):
    assert set(body) == {"messages", "title", "target_number", "join_number", "writer"}
    assert body["title"] == order.title
    assert body["target_number"] == order.target_count
    assert body["writer"] == {
        "id": host.pk,
        "username": host.username,
        "email": host.email if viewer == host else "",
    }


def test_get_room_state_for_members(room, order, host):
    guest = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=guest)
    body = client_for(host).get(url(room)).json()
    assert_room_state(body, order, host, host)
    assert body["join_number"] == 2
    [joined] = body["messages"]
    assert joined["user"] is None and joined["message"] == f"{guest.username} 님이 입장했습니다."
    assert set(joined) >= {"id", "message", "created_at", "chatroom", "user"}
    assert joined["chatroom"] == room.pk


def test_get_returns_latest_100_oldest_first_in_fixed_queries(room, host):
    Message.objects.bulk_create([Message(room=room, user=host, text=f"m{i}") for i in range(1000)])
    client = client_for(host)
    client.get(url(room))  # marks read once
    from django.db import connection

    with CaptureQueriesContext(connection) as small:
        client.get(url(room))
    Message.objects.bulk_create([Message(room=room, user=host, text="more") for _ in range(500)])
    client.get(url(room))
    with CaptureQueriesContext(connection) as big:
        body = client.get(url(room)).json()
    assert len(big) == len(small) <= 6
    texts = [m["message"] for m in body["messages"]]
    assert len(texts) == 100 and texts[-1] == "more"
    ids = [m["id"] for m in body["messages"]]
    assert ids == sorted(ids) and ids[-1] == Message.objects.order_by("-id").first().pk


def test_get_refuses_non_members_403_and_missing_rooms_400(room):
    outsider = client_for(UserFactory())
    response = outsider.get(url(room))
    assert response.status_code == 403
    missing = outsider.get(f"/api/chat/{room.pk + 1000}/")
    assert missing.status_code == 400
    assert missing.json()["errors"]["error"]


def test_post_joins_and_answers_the_room_state(room, order, host):
    guest = UserFactory()
    client = client_for(guest)
    response = client.post(url(room))
    assert response.status_code == 200
    assert_room_state(response.json(), order, host, guest)
    assert response.json()["join_number"] == 2
    # Joining again is a no-op.
    again = client.post(url(room))
    assert again.status_code == 200 and again.json()["join_number"] == 2
    assert Participation.objects.filter(group_order=order).count() == 2


def test_post_refusals_are_400_json_strings(room, order, host):
    for _ in range(2):
        assert client_for(UserFactory()).post(url(room)).status_code == 200
    full = client_for(UserFactory()).post(url(room))
    assert full.status_code == 400
    assert isinstance(full.json(), str) and full.json()
    missing = client_for(UserFactory()).post(f"/api/chat/{room.pk + 1000}/")
    assert missing.status_code == 400 and isinstance(missing.json(), str)


def test_post_refuses_banned_users_with_a_string(room, order, host):
    guest = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=guest)
    client_for(host).post(url(room, "user/ban/"), {"target_user_id": guest.pk})
    again = client_for(guest).post(url(room))
    assert again.status_code == 400 and isinstance(again.json(), str)


def test_delete_room_is_writer_only(room, order, host):
    guest = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=guest)
    assert client_for(guest).delete(url(room)).status_code == 403
    assert ChatRoom.objects.filter(pk=room.pk).exists()
    assert client_for(host).delete(url(room)).status_code == 202
    assert not ChatRoom.objects.filter(pk=room.pk).exists()
    assert not GroupOrder.objects.filter(pk=order.pk).exists()
    assert client_for(host).delete(url(room)).status_code == 400


def test_members_list(room, order, host):
    guest = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=guest)
    body = client_for(guest).get(url(room, "user/")).json()
    assert body == [
        {"user": {"id": host.pk, "username": host.username, "email": ""}},
        {"user": {"id": guest.pk, "username": guest.username, "email": guest.email}},
    ]
    assert client_for(UserFactory()).get(url(room, "user/")).status_code == 403


def test_leave_is_202_then_400_and_the_writer_cannot_leave(room, order, host):
    guest = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=guest)
    client = client_for(guest)
    assert client.delete(url(room, "user/")).status_code == 202
    assert not Participation.objects.filter(group_order=order, user=guest).exists()
    assert client.get(url(room)).status_code == 403
    assert client.delete(url(room, "user/")).status_code == 400
    writer = client_for(host).delete(url(room, "user/"))
    assert writer.status_code == 400 and writer.json()["errors"]
    assert Message.objects.filter(room=room, kind="leave").count() == 1


def test_ban_is_writer_only_and_final(room, order, host):
    guest, other = UserFactory(), UserFactory()
    groupbuy_join(group_order_id=order.pk, user=guest)
    groupbuy_join(group_order_id=order.pk, user=other)
    assert (
        client_for(other).post(url(room, "user/ban/"), {"target_user_id": guest.pk}).status_code
        == 403
    )
    # The client posts the ban form as multipart.
    response = client_for(host).post(
        url(room, "user/ban/"), {"target_user_id": str(guest.pk)}, format="multipart"
    )
    assert response.status_code == 202
    assert Ban.objects.filter(group_order=order, user=guest).exists()
    assert not Participation.objects.filter(group_order=order, user=guest).exists()
    assert client_for(guest).get(url(room)).status_code == 403


@pytest.mark.parametrize("body", [{}, {"target_user_id": "abc"}, {"target_user_id": 999999}])
def test_ban_bad_input_is_400(room, host, body):
    response = client_for(host).post(url(room, "user/ban/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]
