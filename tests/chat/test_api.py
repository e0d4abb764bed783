"""History paging, "my chats", marking read, the navigation badge."""

from __future__ import annotations

import pytest
from django.test import Client

from mealbuddy.chat.models import Message
from mealbuddy.chat.services import message_post, system_message_post
from tests.chat.helpers import room_with
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(seogyo):
    return UserFactory(), UserFactory(), UserFactory()


def bulk_messages(room, user, n):
    Message.objects.bulk_create(
        [Message(room=room, user=user, text=f"메시지 {i}") for i in range(n)]
    )
    return list(Message.objects.filter(room=room).order_by("id").values_list("id", flat=True))


def test_history_pages_backwards_newest_page_first(trio, django_assert_max_num_queries):
    host, guest, _ = trio
    room = room_with(host, guest)
    ids = bulk_messages(room, host, 120)
    client = client_for(guest)
    with django_assert_max_num_queries(8):
        first = client.get(f"/api/chats/{room.pk}/messages/?limit=50").json()
    assert [m["id"] for m in first["messages"]] == ids[-50:]
    assert first["has_more"] is True and first["next_before"] == ids[-50]
    second = client.get(f"/api/chats/{room.pk}/messages/?before={first['next_before']}&limit=50")
    assert [m["id"] for m in second.json()["messages"]] == ids[-100:-50]
    last = client.get(f"/api/chats/{room.pk}/messages/?before={ids[-100]}&limit=50").json()
    assert [m["id"] for m in last["messages"]] == ids[:20]
    assert last["has_more"] is False and last["next_before"] is None
    # Default 50, at most 100.
    assert len(client.get(f"/api/chats/{room.pk}/messages/").json()["messages"]) == 50
    assert len(client.get(f"/api/chats/{room.pk}/messages/?limit=100").json()["messages"]) == 100


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "limit=abc", "before=x", "before=-1"])
def test_history_rejects_bad_paging_with_a_field_error(trio, query):
    host, guest, _ = trio
    room = room_with(host, guest)
    response = client_for(guest).get(f"/api/chats/{room.pk}/messages/?{query}")
    assert response.status_code == 400
    assert set(response.json()["errors"]) <= {"limit", "before"}


def test_history_is_for_members_only(trio):
    host, guest, outsider = trio
    room = room_with(host, guest)
    bulk_messages(room, host, 3)
    response = client_for(outsider).get(f"/api/chats/{room.pk}/messages/")
    assert response.status_code == 403
    assert "참여자" in response.json()["errors"]["error"][0]
    assert client_for(outsider).get(f"/api/chats/{room.pk + 99}/messages/").status_code == 404
    assert Client().get(f"/api/chats/{room.pk}/messages/").status_code in (401, 403)


def test_history_hides_other_peoples_emails(trio):
    host, guest, _ = trio
    room = room_with(host, guest)
    message_post(room_id=room.pk, user=host, text="안녕")
    message_post(room_id=room.pk, user=guest, text="반가워요")
    messages = client_for(guest).get(f"/api/chats/{room.pk}/messages/").json()["messages"]
    assert [m["user"]["email"] for m in messages] == ["", guest.email]


def test_my_chats_by_activity_with_last_message_and_unread(trio, django_assert_max_num_queries):
    me, a, b = trio
    quiet = room_with(a, me, title="조용한 방")
    busy = room_with(b, me, title="바쁜 방")
    room_with(a, b, title="남의 방")
    system_message_post(room=quiet, kind="join", text="입장", user_id=me.pk)
    message_post(room_id=quiet.pk, user=a, text="quiet 1")
    message_post(room_id=busy.pk, user=me, text="내가 먼저")
    for n in range(3):
        message_post(room_id=busy.pk, user=b, text=f"busy {n}")
    for n in range(5):  # more rooms must not cost more queries
        room_with(a, me, title=f"방 {n}")
    client = client_for(me)
    with django_assert_max_num_queries(4):
        body = client.get("/api/chats/").json()
    titles = [r["title"] for r in body["rooms"]]
    assert titles.index("바쁜 방") < titles.index("조용한 방")
    rooms = {r["title"]: r for r in body["rooms"]}
    assert "남의 방" not in rooms
    assert rooms["바쁜 방"]["unread"] == 3
    assert rooms["바쁜 방"]["last_message"]["message"] == "busy 2"
    assert rooms["조용한 방"]["unread"] == 1  # my own join line does not count
    assert rooms["방 0"]["last_message"] is None and rooms["방 0"]["unread"] == 0
    assert body["unread"] == 4


def test_my_chats_ordered_by_latest_activity(trio):
    me, a, _ = trio
    first, second = room_with(a, me, title="첫째"), room_with(a, me, title="둘째")
    message_post(room_id=first.pk, user=a, text="최근")
    titles = [r["title"] for r in client_for(me).get("/api/chats/").json()["rooms"]]
    assert titles == ["첫째", "둘째"]
    message_post(room_id=second.pk, user=a, text="더 최근")
    titles = [r["title"] for r in client_for(me).get("/api/chats/").json()["rooms"]]
    assert titles == ["둘째", "첫째"]


def test_marking_read_moves_forward_only(trio):
    me, a, _ = trio
    room = room_with(a, me)
    ids = [message_post(room_id=room.pk, user=a, text=f"{n}").pk for n in range(4)]
    client = client_for(me)
    assert client.post(f"/api/chats/{room.pk}/read/", {"message_id": ids[2]}).json() == {
        "last_read_message_id": ids[2]
    }
    assert client.get("/api/chats/").json()["unread"] == 1
    client.post(f"/api/chats/{room.pk}/read/", {"message_id": ids[0]})
    assert client.get("/api/chats/").json()["unread"] == 1
    client.post(f"/api/chats/{room.pk}/read/")
    assert client.get("/api/chats/").json()["unread"] == 0
    assert client_for(UserFactory()).post(f"/api/chats/{room.pk}/read/").status_code == 403


def test_members_list_is_for_members(trio):
    host, guest, outsider = trio
    room = room_with(host, guest)
    members = client_for(guest).get(f"/api/chats/{room.pk}/members/").json()["members"]
    assert [(m["id"], m["is_host"], m["email"]) for m in members] == [
        (host.pk, True, ""),
        (guest.pk, False, guest.email),
    ]
    assert client_for(outsider).get(f"/api/chats/{room.pk}/members/").status_code == 403


def test_nav_badges_cost_two_queries_however_many_rooms(trio, django_assert_num_queries):
    from django.test import RequestFactory

    from mealbuddy.notifications.context_processors import badges
    from mealbuddy.notifications.services import notifications_create

    me, a, _ = trio
    for n in range(4):
        room = room_with(a, me)
        for _ in range(n):
            message_post(room_id=room.pk, user=a, text="읽지 않음")
        message_post(room_id=room.pk, user=me, text="내 글")
    notifications_create(users=[me], kind="joined", text="알림")
    request = RequestFactory().get("/")
    request.user = me
    context = badges(request)
    with django_assert_num_queries(2):
        assert int(str(context["nav_unread_chats"])) == 6
        assert int(str(context["nav_unread_notifications"])) == 1


def test_socket_posted_messages_store_the_same_time_format_as_the_orm(trio):
    host, guest, _ = trio
    room = room_with(host, guest)
    posted = message_post(room_id=room.pk, user=host, text="시간 확인")
    stored = Message.objects.get(pk=posted.pk)
    assert stored.created_at == posted.created_at
    assert stored.user_id == host.pk and stored.kind == "text" and stored.text == "시간 확인"
    assert Message.objects.filter(created_at__lte=posted.created_at).count() == 1
