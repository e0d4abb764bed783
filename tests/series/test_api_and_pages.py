"""REST and the pages of recurring orders: field-level errors, host-only changes (others get
404), subscribe/skip/unsubscribe, the OpenAPI schema, the order page's section, and fixed
query counts on the lists."""

from __future__ import annotations

from datetime import time

import pytest
from django.test import Client

from mealbuddy.groupbuys.services import groupbuy_create
from mealbuddy.series import services
from mealbuddy.series.models import Series, Skip, Subscription
from mealbuddy.trust.models import Block
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.series.conftest import CHICKEN, kst

NEW = {**CHICKEN, "kind": "weekly", "weekdays": [4], "deadline_time": "19:00", "open_before": 180}


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_series(host, **extra) -> Series:
    return services.series_create(
        host=host, **{**CHICKEN, **extra}, weekdays=[4], deadline_time=time(19, 0)
    )


def test_create_read_update_pause_resume_end(clock, host):
    clock.set(2026, 12, 1, 10)
    api = client_for(host)
    response = api.post("/api/series/", NEW, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["schedule"] == "매주 금 19:00 마감"
    assert body["weekdays"] == [4] and body["is_host"] is True
    assert body["next_deadline"] == kst(2026, 12, 4, 19).isoformat()
    pk = body["id"]
    response = api.patch(
        f"/api/series/{pk}/", {"weekdays": [0, 4], "delivery_fee": 3000}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["schedule"] == "매주 월·금 19:00 마감"
    assert response.json()["delivery_fee"] == 3000
    assert api.post(f"/api/series/{pk}/pause/").json()["state"] == "paused"
    assert api.post(f"/api/series/{pk}/resume/").json()["state"] == "active"
    ended = api.post(f"/api/series/{pk}/end/").json()
    assert (ended["state"], ended["next_deadline"]) == ("ended", None)
    assert api.post(f"/api/series/{pk}/resume/").status_code == 409
    assert api.get("/api/series/").json()["hosting"][0]["id"] == pk


def test_a_series_from_my_order_copies_it(clock, host):
    clock.set(2026, 12, 4, 17)
    order = groupbuy_create(host=host, **CHICKEN, deadline=kst(2026, 12, 4, 19))
    api = client_for(host)
    response = api.post(
        "/api/series/", {"group_order_id": order.pk, "weekdays": [4]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["restaurant"] == "바삭치킨 서교점"
    assert response.json()["latest_order_id"] == order.pk
    # Not twice, and not someone else's order.
    again = api.post("/api/series/", {"group_order_id": order.pk, "weekdays": [4]}, format="json")
    assert again.status_code == 400 and "group_order" in again.json()["errors"]
    other = client_for(UserFactory(region=host.region))
    assert other.post(
        "/api/series/", {"group_order_id": order.pk, "weekdays": [4]}, format="json"
    ).status_code in (403, 404)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"title": ""}, "title"),
        ({"category": "햄버거"}, "category"),
        ({"target_count": 11}, "target_count"),
        ({"delivery_fee": -1}, "delivery_fee"),
        ({"delivery_fee": "많이"}, "delivery_fee"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [7]}, "weekdays"),
        ({"kind": "monthly"}, "kind"),
        ({"kind": "days", "interval_days": 0}, "interval_days"),
        ({"kind": "days"}, "interval_days"),
        ({"deadline_time": "25:00"}, "deadline_time"),
        ({"open_before": 5}, "open_before"),
        ({"open_before": 10_000}, "open_before"),
        ({"noshow_deposit": 1000}, "noshow_deposit"),  # direct payment takes no deposit
        ({"title": "a\x00b"}, "title"),
    ],
)
def test_bad_input_is_a_field_error_never_a_500(host, data, field):
    response = client_for(host).post("/api/series/", {**NEW, **data}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Series.objects.exists()


def test_only_the_host_changes_a_series(host, alice):
    series = make_series(host)
    api = client_for(alice)
    assert (
        api.patch(f"/api/series/{series.pk}/", {"title": "내 것"}, format="json").status_code == 404
    )
    for action in ("pause", "resume", "end"):
        assert api.post(f"/api/series/{series.pk}/{action}/").status_code == 404
    series.refresh_from_db()
    assert (series.title, series.state) == ("금요일 치킨 열차", "active")
    # A page post is refused the same way.
    page_client(alice).post(f"/series/{series.pk}/end/")
    series.refresh_from_db()
    assert series.state == "active"
    assert api.get(f"/api/series/{series.pk}/").status_code == 200  # reading is fine


def test_someone_blocked_does_not_see_the_series(host, alice):
    series = make_series(host)
    Block.objects.create(blocker=host, blocked=alice)
    assert client_for(alice).get(f"/api/series/{series.pk}/").status_code == 404
    assert client_for(alice).put(f"/api/series/{series.pk}/subscription/").status_code == 404
    assert page_client(alice).get(f"/series/{series.pk}/").status_code == 404


def test_subscribe_skip_unsubscribe(clock, host, alice):
    clock.set(2026, 12, 1, 10)
    series = make_series(host)
    api = client_for(alice)
    response = api.put(
        f"/api/series/{series.pk}/subscription/", {"spending_cap": 9000}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["subscribed"] is True and response.json()["subscribers"] == 1
    assert Subscription.objects.get(user=alice).spending_cap == 9000
    assert api.post(f"/api/series/{series.pk}/skip/").json()["skipped_next"] is True
    assert Skip.objects.get().deadline == kst(2026, 12, 4, 19)
    assert api.delete(f"/api/series/{series.pk}/skip/").json()["skipped_next"] is False
    bad = api.put(f"/api/series/{series.pk}/subscription/", {"spending_cap": -5}, format="json")
    assert bad.status_code == 400 and "spending_cap" in bad.json()["errors"]
    assert api.delete(f"/api/series/{series.pk}/subscription/").json()["subscribed"] is False
    assert api.post(f"/api/series/{series.pk}/skip/").status_code == 400
    assert client_for(host).put(f"/api/series/{series.pk}/subscription/").status_code == 403


def test_the_endpoints_are_in_the_openapi_schema(alice):
    schema = client_for(alice).get("/api/schema/?format=json").json()
    assert {
        "/api/series/",
        "/api/series/{id}/",
        "/api/series/{id}/pause/",
        "/api/series/{id}/resume/",
        "/api/series/{id}/end/",
        "/api/series/{id}/subscription/",
        "/api/series/{id}/skip/",
    } <= set(schema["paths"])
    assert "SeriesInputRequest" in schema["components"]["schemas"]


# --- pages ---------------------------------------------------------------------------------


def test_the_host_makes_a_series_from_the_order_page(clock, host):
    clock.set(2026, 12, 4, 17)
    order = groupbuy_create(host=host, **CHICKEN, deadline=kst(2026, 12, 4, 19))
    client = page_client(host)
    page = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert "정기 모집으로 만들기" in page
    form = client.get(f"/series/new/?order={order.pk}").content.decode()
    assert 'value="19:00"' in form
    bad = client.post(
        f"/series/new/?order={order.pk}",
        {"kind": "weekly", "deadline_time": "19:00", "open_before": 180},
    )
    assert bad.status_code == 400
    assert "요일" in bad.content.decode()
    response = client.post(
        f"/series/new/?order={order.pk}",
        {"kind": "weekly", "weekdays": ["4"], "deadline_time": "19:00", "open_before": "180"},
    )
    assert response.status_code == 302
    page = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert "매주 금 19:00 마감" in page
    assert "12월 11일 (금) 19:00" in page
    assert "일시정지" in page and "끝내기" in page
    # Someone else cannot open the form for this order.
    assert (
        page_client(UserFactory(region=host.region))
        .get(f"/series/new/?order={order.pk}")
        .status_code
        == 404
    )


def test_a_neighbour_subscribes_and_skips_on_the_order_page_with_and_without_htmx(
    clock, host, alice
):
    clock.set(2026, 12, 4, 17)
    order = groupbuy_create(host=host, **CHICKEN, deadline=kst(2026, 12, 4, 19))
    series = services.series_create(host=host, group_order_id=order.pk, weekdays=[4])
    client = page_client(alice)
    page = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert "매주 참여" in page and "정기 모집으로 만들기" not in page
    response = client.post(f"/series/{series.pk}/subscribe/", {"next": f"/groupbuys/{order.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/groupbuys/{order.pk}/"
    assert Subscription.objects.filter(user=alice).exists()
    response = client.post(f"/series/{series.pk}/skip/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "이번 모집은 건너뛸게요" in response.content.decode()
    assert "이번 주도 참여하기" in response.content.decode()
    # An outside "next" is not followed.
    response = client.post(f"/series/{series.pk}/unsubscribe/", {"next": "https://evil.example/"})
    assert response["Location"] == f"/series/{series.pk}/"


def test_my_series_lists_hosting_and_subscribed(host, alice, django_assert_max_num_queries):
    mine = [make_series(alice, title=f"내 모집 {n}") for n in range(3)]
    others = [
        make_series(UserFactory(region=host.region), title=f"이웃 모집 {n}") for n in range(4)
    ]
    for series in others:
        services.subscription_create(user=alice, series_id=series.pk)
    client = page_client(alice)
    client.get("/series/")
    with django_assert_max_num_queries(6):
        page = client.get("/series/").content.decode()
    assert all(s.title in page for s in mine + others)
    api = client_for(alice)
    api.get("/api/series/")
    with django_assert_max_num_queries(2):
        body = api.get("/api/series/").json()
    assert len(body["hosting"]) == 3 and len(body["subscribed"]) == 4


def test_the_order_and_series_pages_cost_fixed_queries(
    clock, host, alice, django_assert_max_num_queries
):
    clock.set(2026, 12, 4, 17)
    order = groupbuy_create(host=host, **CHICKEN, deadline=kst(2026, 12, 4, 19))
    series = services.series_create(host=host, group_order_id=order.pk, weekdays=[4])
    for _ in range(5):
        services.subscription_create(user=UserFactory(region=host.region), series_id=series.pk)
    client = page_client(alice)
    client.get(f"/series/{series.pk}/")
    with django_assert_max_num_queries(7):
        assert client.get(f"/series/{series.pk}/").status_code == 200
    client.get(f"/groupbuys/{order.pk}/")
    # The order page's own budget (tests/groupbuys/test_order_page.py) plus the section.
    with django_assert_max_num_queries(10):
        assert client.get(f"/groupbuys/{order.pk}/").status_code == 200


def test_the_deposit_rule_reads_the_series_payment_on_update(host):
    series = make_series(host, payment="prepaid")
    api = client_for(host)
    ok = api.patch(f"/api/series/{series.pk}/", {"noshow_deposit": 1000}, format="json")
    assert ok.status_code == 200, ok.content
    bad = api.patch(f"/api/series/{series.pk}/", {"payment": "direct"}, format="json")
    assert bad.status_code == 400 and "noshow_deposit" in bad.json()["errors"]


def test_the_host_pauses_and_ends_from_the_page_with_and_without_htmx(clock, host):
    clock.set(2026, 12, 1, 10)
    series = make_series(host)
    client = page_client(host)
    response = client.post(f"/series/{series.pk}/pause/")
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.state == "paused"
    response = client.post(f"/series/{series.pk}/resume/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "정기 모집을 다시 시작했어요" in html and "일시정지" in html
    response = client.post(f"/series/{series.pk}/end/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "끝난 정기 모집이에요" in html and "다시 시작" not in html
    assert client.get("/series/").status_code == 200


def test_a_refused_subscription_says_why_in_place(host, far_region):
    series = make_series(host)
    far = page_client(UserFactory(region=far_region))
    response = far.post(f"/series/{series.pk}/subscribe/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps it in: the reason shows in the section
    assert "이웃 동네의 정기 모집에만" in response.content.decode()
    response = far.post(f"/series/{series.pk}/subscribe/", follow=True)
    assert "이웃 동네의 정기 모집에만" in response.content.decode()
    assert not Subscription.objects.exists()


def test_a_prepaid_series_takes_a_cap_from_the_order_page(clock, host, alice):
    clock.set(2026, 12, 4, 17)
    order = groupbuy_create(
        host=host, **{**CHICKEN, "payment": "prepaid"}, deadline=kst(2026, 12, 4, 19)
    )
    series = services.series_create(host=host, group_order_id=order.pk, weekdays=[4])
    client = page_client(alice)
    page = client.get(f"/groupbuys/{order.pk}/").content.decode()
    assert 'name="spending_cap"' in page and "내 한도 (원)" in page
    client.post(f"/series/{series.pk}/subscribe/", {"spending_cap": "8000", "use_points": "on"})
    subscription = Subscription.objects.get(user=alice)
    assert (subscription.spending_cap, subscription.use_points) == (8000, True)
    response = client.post(f"/series/{series.pk}/subscribe/", {"spending_cap": "-1"}, follow=True)
    assert "한도" in response.content.decode()
    assert Subscription.objects.get(user=alice).spending_cap == 8000
