from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notifications_create
from tests.chat.helpers import room_with
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(seogyo):
    return UserFactory(), UserFactory()


def test_list_newest_first_with_unread_count_and_only_mine(pair, django_assert_max_num_queries):
    me, other = pair
    for n in range(35):
        notifications_create(users=[me], kind="joined", text=f"알림 {n}")
    notifications_create(users=[other], kind="banned", text="남의 알림")
    client = client_for(me)
    with django_assert_max_num_queries(6):
        body = client.get("/api/notifications/").json()
    assert [n["text"] for n in body["notifications"][:2]] == ["알림 34", "알림 33"]
    assert len(body["notifications"]) == 30 and body["has_more"] is True
    assert body["unread"] == 35
    older = client.get(f"/api/notifications/?before={body['notifications'][-1]['id']}").json()
    assert [n["text"] for n in older["notifications"]] == [f"알림 {n}" for n in range(4, -1, -1)]
    assert client.get("/api/notifications/?before=abc").status_code == 400


def test_mark_some_or_all_read(pair):
    me, other = pair
    mine = notifications_create(users=[me], kind="joined", text="하나")
    notifications_create(users=[me], kind="joined", text="둘")
    theirs = notifications_create(users=[other], kind="joined", text="남의 것")
    client = client_for(me)
    assert client.post(
        "/api/notifications/read/", {"ids": [mine[0].pk, theirs[0].pk]}, format="json"
    ).json() == {"unread": 1}
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None
    assert client.post("/api/notifications/read/").json() == {"unread": 0}
    bad = client.post("/api/notifications/read/", {"ids": ["x"]}, format="json")
    assert bad.status_code == 400 and "ids" in bad.json()["errors"]


def test_notify_deadlines_once_per_order_and_member(pair):
    host, guest = pair
    soon = room_with(host, guest, title="곧 마감")
    later = room_with(host, guest, title="한참 남음")
    soon.group_order.deadline = timezone.now() + timedelta(minutes=7)
    soon.group_order.save()
    later.group_order.deadline = timezone.now() + timedelta(minutes=40)
    later.group_order.save()
    call_command("notify_deadlines")
    call_command("notify_deadlines")
    notices = Notification.objects.filter(kind="deadline")
    assert sorted(n.user_id for n in notices) == sorted([host.pk, guest.pk])
    assert {n.group_order_id for n in notices} == {soon.group_order_id}
    assert "곧 마감" in notices[0].text and "분 뒤 마감" in notices[0].text
    assert notices[0].url == f"/chats/{soon.pk}/"


def test_notify_deadlines_skips_closed_orders(pair):
    host, guest = pair
    room = room_with(host, guest)
    room.group_order.deadline = timezone.now() + timedelta(minutes=5)
    room.group_order.status = "closed"
    room.group_order.save()
    call_command("notify_deadlines")
    assert not Notification.objects.exists()


def test_anonymous_gets_401_or_403(client):
    assert client.get("/api/notifications/").status_code in (401, 403)
