"""The public profile card (/u/<id>/ and /api/profiles/<id>/): what it shows, what it never
shows, and someone who left."""

from __future__ import annotations

import pytest
from django.test import Client

from mealbuddy.accounts.services import user_deactivate
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuy_join
from mealbuddy.trust.models import Review, Standing
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.groupbuys.conftest import make_order
from tests.trust.test_verification_orders import verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return UserFactory(
        username="김이웃", email="kim.secret@example.com", address="서울 마포구 서교동 12-34 5층"
    )


def delivered_order(host, *members):
    order = make_order(host)
    for member in members:
        groupbuy_join(group_order_id=order.pk, user=member)
    GroupOrder.objects.filter(pk=order.pk).update(status=GroupOrder.Status.DELIVERED)
    return order


def test_api_shows_the_card_and_never_email_or_address(person, django_assert_max_num_queries):
    verify(person)
    Standing.objects.filter(user=person).update(manner_tenths=412, reviews_received=3)
    other, third = UserFactory(), UserFactory()
    first = delivered_order(person, other)  # hosted
    second = delivered_order(other, person, third)  # joined
    make_order(person)  # still recruiting: not completed
    Review.objects.create(
        group_order=first, reviewer=other, reviewee=person, positive=True, tags=["on_time", "kind"]
    )
    Review.objects.create(
        group_order=second, reviewer=other, reviewee=person, positive=True, tags=["on_time"]
    )
    Review.objects.create(
        group_order=second,
        reviewer=third,
        reviewee=person,
        positive=True,
        tags=["on_time", "quick_settle", "bogus"],
        text="비밀 메모",
    )
    client = client_for(UserFactory())
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/profiles/{person.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["nickname"] == "김이웃" and body["active"] is True
    assert body["region"] == {"name": "서교동", "full_name": "서울특별시 마포구 서교동"}
    assert body["verified"] is True
    assert body["manner_score"] == 41.2
    assert body["completed_orders"] == 2
    assert [t["tag"] for t in body["top_tags"]] == ["on_time", "quick_settle", "kind"]
    assert body["top_tags"][0] == {"tag": "on_time", "label": "시간 약속을 잘 지켜요", "count": 3}
    text = response.content.decode()
    assert "kim.secret" not in text and "12-34" not in text and "비밀 메모" not in text
    assert "email" not in body and "address" not in body
    assert "lat" not in text and "lon" not in text


def test_defaults_for_someone_new(person):
    body = client_for(UserFactory()).get(f"/api/profiles/{person.pk}/").json()
    assert body["manner_score"] == 36.5
    assert body["verified"] is False and body["completed_orders"] == 0 and body["top_tags"] == []
    assert body["photo"] is None


def test_page_shows_the_card_with_the_actions_for_others(person):
    verify(person)
    viewer = UserFactory()
    client = Client()
    client.force_login(viewer)
    response = client.get(f"/u/{person.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "김이웃" in html and 'data-testid="verified-badge"' in html
    assert 'data-testid="manner-score">36.5°' in html
    assert 'data-testid="completed-orders">0번' in html
    assert "kim.secret" not in html and "12-34" not in html
    used = [t.name for t in response.templates]
    assert "trust/_profile_actions.html" in used
    # One's own card: no block/report on oneself, a link to verify instead.
    response = client.get(f"/u/{viewer.pk}/")
    assert "trust/_profile_actions.html" not in [t.name for t in response.templates]
    assert 'href="/trust/verify/"' in response.content.decode()


def test_departed_user_shows_the_departed_name_and_no_photo(person):
    from mealbuddy.accounts.models import Profile

    Profile.objects.create(user=person, avatar="avatars/x.jpg", avatar_large="avatars/x-256.jpg")
    verify(person)
    user_deactivate(user=person, password=DEFAULT_PASSWORD)
    body = client_for(UserFactory()).get(f"/api/profiles/{person.pk}/").json()
    assert body["active"] is False
    assert body["nickname"] == "(탈퇴한 사용자)"
    assert body["photo"] is None and body["region"] is None and body["verified"] is False
    client = Client()
    client.force_login(UserFactory())
    html = client.get(f"/u/{person.pk}/").content.decode()
    assert "(탈퇴한 사용자)" in html and 'data-testid="departed"' in html and "x-256" not in html


@pytest.mark.parametrize("user_id", ["999999", "99999999999999999999"])
def test_unknown_person_is_a_404(user_id):
    client = client_for(UserFactory())
    response = client.get(f"/api/profiles/{user_id}/")
    assert response.status_code == 404
    assert response.json()["errors"]["error"] == ["사용자를 찾을 수 없어요."]
    page = Client()
    page.force_login(client.user)
    assert page.get(f"/u/{user_id}/").status_code == 404


def test_profile_needs_a_login(person, api_client):
    assert api_client.get(f"/api/profiles/{person.pk}/").status_code == 401
    assert Client().get(f"/u/{person.pk}/").status_code == 302
