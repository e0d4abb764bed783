""" "동네인증한 이웃만" orders and the "인증된 방장만" board filter, at every door."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.groupbuys.services import groupbuy_join
from mealbuddy.trust.models import Standing
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

pytestmark = pytest.mark.django_db


def verify(user, *, days: int = 30) -> None:
    """A verification as region_verify writes it (the tests of that are elsewhere)."""
    now = timezone.now()
    Standing.objects.update_or_create(
        user=user,
        defaults={
            "verified_region_id": user.region_id,
            "verified_at": now,
            "verified_until": now + timedelta(days=days),
        },
    )


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def strict_order():
    return make_order(UserFactory(username="인증방장"), verified_only=True, title="인증만")


# --- the rule -----------------------------------------------------------------------------


def test_unverified_join_is_refused_with_a_link_to_verify(strict_order):
    from mealbuddy.groupbuys.errors import NotVerified

    with pytest.raises(NotVerified) as caught:
        groupbuy_join(group_order_id=strict_order.pk, user=UserFactory())
    assert caught.value.status_code == 403
    assert caught.value.extra["verify_url"] == "/trust/verify/"
    assert "동네인증한 이웃만" in caught.value.message
    strict_order.refresh_from_db()
    assert strict_order.member_count == 1


def test_verified_neighbour_joins(strict_order):
    neighbour = UserFactory()
    verify(neighbour)
    groupbuy_join(group_order_id=strict_order.pk, user=neighbour)
    assert Participation.objects.filter(group_order=strict_order, user=neighbour).exists()


def test_expired_or_other_dong_verification_does_not_count(strict_order, hapjeong):
    lapsed = UserFactory()
    verify(lapsed, days=-1)
    moved = UserFactory()
    verify(moved)
    moved.region = hapjeong  # verified 서교동, then moved to 합정동 (still a neighbour)
    moved.save(update_fields=["region"])
    for person in (lapsed, moved):
        with pytest.raises(Exception) as caught:
            groupbuy_join(group_order_id=strict_order.pk, user=person)
        assert caught.value.code == "not_verified"


def test_plain_orders_take_anyone():
    order = make_order()
    groupbuy_join(group_order_id=order.pk, user=UserFactory())


# --- REST ---------------------------------------------------------------------------------


def test_rest_create_and_update_the_option():
    host = UserFactory()
    client = client_for(host)
    response = client.post(
        "/api/groupbuys/",
        {"title": "인증만", "category": "치킨", "target_count": 3, "verified_only": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verified_only"] is True
    order = GroupOrder.objects.get(pk=body["id"])
    assert order.verified_only
    response = client.patch(f"/api/groupbuys/{order.pk}/", {"verified_only": False}, format="json")
    assert response.status_code == 200 and response.json()["verified_only"] is False
    response = client.patch(f"/api/groupbuys/{order.pk}/", {"verified_only": "예"}, format="json")
    assert response.status_code == 400


def test_rest_join_refused_then_allowed_after_verifying(strict_order):
    neighbour = UserFactory()
    client = client_for(neighbour)
    detail = client.get(f"/api/groupbuys/{strict_order.pk}/").json()
    assert detail["actions"]["join"]["allowed"] is False
    assert detail["actions"]["join"]["code"] == "not_verified"
    response = client.post(f"/api/groupbuys/{strict_order.pk}/join/")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "not_verified" and body["verify_url"] == "/trust/verify/"
    verify(neighbour)
    response = client.post(f"/api/groupbuys/{strict_order.pk}/join/")
    assert response.status_code in (200, 201), response.content


def test_rest_feed_filters_verified_hosts():
    checked = UserFactory()
    verify(checked)
    shown = make_order(checked, title="인증한 방장")
    hidden = make_order(UserFactory(), title="미인증 방장")
    client = client_for(UserFactory())
    ids = {o["id"] for o in client.get("/api/groupbuys/").json()["results"]}
    assert {shown.pk, hidden.pk} <= ids
    results = client.get("/api/groupbuys/", {"verified": "1"}).json()["results"]
    assert [o["id"] for o in results] == [shown.pk]
    assert results[0]["host_verified"] is True and results[0]["host_manner_score"] == 36.5


# --- the original client's API ------------------------------------------------------------


def test_compat_join_refused_as_its_contract_says(strict_order):
    client = client_for(UserFactory())
    room_id = strict_order.chat_room.pk
    response = client.post(f"/api/chat/{room_id}/")
    assert response.status_code == 400
    assert "동네인증한 이웃만" in response.json()  # a bare string the client alerts
    detail = client.get(f"/api/post/detail/{strict_order.pk}/").json()
    assert detail["permissions"]["join"]["allowed"] is False


# --- pages --------------------------------------------------------------------------------


def test_order_page_says_who_may_join_and_links_to_verify(strict_order):
    client = page_client(UserFactory())
    html = client.get(f"/groupbuys/{strict_order.pk}/").content.decode()
    assert "동네인증한 이웃만 참여할 수 있어요" in html
    assert 'data-code="not_verified"' in html
    assert f'href="/trust/verify/?next=/groupbuys/{strict_order.pk}/"' in html

    response = client.post(f"/groupbuys/{strict_order.pk}/join/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-testid="action-error" data-code="not_verified"' in html
    assert "동네 인증하기</a>" in html


def test_page_join_works_once_verified(strict_order):
    neighbour = UserFactory()
    verify(neighbour)
    response = page_client(neighbour).post(f"/groupbuys/{strict_order.pk}/join/")
    assert response.status_code == 302
    assert Participation.objects.filter(group_order=strict_order, user=neighbour).exists()


def test_write_form_sets_the_option():
    host = UserFactory()
    client = page_client(host)
    page = client.get("/groupbuys/new/").content.decode()
    assert 'name="verified_only"' in page and "동네인증한 이웃만 참여할 수 있어요" in page
    deadline = timezone.localtime(timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/groupbuys/new/",
        {
            "title": "인증한 이웃과 치킨",
            "category": "치킨",
            "target_count": 3,
            "deadline": deadline,
            "fee_split": "equal",
            "payment": "direct",
            "min_order_amount": 0,
            "delivery_fee": 0,
            "verified_only": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    order = GroupOrder.objects.get(title="인증한 이웃과 치킨")
    assert order.verified_only
    edit = client.get(f"/groupbuys/{order.pk}/edit/").content.decode()
    assert 'id="id_verified_only" aria-describedby="id_verified_only_help" checked' in edit


def test_board_filter_verified_hosts():
    checked = UserFactory()
    verify(checked)
    make_order(checked, title="인증한 방장 주문")
    make_order(UserFactory(), title="미인증 방장 주문")
    client = page_client(UserFactory())
    html = client.get("/").content.decode()
    assert "인증한 방장 주문" in html and "미인증 방장 주문" in html
    assert 'name="verified"' in html  # in the 필터 sheet
    html = client.get("/", {"verified": "1"}).content.decode()
    assert "인증한 방장 주문" in html and "미인증 방장 주문" not in html
    assert "인증된 방장만" in html  # listed as applied
    # the category chips keep the filter
    assert "verified=1" in html
