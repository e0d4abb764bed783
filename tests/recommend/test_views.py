"""Native API and pages: /api/recommendations/, /api/weather/, /recommend/*."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.accounts.models import Profile
from mealbuddy.groupbuys.models import GroupOrder, Participation
from tests.conftest import client_for
from tests.factories import UserFactory


def make_order(*, host, region, category, title="같이 시켜요", minutes=60, status="recruiting"):
    order = GroupOrder.objects.create(
        host=host,
        title=title,
        category=category,
        target_count=4,
        deadline=timezone.now() + timedelta(minutes=minutes),
        region=region,
        status=status,
    )
    Participation.objects.create(group_order=order, user=host)
    return order


def test_recommendations_api(auth_client, open_meteo):
    response = auth_client.get("/api/recommendations/", {"wish": "국물 있는 거", "seed": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["seed"] == 5
    assert len(body["items"]) == 5
    assert body["weather"]["display"]["기온"] == "3.2℃"
    assert "국물 있는" in body["context"]
    for item in body["items"]:
        assert item["soup"] is True
        assert item["reason"]
        assert item["new_order_url"].startswith("/groupbuys/new/?category=")
    again = auth_client.get("/api/recommendations/", {"wish": "국물 있는 거", "seed": 5}).json()
    assert [i["name"] for i in again["items"]] == [i["name"] for i in body["items"]]


def test_recommendations_without_weather_still_answer(auth_client, no_weather):
    body = auth_client.get("/api/recommendations/").json()
    assert body["weather"] is None
    assert len(body["items"]) == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"wish": "가" * 101}, "wish"),
        ({"seed": "abc"}, "seed"),
        ({"lat": "37.5"}, "lon"),
        ({"lat": "x", "lon": "127"}, "lat"),
    ],
)
def test_recommendations_bad_input(auth_client, no_weather, params, field):
    response = auth_client.get("/api/recommendations/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_nearby_orders_in_my_area_and_bordering_only(seogyo, hapjeong, far_region, no_weather):
    me = UserFactory(region=seogyo)
    neighbour = UserFactory(region=hapjeong)
    far = UserFactory(region=far_region)
    mine = make_order(host=neighbour, region=hapjeong, category="족발,보쌈", title="합정 족발")
    make_order(host=far, region=far_region, category="피자", title="부산 피자")
    make_order(host=neighbour, region=seogyo, category="피자", title="마감된 피자", minutes=-5)
    make_order(host=neighbour, region=seogyo, category="피자", title="끝난 피자", status="closed")
    body = client_for(me).get("/api/recommendations/").json()
    by_category = {i["category"]: i for i in body["items"]}
    assert "족발,보쌈" in by_category
    assert [o["id"] for o in by_category["족발,보쌈"]["open_orders"]] == [mine.id]
    assert "지금 근처에서 1명이 모집 중" in by_category["족발,보쌈"]["reason"]
    assert (
        by_category["족발,보쌈"]["open_orders_url"]
        == "/?category=%EC%A1%B1%EB%B0%9C%2C%EB%B3%B4%EC%8C%88"
    )
    titles = [o["title"] for i in body["items"] for o in i["open_orders"]]
    assert titles == ["합정 족발"]


def test_recent_orders_and_profile_are_used(seogyo, no_weather):
    me = UserFactory(region=seogyo)
    Profile.objects.create(user=me, spicy_tolerance=0, dietary_restrictions=["vegetarian"])
    for seed in range(3):
        body = client_for(me).get("/api/recommendations/", {"seed": seed}).json()
        assert all(i["spicy"] < 2 for i in body["items"])
        assert not any("고기" in i["tags"] or "해산물" in i["tags"] for i in body["items"])


def test_query_count_is_fixed(seogyo, hapjeong, no_weather, django_assert_max_num_queries):
    me = UserFactory(region=seogyo)
    for n in range(8):
        make_order(
            host=UserFactory(region=hapjeong), region=hapjeong, category="치킨", title=f"치킨 {n}"
        )
    client = client_for(me)
    client.get("/api/recommendations/")  # warms the neighbour cache
    with django_assert_max_num_queries(5):
        assert client.get("/api/recommendations/").status_code == 200


def test_native_weather(auth_client, open_meteo):
    response = auth_client.get("/api/weather/", {"lat": 37.5735, "lon": 126.979})
    assert response.status_code == 200
    assert response.json()["temperature"] == 3.2
    assert response.json()["summary"] == "맑음 · 3.2℃"


def test_api_needs_login(api_client, db):
    assert api_client.get("/api/recommendations/").status_code in (401, 403)
    assert api_client.get("/api/weather/", {"lat": 37.5, "lon": 127}).status_code in (401, 403)


# --- pages ------------------------------------------------------------------------------


@pytest.fixture
def browser_client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/recommend/", "/recommend/weather-card/", "/recommend/panel/"])
def test_pages_need_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_page(browser_client, no_weather):
    response = browser_client.get("/recommend/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-get="/recommend/weather-card/"' in html
    assert '<label for="id_wish">먹고 싶은 것</label>' in html
    assert html.count('class="rec-card"') == 5
    assert html.count("이 메뉴로 모집하기") == 5


def test_weather_card(browser_client, open_meteo):
    html = browser_client.get("/recommend/weather-card/", HTTP_HX_REQUEST="true").content.decode()
    assert "서교동 지금 날씨" in html
    assert "3.2℃" in html and "60%" in html and "2.1m/s" in html
    assert "<html" not in html


def test_weather_card_unavailable(browser_client, settings):
    settings.WEATHER_PROVIDERS = ["openmeteo"]
    settings.OPEN_METEO_URL = "http://127.0.0.1:9/v1/forecast"
    html = browser_client.get("/recommend/weather-card/").content.decode()
    assert "날씨 정보를 불러올 수 없어요" in html


def test_panel_post_htmx(browser_client, no_weather):
    response = browser_client.post(
        "/recommend/panel/", {"wish": "안 매운 국물"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.count('class="rec-card"') == 5
    assert "&#x27;국물 있는 · 맵지 않은&#x27; 요청대로" in html
    assert 'value="안 매운 국물"' in html
    assert 'href="/groupbuys/new/?category=' in html


def test_panel_again_changes_the_seed(browser_client, no_weather):
    import re

    def seed_of(html):
        return re.search(r'name="seed" value="(\d+)"', html).group(1)

    first = browser_client.post("/recommend/panel/", {"wish": "가볍게"}, HTTP_HX_REQUEST="true")
    same = browser_client.post(
        "/recommend/panel/",
        {"wish": "가볍게", "seed": seed_of(first.content.decode())},
        HTTP_HX_REQUEST="true",
    )
    assert seed_of(same.content.decode()) == seed_of(first.content.decode())
    seeds = {
        seed_of(
            browser_client.post(
                "/recommend/panel/", {"wish": "가볍게", "again": "1"}, HTTP_HX_REQUEST="true"
            ).content.decode()
        )
        for _ in range(3)
    }
    assert len(seeds) > 1


def test_panel_too_long_wish_is_a_field_error(browser_client, no_weather):
    response = browser_client.post("/recommend/panel/", {"wish": "가" * 101})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html
    assert 'id="wish-errors"' in html and "100자까지 입력할 수 있어요." in html


def test_panel_round_trips_the_default_seed(browser_client, no_weather):
    """The seed the page shows is accepted back (it once overflowed the form's range)."""
    import re

    for _ in range(3):
        html = browser_client.get("/recommend/panel/").content.decode()
        seed = re.search(r'name="seed" value="(\d+)"', html).group(1)
        response = browser_client.post(
            "/recommend/panel/", {"wish": "국물", "seed": seed}, HTTP_HX_REQUEST="true"
        )
        assert response.content.decode().count('class="rec-card"') == 5
        browser_client.logout()
        browser_client.force_login(UserFactory())


def test_panel_ignores_a_bad_seed(browser_client, no_weather):
    for seed in ("abc", "-1", str(2**40)):
        response = browser_client.post(
            "/recommend/panel/", {"wish": "야식", "seed": seed}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert response.content.decode().count('class="rec-card"') == 5


def test_board_panel_starts_with_the_question_only(browser_client):
    """On the board (htmx GET) the panel is just the question, so the feed stays in view."""
    html = browser_client.get("/recommend/panel/", HTTP_HX_REQUEST="true").content.decode()
    assert "뭐 먹지?" in html and 'name="wish"' in html
    assert "rec-card" not in html
    asked = browser_client.post(
        "/recommend/panel/", {"wish": "국물"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert asked.count('class="rec-card"') == 5
