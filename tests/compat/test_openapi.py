"""The original client's /api/openAPI/weather/ and /api/openAPI/foodchoicer/ rows."""

import time

import pytest
from django.core.cache import cache

from tests.recommend.fakes import JSON, FakeServer, open_meteo_body

WEATHER = "/api/openAPI/weather/"
FOOD = "/api/openAPI/foodchoicer/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_meteo(settings):
    state = {
        "status": 200,
        "body": open_meteo_body(temperature=3.0, code=61, precipitation=2.0),
        "delay": 0,
    }

    def respond(method, path, query, body):
        return state["status"], JSON, state["body"], state["delay"]

    with FakeServer(respond) as server:
        server.state = state
        settings.WEATHER_PROVIDERS = ["openmeteo"]
        settings.OPEN_METEO_URL = f"{server.url}/v1/forecast"
        yield server


def test_weather_contract_shape(auth_client, open_meteo):
    response = auth_client.get(WEATHER, {"lat": "37.5735", "lon": "126.9790"})
    assert response.status_code == 200
    assert response.json() == {
        "강수형태": "비",
        "날씨": "흐림",
        "강수량": "2.0mm",
        "기온": "3℃",
        "습도": "60%",
        "풍속": "2.1m/s",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "lat"),
        ({"lat": "37.5"}, "lon"),
        ({"lat": "abc", "lon": "127"}, "lat"),
        ({"lat": "37.5", "lon": "동쪽"}, "lon"),
        ({"lat": "91", "lon": "127"}, "lat"),
        ({"lat": "37.5", "lon": "200"}, "lon"),
        ({"lat": "nan", "lon": "127"}, "lat"),
        ({"lat": "-33.86", "lon": "151.2"}, "lat"),
    ],
)
def test_weather_bad_coordinates_400(auth_client, open_meteo, params, field):
    response = auth_client.get(WEATHER, params)
    assert response.status_code == 400
    assert response.json()["errors"][field][0]
    assert open_meteo.count == 0


def test_weather_unavailable_503_within_4_seconds(auth_client, settings):
    # Both providers hang; the whole answer still comes back in time.
    def respond(method, path, query, body):
        return 200, JSON, open_meteo_body(), 6

    with FakeServer(respond) as slow:
        settings.WEATHER_PROVIDERS = ["kma", "openmeteo"]
        settings.KMA_SERVICE_KEY = "key"
        settings.KMA_BASE_URL = slow.url
        settings.OPEN_METEO_URL = slow.url
        started = time.monotonic()
        response = auth_client.get(WEATHER, {"lat": 37.5735, "lon": 126.979})
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["errors"]["error"] == [
        "날씨 정보를 불러올 수 없어요. 잠시 후 다시 시도해 주세요."
    ]
    assert elapsed < 4.0
    # The failure is remembered: the next answer is immediate.
    started = time.monotonic()
    assert auth_client.get(WEATHER, {"lat": 37.5735, "lon": 126.979}).status_code == 503
    assert time.monotonic() - started < 0.5


def test_weather_needs_login(api_client, db):
    response = api_client.get(WEATHER, {"lat": 37.5, "lon": 127})
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"


def test_foodchoicer_get_is_a_json_string(auth_client, open_meteo):
    response = auth_client.get(FOOD, {"lat": 37.5735, "lon": 126.979})
    assert response.status_code == 200
    text = response.json()
    assert isinstance(text, str)
    assert "비 · 3℃" in text
    assert text.count("\n") >= 5
    # GET does not use up questions.
    for _ in range(12):
        assert auth_client.get(FOOD).status_code == 200


def test_foodchoicer_get_bad_coordinates(auth_client, open_meteo):
    assert auth_client.get(FOOD, {"lat": "abc", "lon": "127"}).status_code == 400


def test_foodchoicer_post_multipart_and_json(auth_client, open_meteo):
    first = auth_client.post(FOOD, {"lat": "37.5735", "lon": "126.979", "message": "국물 있는 거"})
    assert first.status_code == 200
    assert [t["role"] for t in first.json()] == ["user", "assistant"]
    assert first.json()[0] == {"role": "user", "content": "국물 있는 거"}
    second = auth_client.post(FOOD, {"message": "야식"}, format="json")
    assert [t["role"] for t in second.json()] == ["user", "assistant", "user", "assistant"]


@pytest.mark.parametrize("body", [{}, {"message": "   "}, {"message": "가" * 301}])
def test_foodchoicer_post_needs_a_message(auth_client, open_meteo, body):
    response = auth_client.post(FOOD, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["message"][0]


def test_foodchoicer_quota_429(auth_client, open_meteo):
    for _ in range(10):
        assert auth_client.post(FOOD, {"message": "뭐 먹지"}, format="json").status_code == 200
    response = auth_client.post(FOOD, {"message": "뭐 먹지"}, format="json")
    assert response.status_code == 429
    assert "하루 10번까지" in response.json()["errors"]["error"][0]


def test_foodchoicer_delete_resets(auth_client, open_meteo):
    auth_client.post(FOOD, {"message": "피자"}, format="json")
    response = auth_client.delete(FOOD)
    assert response.status_code == 200
    assert response.json() == []
    after = auth_client.post(FOOD, {"message": "치킨"}, format="json").json()
    assert after[0] == {"role": "user", "content": "치킨"} and len(after) == 2


def test_conversations_are_private(auth_client, open_meteo):
    from tests.conftest import client_for
    from tests.factories import UserFactory

    auth_client.post(FOOD, {"message": "나만의 비밀 야식"}, format="json")
    other = client_for(UserFactory())
    turns = other.post(FOOD, {"message": "피자"}, format="json").json()
    assert all("비밀" not in t["content"] for t in turns)
    other.delete(FOOD)
    mine = auth_client.post(FOOD, {"message": "또"}, format="json").json()
    assert mine[0]["content"] == "나만의 비밀 야식"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_foodchoicer_needs_login(api_client, db, method):
    assert getattr(api_client, method)(FOOD).status_code in (401, 403)
