""" "이 메뉴로 모집하기": the write form arrives filled with what the recommendation knows."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from mealbuddy.groupbuys.models import CATEGORIES
from mealbuddy.groupbuys.services import groupbuy_create
from mealbuddy.recommend.catalogue import catalogue as dishes
from mealbuddy.recommend.serializers import new_order_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def input_value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return htmllib.unescape(value.group(1)) if value else ""


def selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    option = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(0))
    return htmllib.unescape(option.group(1)) if option else None


def test_every_dish_gives_a_link_the_form_accepts_whole():
    for dish in dishes():
        url = new_order_url(dish)
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert urlsplit(url).path == "/groupbuys/new/"
        assert query["category"] == dish.category and dish.category in CATEGORIES
        assert query["title"] == f"{dish.name} 같이 시켜요"
        assert len(query["title"]) <= 30
        assert query["restaurant"] == f"{dish.name} 전문점"
        assert len(query["restaurant"]) <= 50


def test_recommend_page_links_carry_title_category_and_restaurant(client, user, settings):
    settings.WEATHER_PROVIDERS = []
    client.force_login(user)
    page = client.get("/recommend/").content.decode()
    links = re.findall(r'href="(/groupbuys/new/\?[^"]+)"[^>]*>이 메뉴로 모집하기', page)
    assert len(links) == 5
    for link in links:
        query = parse_qs(urlsplit(htmllib.unescape(link)).query)
        assert {"category", "title", "restaurant"} <= set(query)


def test_values_arrive_in_the_write_form(user):
    link = "/groupbuys/new/?category=%EB%B6%84%EC%8B%9D&title=%EB%96%A1%EB%B3%B6%EC%9D%B4+%EA%B0%99%EC%9D%B4+%EC%8B%9C%EC%BC%9C%EC%9A%94&restaurant=%EB%96%A1%EB%B3%B6%EC%9D%B4+%EC%A0%84%EB%AC%B8%EC%A0%90"
    page = page_client(user).get(link).content.decode()
    assert input_value(page, "title") == "떡볶이 같이 시켜요"
    assert input_value(page, "restaurant") == "떡볶이 전문점"
    assert selected(page, "category") == "분식"
    assert input_value(page, "pickup_spot") == ""  # never hosted: no usual spot
    assert 'aria-invalid="true"' not in page  # a prefill is not a submitted form


def test_usual_pickup_spot_is_the_one_of_my_latest_hosted_order(user):
    other = UserFactory()
    groupbuy_create(
        host=user, title="첫 주문", category="치킨", target_count=3, pickup_spot="A동 앞"
    )
    groupbuy_create(
        host=user, title="둘째 주문", category="피자", target_count=3, pickup_spot="정문 편의점 앞"
    )
    groupbuy_create(host=user, title="장소 없이", category="피자", target_count=3)
    groupbuy_create(
        host=other, title="남의 주문", category="치킨", target_count=3, pickup_spot="남의 집 앞"
    )
    page = page_client(user).get(new_order_url(dishes()[0])).content.decode()
    assert input_value(page, "pickup_spot") == "정문 편의점 앞"
    # Given in the address, it wins over the usual spot.
    page = page_client(user).get("/groupbuys/new/", {"pickup_spot": "후문"}).content.decode()
    assert input_value(page, "pickup_spot") == "후문"


def test_the_prefilled_form_posts_as_it_came(user):
    client = page_client(user)
    page = client.get(new_order_url(dishes()[0])).content.decode()
    deadline = input_value(page, "deadline")
    response = client.post(
        "/groupbuys/new/",
        {
            "title": input_value(page, "title"),
            "category": selected(page, "category"),
            "restaurant": input_value(page, "restaurant"),
            "min_order_amount": 0,
            "delivery_fee": 3000,
            "target_count": 3,
            "deadline": deadline,
            "fee_split": "equal",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "params",
    [
        {"title": "가" * 31},
        {"title": "<script>alert(1)</script>"},
        {"title": '"><img src=x onerror=alert(1)>'},
        {"category": "없는 카테고리"},
        {"category": "<b>치킨</b>"},
        {"restaurant": "가" * 51},
        {"pickup_spot": "가" * 101},
        {"description": "가" * 2001},
        {"title": "   "},
        {"title": ["하나", "둘"]},
        {"deadline": "not-a-date", "target_count": "99", "min_order_amount": "-1"},
        {"payment": "stolen", "fee_split": "x", "noshow_deposit": "9" * 30},
        {"title": "\u202e뒤집힌 제목", "restaurant": "\ufeff"},
    ],
)
def test_hostile_values_never_break_the_write_form(user, params):
    response = page_client(user).get("/groupbuys/new/", params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert 'aria-invalid="true"' not in page
    title = input_value(page, "title")
    assert title is not None and len(title) <= 30
    assert selected(page, "category") in (None, "", *CATEGORIES)
    for name, limit in (("restaurant", 50), ("pickup_spot", 100)):
        assert len(input_value(page, name) or "") <= limit


def test_nul_bytes_in_the_address_are_a_4xx(user):
    response = page_client(user).get("/groupbuys/new/", {"title": "a\x00b"})
    assert 400 <= response.status_code < 500


def test_escaped_prefill_is_shown_as_text(user):
    page = page_client(user).get("/groupbuys/new/", {"title": "<치킨> & 맥주"}).content.decode()
    assert 'value="&lt;치킨&gt; &amp; 맥주"' in page


def test_prefill_costs_one_query_more_than_the_plain_form(user, django_assert_max_num_queries):
    client = page_client(user)
    client.get("/groupbuys/new/")
    with django_assert_max_num_queries(6):
        assert client.get(new_order_url(dishes()[0])).status_code == 200
