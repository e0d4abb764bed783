from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.groupbuys.models import GroupOrder, OrderItem
from mealbuddy.groupbuys.services import groupbuy_join, item_add
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db


def test_create_and_read_back(auth_client):
    deadline = (timezone.now() + timedelta(hours=2)).isoformat()
    response = auth_client.post(
        "/api/groupbuys/",
        {
            "title": "BBQ 황금올리브",
            "category": "치킨",
            "target_count": 3,
            "restaurant": "BBQ 서교점",
            "min_order_amount": 20000,
            "delivery_fee": 4000,
            "deadline": deadline,
            "pickup_spot": "서교동 주민센터 앞",
            "fee_split": "proportional",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["member_count"] == 1 and body["is_host"] and body["is_member"]
    assert body["fees"]["members"][0]["fee_share"] == 4000
    assert body["fees"]["missing_amount"] == 20000
    assert body["would_be_fee_share"] == {"now": 2000, "when_full": 1333}
    assert body["chat_room_id"]


def test_create_errors_are_per_field_and_korean(auth_client):
    response = auth_client.post(
        "/api/groupbuys/",
        {"title": "", "category": "햄버거", "target_count": 20, "delivery_fee": -100},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"title", "category", "target_count", "delivery_fee"}
    assert all(msgs[0].endswith(("요.", "다.")) for msgs in errors.values())
    assert errors["target_count"] == ["모집 인원은 2~10명이어야 해요."]


def test_anonymous_is_refused(api_client, db):
    assert api_client.get("/api/groupbuys/").status_code == 401
    assert api_client.post("/api/groupbuys/1/join/").status_code == 401


def test_feed_recruiting_first_with_share_and_fixed_queries(
    auth_client, django_assert_max_num_queries
):
    host = UserFactory()
    closed = make_order(host, title="마감된 것", delivery_fee=3000)
    GroupOrder.objects.filter(pk=closed.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    for n in range(12):
        make_order(host, title=f"열린 것 {n}", delivery_fee=3000)
    with django_assert_max_num_queries(3):  # user, page, my memberships
        body = auth_client.get("/api/groupbuys/").json()
    assert len(body["results"]) == 13 and body["has_next"] is False
    assert body["results"][-1]["title"] == "마감된 것"
    assert body["results"][-1]["status"] == "closed"
    assert body["results"][0]["would_be_fee_share"]["now"] == 1500
    assert body["results"][0]["host"]["email"] == ""


def test_feed_filters(auth_client, hapjeong):
    make_order(UserFactory(), title="치킨", category="치킨", restaurant="교촌")
    make_order(UserFactory(), title="피자", category="피자")
    make_order(UserFactory(region=hapjeong), title="합정 치킨", category="치킨")

    def titles(**query):
        return [r["title"] for r in auth_client.get("/api/groupbuys/", query).json()["results"]]

    assert titles(category="피자") == ["피자"]
    assert titles(q="교촌") == ["치킨"]
    assert set(titles(category="치킨", neighbours="1")) == {"치킨", "합정 치킨"}
    assert titles(status="closed") == []


def test_join_items_fees_leave(auth_client):
    order = make_order(UserFactory(), delivery_fee=3001, min_order_amount=30000)
    base = f"/api/groupbuys/{order.pk}/"
    body = auth_client.post(base + "join/").json()
    assert body["is_member"] and body["member_count"] == 2
    item = auth_client.post(
        base + "items/", {"name": "양념치킨", "unit_price": 19000, "quantity": 1}, format="json"
    )
    assert item.status_code == 201
    item_id = item.json()["id"]
    patched = auth_client.patch(f"/api/groupbuys/items/{item_id}/", {"quantity": 2}, format="json")
    assert patched.json()["subtotal"] == 38000
    fees = auth_client.get(base).json()["fees"]
    assert fees["items_total"] == 38000 and fees["missing_amount"] == 0
    assert [m["fee_share"] for m in fees["members"]] == [1501, 1500]  # host gets the extra won
    assert fees["members"][1]["total"] == 38000 + 1500
    assert auth_client.delete(f"/api/groupbuys/items/{item_id}/").status_code == 204
    assert auth_client.post(base + "leave/").json() == {"left": True}
    assert auth_client.post(base + "leave/").json() == {"left": False}


def test_join_refusals_have_codes(auth_client, far_region):
    order = make_order(UserFactory(), target_count=2)
    groupbuy_join(group_order_id=order.pk, user=UserFactory())
    response = auth_client.post(f"/api/groupbuys/{order.pk}/join/")
    assert response.status_code == 409
    assert response.json()["code"] == "full"
    assert response.json()["errors"]["error"] == ["모집 인원이 다 찼어요."]
    far = client_for(UserFactory(region=far_region))
    response = far.post(f"/api/groupbuys/{make_order(UserFactory()).pk}/join/")
    assert (response.status_code, response.json()["code"]) == (403, "not_neighbour")


def test_host_controls_and_refusals_for_others(auth_client):
    order = make_order(auth_client.user)
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    other = client_for(member)
    base = f"/api/groupbuys/{order.pk}/"
    assert other.patch(base, {"title": "뺏기"}, format="json").status_code == 403
    assert other.post(base + "status/", {"status": "closed"}).status_code == 403
    assert other.post(base + "ban/", {"user_id": auth_client.user.pk}).status_code == 403
    assert other.delete(base).status_code == 403
    assert auth_client.patch(base, {"target_count": 6}, format="json").json()["target_count"] == 6
    refused = auth_client.post(base + "status/", {"status": "delivered"})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_status"
    body = auth_client.post(base + "ban/", {"user_id": member.pk}).json()
    assert body["member_count"] == 1
    assert other.get(base).json()["is_banned"] is True
    assert other.post(base + "join/").json()["code"] == "banned"
    assert auth_client.post(base + "status/", {"status": "cancelled"}).json()["status"] == (
        "cancelled"
    )
    assert auth_client.delete(base).status_code == 204


def test_others_items_are_untouchable(auth_client):
    order = make_order(auth_client.user)
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    item = item_add(group_order_id=order.pk, user=member, name="콜라", unit_price=2000)
    assert auth_client.patch(f"/api/groupbuys/items/{item.pk}/", {"quantity": 5}).status_code == 404
    assert auth_client.delete(f"/api/groupbuys/items/{item.pk}/").status_code == 404
    assert OrderItem.objects.get(pk=item.pk).quantity == 1


def test_missing_order_is_404_json(auth_client):
    response = auth_client.get("/api/groupbuys/999999/")
    assert response.status_code == 404
    assert response.json()["errors"]["error"]
