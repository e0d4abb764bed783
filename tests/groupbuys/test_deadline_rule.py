""" "Past the deadline means closed", seen the same through every door.

The row still says ``recruiting`` (``close_expired`` has not run yet); every API, page and
chat view must already show it closed (모집마감), and no list may offer it as recruiting.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.groupbuys.models import GroupOrder, status_at
from mealbuddy.groupbuys.services import groupbuy_join
from mealbuddy.recommend.selectors import open_orders_nearby
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def expired(seogyo):
    host = UserFactory(region=seogyo)
    guest = UserFactory(region=seogyo)
    order = make_order(host, title="지난 치킨")
    groupbuy_join(group_order_id=order.pk, user=guest)
    # The deadline passes; the row is left as the periodic job has not seen it yet.
    GroupOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    order.refresh_from_db()
    assert order.status == "recruiting"
    return order, host, guest


def test_the_rule_itself():
    now = timezone.now()
    assert status_at(status="recruiting", deadline=now, now=now) == "closed"
    assert status_at(status="recruiting", deadline=now + timedelta(seconds=1), now=now) == (
        "recruiting"
    )
    assert status_at(status="ordered", deadline=now - timedelta(hours=1), now=now) == "ordered"


def test_model_and_native_api(expired):
    order, host, guest = expired
    assert order.current_status() == "closed" and order.status_label == "모집마감"
    api = client_for(guest)
    detail = api.get(f"/api/groupbuys/{order.pk}/").json()
    assert (detail["status"], detail["status_label"]) == ("closed", "모집마감")
    recruiting = api.get("/api/groupbuys/", {"status": "recruiting"}).json()["results"]
    closed = api.get("/api/groupbuys/", {"status": "closed"}).json()["results"]
    assert order.pk not in [r["id"] for r in recruiting]
    assert order.pk in [r["id"] for r in closed]


def test_original_client_rows(expired):
    order, host, guest = expired
    api = client_for(guest)
    detail = api.get(f"/api/post/detail/{order.pk}/").json()
    assert detail["status"] == "closed" and detail["is_compelete"] is True
    row = next(p for p in api.get("/api/post/").json()["posts"] if p["id"] == order.pk)
    assert row["status"] == "closed" and row["is_compelete"] is True


def test_group_order_pages(expired, client):
    order, host, guest = expired
    client.force_login(guest)
    board = client.get("/").content.decode()
    card = board[board.index("지난 치킨") - 600 : board.index("지난 치킨") + 600]
    assert "모집마감" in card and "모집중" not in card
    page = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert 'data-testid="status">모집마감' in page


def test_chat_list_room_header_and_chat_api(expired, client):
    order, host, guest = expired
    room_id = order.chat_room.pk
    client.force_login(guest)
    listing = client.get("/chats/").content.decode()
    assert '<span class="chip">모집마감</span>' in listing
    assert "모집중" not in listing
    header = client.get(f"/chats/{room_id}/").content.decode()
    assert (
        '<span class="chip chat-status-chip">모집마감</span>' in header and "모집중" not in header
    )
    rooms = client_for(guest).get("/api/chats/").json()["rooms"]
    assert [(r["status"], r["status_label"]) for r in rooms] == [("closed", "모집마감")]


def test_recommendations_do_not_offer_it(expired):
    order, host, guest = expired
    assert order.pk not in [o.id for o in open_orders_nearby(user=guest)]


def test_joining_is_refused_as_the_pages_predict(expired, seogyo):
    order, host, guest = expired
    api = client_for(UserFactory(region=seogyo))
    response = api.post(f"/api/groupbuys/{order.pk}/join/")
    assert response.status_code == 409
    assert response.json()["code"] == "deadline_passed"
