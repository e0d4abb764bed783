import pytest

from tests.conftest import HAEUNDAE_U

pytestmark = pytest.mark.django_db

REGION_KEYS = {"id", "code", "name", "full_name", "sido", "sigungu", "lat", "lon"}


def test_search_returns_ranked_regions(api_client, seogyo):
    response = api_client.get("/api/regions/", {"q": "서교"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0] == {
        "id": seogyo.pk,
        "code": seogyo.code,
        "name": "서교동",
        "full_name": "서울특별시 마포구 서교동",
        "sido": "서울특별시",
        "sigungu": "마포구",
        "lat": seogyo.lat,
        "lon": seogyo.lon,
        "matched_dong": None,  # found by its own name, not through a 행정동
    }
    assert all(set(item) == REGION_KEYS | {"matched_dong"} for item in results)


def test_search_with_district_and_dong(api_client):
    response = api_client.get("/api/regions/", {"q": "분당 정자"})
    assert response.json()["results"][0]["full_name"] == "경기도 성남시 분당구 정자동"


def test_search_returns_at_most_20(api_client):
    response = api_client.get("/api/regions/", {"q": "동"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 20


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}])
def test_search_without_a_query_is_empty(api_client, params):
    response = api_client.get("/api/regions/", params)
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_search_query_too_long_is_a_field_error(api_client):
    response = api_client.get("/api/regions/", {"q": "가" * 101})
    assert response.status_code == 400
    assert response.json()["errors"] == {"q": ["검색어는 100자 이하로 입력해 주세요."]}


def test_search_costs_one_query(api_client, django_assert_max_num_queries):
    api_client.get("/api/regions/", {"q": "서"})  # the first search in a process reads the index
    with django_assert_max_num_queries(1):
        response = api_client.get("/api/regions/", {"q": "마포구 서교"})
    assert response.status_code == 200


def test_region_api_is_public_even_with_a_stale_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="token not-a-real-token")
    assert api_client.get("/api/regions/", {"q": "서교"}).status_code == 200
    assert api_client.get("/api/regions/reverse/", {"lat": 37.55, "lon": 126.92}).status_code == 200


def test_reverse_returns_the_region_at_a_point(api_client, seogyo):
    response = api_client.get("/api/regions/reverse/", {"lat": seogyo.lat, "lon": seogyo.lon})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == seogyo.pk
    assert body["full_name"] == "서울특별시 마포구 서교동"
    assert set(body) == REGION_KEYS


def test_reverse_answers_in_few_queries(api_client, seogyo, django_assert_max_num_queries):
    api_client.get("/api/regions/reverse/", {"lat": seogyo.lat, "lon": seogyo.lon})  # warm
    with django_assert_max_num_queries(1):
        api_client.get("/api/regions/reverse/", {"lat": seogyo.lat, "lon": seogyo.lon})


@pytest.mark.parametrize(("lat", "lon"), [(35.6812, 139.7671), (36.0, 124.5), (0, 0)])
def test_reverse_outside_korea_is_404_in_korean(api_client, lat, lon):
    response = api_client.get("/api/regions/reverse/", {"lat": lat, "lon": lon})
    assert response.status_code == 404
    assert response.json()["errors"] == {
        "error": ["이 위치에서 국내 동네를 찾지 못했어요. 동 이름으로 검색해 주세요."]
    }


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, {"lat": ["위도(lat)를 입력해 주세요."], "lon": ["경도(lon)를 입력해 주세요."]}),
        ({"lat": 37.5}, {"lon": ["경도(lon)를 입력해 주세요."]}),
        ({"lon": 127.0}, {"lat": ["위도(lat)를 입력해 주세요."]}),
        (
            {"lat": "", "lon": ""},
            {"lat": ["위도(lat)를 입력해 주세요."], "lon": ["경도(lon)를 입력해 주세요."]},
        ),
        ({"lat": "abc", "lon": 127.0}, {"lat": ["위도(lat)는 숫자여야 해요."]}),
        ({"lat": 37.5, "lon": "12,7"}, {"lon": ["경도(lon)는 숫자여야 해요."]}),
        ({"lat": "nan", "lon": 127.0}, {"lat": ["위도(lat)는 숫자여야 해요."]}),
        ({"lat": 37.5, "lon": "inf"}, {"lon": ["경도(lon)는 숫자여야 해요."]}),
        ({"lat": "9" * 400, "lon": 127.0}, {"lat": ["위도(lat)는 숫자여야 해요."]}),
        ({"lat": "9" * 20, "lon": 127.0}, {"lat": ["위도(lat)는 -90에서 90 사이여야 해요."]}),
        ({"lat": 90.5, "lon": 127.0}, {"lat": ["위도(lat)는 -90에서 90 사이여야 해요."]}),
        ({"lat": -91, "lon": 127.0}, {"lat": ["위도(lat)는 -90에서 90 사이여야 해요."]}),
        ({"lat": 37.5, "lon": 180.01}, {"lon": ["경도(lon)는 -180에서 180 사이여야 해요."]}),
        ({"lat": 37.5, "lon": -200}, {"lon": ["경도(lon)는 -180에서 180 사이여야 해요."]}),
    ],
)
def test_reverse_refuses_bad_coordinates_field_by_field(api_client, params, errors):
    response = api_client.get("/api/regions/reverse/", params)
    assert response.status_code == 400
    assert response.json()["errors"] == errors


def test_neighbours_api(api_client, seogyo, hapjeong, far_region):
    response = api_client.get(f"/api/regions/{seogyo.pk}/neighbours/")
    assert response.status_code == 200
    results = response.json()["results"]
    ids = [item["id"] for item in results]
    assert hapjeong.pk in ids
    assert far_region.pk not in ids and seogyo.pk not in ids
    assert [item["full_name"] for item in results] == sorted(item["full_name"] for item in results)


def test_region_detail_api(api_client, far_region):
    response = api_client.get(f"/api/regions/{far_region.pk}/")
    assert response.status_code == 200
    assert response.json()["code"] == HAEUNDAE_U


@pytest.mark.parametrize("path", ["/api/regions/{}/", "/api/regions/{}/neighbours/"])
@pytest.mark.parametrize("region_id", [999999999, 10**30])
def test_unknown_region_is_404(api_client, path, region_id):
    response = api_client.get(path.format(region_id))
    assert response.status_code == 404
    assert response.json()["errors"] == {"error": ["동네를 찾을 수 없어요."]}


def test_region_endpoints_are_in_the_openapi_schema(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"get"} <= set(paths["/api/regions/"])
    params = {p["name"] for p in paths["/api/regions/reverse/"]["get"]["parameters"]}
    assert {"lat", "lon"} <= params
    assert "404" in paths["/api/regions/reverse/"]["get"]["responses"]
    assert "/api/regions/{region_id}/neighbours/" in paths
