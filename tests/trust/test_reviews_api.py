"""후기 over REST and on the pages: shapes, refusals, privacy of the text, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.trust.models import Block, Review, Standing
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.trust.test_reviews import delivered_order, order_with_members, rate

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(order) -> str:
    return f"/api/groupbuys/{order.pk}/reviews/"


# --- REST ---------------------------------------------------------------------------------------


def test_get_lists_whom_i_can_rate_and_what_i_gave():
    order, host, (kim, lee) = delivered_order(2)
    rate(kim, order, host, tags=["on_time"], text="또 같이 시켜요")
    body = client_for(kim).get(url(order)).json()
    assert body["open"] is True and body["reason"] == "" and body["days_left"] == 6
    targets = {t["user"]["id"]: t for t in body["targets"]}
    assert set(targets) == {host.pk, lee.pk}
    assert targets[host.pk]["can_review"] is False
    assert targets[host.pk]["given"]["text"] == "또 같이 시켜요"
    assert targets[host.pk]["given"]["tags"] == [
        {"code": "on_time", "label": "시간 약속을 잘 지켜요"}
    ]
    assert targets[lee.pk] == {
        "user": {"id": lee.pk, "nickname": lee.display_name},
        "can_review": True,
        "reason": "",
        "given": None,
    }
    assert "email" not in str(body)


def test_post_creates_once_then_409():
    order, host, (kim,) = delivered_order(1)
    api = client_for(kim)
    payload = {"reviewee_id": host.pk, "positive": True, "tags": ["kind"], "text": "친절해요"}
    created = api.post(url(order), payload, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["tags"] == [{"code": "kind", "label": "친절해요"}]
    again = api.post(url(order), payload, format="json")
    assert again.status_code == 409
    assert again.json()["errors"]["error"] == ["이미 후기를 남겼어요."]
    assert Review.objects.count() == 1
    assert Standing.objects.get(user=host).manner_tenths > 365


@pytest.mark.parametrize(
    "who, payload, status, key",
    [
        ("stranger", {"positive": True}, 403, "error"),
        ("kim", {"positive": True, "tags": ["noshow"]}, 400, "tags"),
        ("kim", {"positive": True, "text": "가" * 301}, 400, "text"),
        ("kim", {"positive": "maybe"}, 400, "positive"),
        ("kim", {"positive": True, "reviewee_id": 0}, 400, "reviewee_id"),
        ("kim", {"positive": True, "reviewee_id": "stranger"}, 400, "reviewee_id"),
        ("kim", {"positive": True, "reviewee_id": "kim"}, 400, "reviewee_id"),
        ("blocked", {"positive": True}, 403, "error"),
    ],
)
def test_post_refusals_are_clear_4xx(who, payload, status, key):
    order, host, (kim, lee) = delivered_order(2)
    stranger = UserFactory()
    people = {"kim": kim, "stranger": stranger, "host": host}
    if who == "blocked":
        Block.objects.create(blocker=host, blocked=lee)
    reviewer = {"blocked": lee}.get(who) or people[who]
    data = {"reviewee_id": host.pk, **payload}
    if isinstance(data["reviewee_id"], str):
        data["reviewee_id"] = people[data["reviewee_id"]].pk
    response = client_for(reviewer).post(url(order), data, format="json")
    assert response.status_code == status, response.content
    assert key in response.json()["errors"]
    assert not Review.objects.exists()


def test_window_and_status_refusals_over_rest():
    order, host, (kim,) = order_with_members(1)
    body = client_for(kim).get(url(order)).json()
    assert body["open"] is False and "배달이 끝난 뒤" in body["reason"]
    response = client_for(kim).post(url(order), {"reviewee_id": host.pk, "positive": True})
    assert response.status_code == 400
    order, host, (kim,) = delivered_order(1)
    GroupOrder.objects.filter(pk=order.pk).update(
        status_changed_at=order.status_changed_at - timedelta(days=8)
    )
    body = client_for(kim).get(url(order)).json()
    assert body["open"] is False and body["days_left"] is None
    assert body["targets"][0]["can_review"] is False


def test_missing_and_hidden_orders_are_404():
    order, host, (kim,) = delivered_order(1)
    assert client_for(kim).get("/api/groupbuys/987654321/reviews/").status_code == 404
    GroupOrder.objects.filter(pk=order.pk).update(hidden_at=order.status_changed_at)
    assert client_for(kim).get(url(order)).status_code == 404


def test_a_stranger_sees_no_one_and_nothing_written():
    order, host, (kim,) = delivered_order(1)
    rate(kim, order, host, text="비밀")
    body = client_for(UserFactory()).get(url(order)).json()
    assert body["open"] is False and body["targets"] == []
    assert "비밀" not in str(body)


def test_received_lists_my_reviews_with_texts_and_nobody_elses():
    order, host, (kim, lee) = delivered_order(2)
    rate(kim, order, host, text="호스트에게만")
    rate(lee, order, kim, positive=False, tags=["unreachable"], text="김에게만")
    mine = client_for(host).get("/api/reviews/received/").json()
    assert [r["text"] for r in mine["results"]] == ["호스트에게만"]
    assert mine["results"][0]["reviewer"] == {"id": kim.pk, "nickname": kim.display_name}
    assert mine["results"][0]["group_order"] == {"id": order.pk, "title": order.title}
    assert mine["reviews_received"] == 1 and float(mine["manner_score"]) > 36.5
    assert "김에게만" not in str(mine)
    theirs = client_for(kim).get("/api/reviews/received/").json()
    assert [r["text"] for r in theirs["results"]] == ["김에게만"]
    assert float(theirs["manner_score"]) < 36.5
    # lee wrote one and received none: the text they wrote is not in their received list.
    assert client_for(lee).get("/api/reviews/received/").json()["results"] == []
    assert Client().get("/api/reviews/received/").status_code in (401, 403)


def test_received_pages_at_a_fixed_cost(django_assert_max_num_queries):
    target = UserFactory()
    for _ in range(3):
        order, host, (member,) = delivered_order(1, host=target)
        rate(member, order, target)
    api = client_for(target)
    api.get("/api/reviews/received/")
    # user (token auth), standing, the page of reviews with reviewer and order joined.
    with django_assert_max_num_queries(3) as few:
        assert len(api.get("/api/reviews/received/").json()["results"]) == 3
    budget = len(few)  # read now: the next request clears the log
    for _ in range(4):
        order, host, (member,) = delivered_order(1, host=target)
        rate(member, order, target)
    with django_assert_max_num_queries(budget):
        assert len(api.get("/api/reviews/received/").json()["results"]) == 7
    assert api.get("/api/reviews/received/?page=x").status_code == 400


def test_targets_cost_is_fixed_whatever_the_headcount(django_assert_max_num_queries):
    small, host, (kim,) = delivered_order(1)
    api = client_for(kim)
    api.get(url(small))
    # user, order, members with users, my reviews there, blocks.
    with django_assert_max_num_queries(5) as few:
        assert len(api.get(url(small)).json()["targets"]) == 1
    budget = len(few)  # read now: the next request clears the log
    big, host, members = delivered_order(6)
    api = client_for(members[0])
    api.get(url(big))
    with django_assert_max_num_queries(budget):
        assert len(api.get(url(big)).json()["targets"]) == 6


# --- pages --------------------------------------------------------------------------------------


def page(order) -> str:
    return f"/groupbuys/{order.pk}/reviews/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_review_page_has_one_accessible_card_per_co_member():
    order, host, (kim, lee) = delivered_order(2)
    html = logged_in(kim).get(page(order)).content.decode()
    assert html.count('data-testid="review-card"') == 2
    assert f'id="review-{host.pk}"' in html and f'id="review-{lee.pk}"' in html
    assert "6일 더 남길 수 있어요" in html
    # Labelled controls: thumbs, tag chips (checkboxes), the text with its label.
    assert f'<label for="review-{host.pk}-text">' in html
    assert 'type="checkbox" name="tags" value="noshow"' in html
    assert 'type="radio" name="positive" value="1" required' in html
    assert "<legend>" in html


def test_posting_without_javascript_redirects_back_with_the_card_done():
    order, host, (kim,) = delivered_order(1)
    client = logged_in(kim)
    response = client.post(
        page(order), {"reviewee_id": host.pk, "positive": "1", "tags": ["on_time", "kind"]}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?done={host.pk}#review-{host.pk}")
    html = client.get(response["Location"]).content.decode()
    assert "후기를 보냈어요" in html and "좋았어요라고 남겼어요" in html
    assert Review.objects.get().tags == ["on_time", "kind"]


def test_posting_with_htmx_swaps_only_the_card():
    order, host, (kim, lee) = delivered_order(2)
    client = logged_in(kim)
    response = client.post(
        page(order),
        {"reviewee_id": lee.pk, "positive": "0", "tags": ["unreachable"], "text": "답이 없었어요"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="review-{lee.pk}"' in html and f'id="review-{host.pk}"' not in html
    assert "<html" not in html and "아쉬웠어요라고 남겼어요" in html and "답이 없었어요" in html


def test_a_refused_post_shows_the_reason_on_that_card_and_keeps_the_input():
    order, host, (kim, lee) = delivered_order(2)
    client = logged_in(kim)
    data = {"reviewee_id": lee.pk, "positive": "1", "tags": ["noshow"], "text": "남겨 둘 말"}
    response = client.post(page(order), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="review-error"' in html and "좋은 점 태그만" in html
    assert "남겨 둘 말" in html and 'value="noshow" checked' in html
    swapped = client.post(page(order), data, **HTMX).content.decode()
    assert "좋은 점 태그만" in swapped and "<html" not in swapped
    missing = client.post(page(order), {"reviewee_id": lee.pk})
    assert missing.status_code == 400 and "골라 주세요" in missing.content.decode()
    assert not Review.objects.exists()


def test_a_suspended_member_sees_why_on_the_card():
    from django.utils import timezone

    order, host, (kim,) = delivered_order(1)
    Standing.objects.create(
        user=kim,
        restriction=Standing.Restriction.SUSPENDED,
        restricted_until=timezone.now() + timedelta(days=3),
    )
    response = logged_in(kim).post(page(order), {"reviewee_id": host.pk, "positive": "1"})
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-code="account_restricted"' in html and "후기를 할 수 없어요" in html
    assert not Review.objects.exists()


def test_the_page_refuses_outsiders_and_closed_orders():
    order, host, (kim,) = order_with_members(1)
    html = logged_in(kim).get(page(order)).content.decode()
    assert "배달이 끝난 뒤에 후기를" in html and '<form class="review-form"' not in html
    stranger = logged_in(UserFactory())
    html = stranger.get(page(order)).content.decode()
    assert "함께한 사람만" in html and 'data-testid="review-card"' not in html
    response = stranger.post(page(order), {"reviewee_id": host.pk, "positive": "1"})
    assert response.status_code == 403
    assert logged_in(kim).get("/groupbuys/987654321/reviews/").status_code == 404
    assert Client().get(page(order)).status_code == 302  # to the login page


def test_review_page_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    small, host, (kim,) = delivered_order(1)
    client = logged_in(kim)
    client.get(page(small))
    # session, user, order, members, my reviews, blocks, the top bar's region, two badges.
    with django_assert_max_num_queries(9) as few:
        assert client.get(page(small)).status_code == 200
    budget = len(few)  # read now: the next request clears the log
    big, host, members = delivered_order(6)
    rate(members[0], big, members[1], text="하나 남겼어요")
    client = logged_in(members[0])
    client.get(page(big))
    with django_assert_max_num_queries(budget):
        html = client.get(page(big)).content.decode()
    assert html.count('data-testid="review-card"') == 6


def test_received_page_shows_score_tags_and_texts_to_the_rated_person_only():
    order, host, (kim,) = delivered_order(1)
    rate(kim, order, host, tags=["quick_settle"], text="정산 최고")
    html = logged_in(host).get("/reviews/received/").content.decode()
    assert 'data-testid="manner-score"' in html
    assert "정산이 빨라요" in html and "정산 최고" in html and kim.display_name in html
    other = logged_in(kim).get("/reviews/received/").content.decode()
    assert "정산 최고" not in other and "아직 받은 후기가 없어요" in other


def test_received_page_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    target = UserFactory()
    order, host, (member,) = delivered_order(1, host=target)
    rate(member, order, target)
    client = logged_in(target)
    client.get("/reviews/received/")
    # session, user, standing, the reviews (reviewer and order joined), region, two badges.
    with django_assert_max_num_queries(7) as few:
        client.get("/reviews/received/")
    budget = len(few)  # read now: the next request clears the log
    for _ in range(3):
        order, host, (member,) = delivered_order(1, host=target)
        rate(member, order, target)
    with django_assert_max_num_queries(budget):
        html = client.get("/reviews/received/").content.decode()
    assert html.count('data-testid="review-received"') == 4


# --- the order page's entry ---------------------------------------------------------------------


def test_order_page_shows_the_entry_after_delivery_until_everyone_is_rated():
    order, host, (kim,) = order_with_members(1)
    client = logged_in(kim)
    assert (
        'data-testid="review-entry"' not in client.get(f"/groupbuys/{order.pk}/").content.decode()
    )
    from tests.trust.test_reviews import deliver

    order = deliver(order, host)
    html = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert 'data-testid="review-entry"' in html
    assert "1명에게 후기를 남길 수 있어요 · 6일 남았어요" in html
    assert f'href="/groupbuys/{order.pk}/reviews/">후기 남기기</a>' in html
    stranger = logged_in(UserFactory()).get(f"/groupbuys/{order.pk}/").content.decode()
    assert 'data-testid="review-entry"' not in stranger
    rate(kim, order, host)
    assert (
        'data-testid="review-entry"' not in client.get(f"/groupbuys/{order.pk}/").content.decode()
    )


def test_order_page_entry_keeps_a_fixed_cost(django_assert_max_num_queries):
    small, host, (kim,) = delivered_order(1)
    client = logged_in(kim)
    client.get(f"/groupbuys/{small.pk}/")
    # The page's own (see tests/groupbuys/test_order_page.py) plus the entry's two: my
    # reviews on the order and blocks (the members are the page's).
    with django_assert_max_num_queries(10) as few:
        assert "후기 남기기" in client.get(f"/groupbuys/{small.pk}/").content.decode()
    budget = len(few)  # read now: the next request clears the log
    big, host, members = delivered_order(6)
    client = logged_in(members[0])
    client.get(f"/groupbuys/{big.pk}/")
    with django_assert_max_num_queries(budget):
        assert "6명에게 후기를" in client.get(f"/groupbuys/{big.pk}/").content.decode()
