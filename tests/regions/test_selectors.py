import math

import pytest

from mealbuddy.core.errors import ApplicationError, NotFound
from mealbuddy.regions.models import Region
from mealbuddy.regions.selectors import (
    RegionAddressError,
    region_get,
    region_neighbour_ids,
    region_resolve_address,
    region_reverse,
    region_search,
)
from tests.conftest import HAEUNDAE_U, JEONGJA_BUNDANG, SEOGYO

pytestmark = pytest.mark.django_db


def names(regions):
    return [r.full_name for r in regions]


# --- search ------------------------------------------------------------------------------


def test_search_puts_the_dong_being_typed_first():
    results = region_search(query="서교")
    assert results[0].full_name == "서울특별시 마포구 서교동"
    assert all(r.level == Region.Level.EMD for r in results)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("마포구 서교", "서울특별시 마포구 서교동"),
        ("서울 서교동", "서울특별시 마포구 서교동"),
        ("분당 정자", "경기도 성남시 분당구 정자동"),
        ("성남시분당구 정자", "경기도 성남시 분당구 정자동"),
        ("  서교동  ", "서울특별시 마포구 서교동"),
        ("전라북도 효자", "전북특별자치도 전주시 완산구 효자동1가"),
        ("광주 오포", "경기도 광주시 오포읍"),
        ("해운대 우동", "부산광역시 해운대구 우동"),
    ],
)
def test_search_accepts_a_district_before_the_dong(query, first):
    assert names(region_search(query=query))[0] == first


def test_search_ranks_exact_names_then_prefixes_then_the_rest():
    results = region_search(query="정자")
    ranks = [0 if r.name == "정자동" else 1 if r.name.startswith("정자") else 2 for r in results]
    assert ranks == sorted(ranks)
    assert ranks[0] == 0
    exact = [r.full_name for r in results if r.name == "정자동"]
    assert exact == sorted(exact)  # ties by full name
    assert "경상남도 창원시 성산구 삼정자동" in names(results)  # contains, ranked after


def test_search_narrowed_by_district_drops_other_places():
    assert names(region_search(query="마포구 서교")) == ["서울특별시 마포구 서교동"]
    assert "전라남도 여수시 서교동" in names(region_search(query="서교동"))


@pytest.mark.parametrize("query", ["", "   ", "\t\n"])
def test_empty_search_finds_nothing(query):
    assert region_search(query=query) == []


def test_search_returns_at_most_the_limit():
    assert len(region_search(query="동")) == 20
    assert len(region_search(query="동", limit=5)) == 5


def test_search_for_nonsense_finds_nothing():
    assert region_search(query="zzz없는동네") == []


def test_search_treats_sql_wildcards_literally():
    assert region_search(query="%") == []
    assert region_search(query="_") == []


# --- resolving addresses -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("서울특별시 마포구 서교동 123-4", "서울특별시 마포구 서교동"),
        ("서울 마포구 서교동 395-166", "서울특별시 마포구 서교동"),
        ("서울시 마포구 서교동", "서울특별시 마포구 서교동"),
        ("  서울특별시   마포구  서교동   123-4 ", "서울특별시 마포구 서교동"),
        ("서울특별시마포구서교동123-4", "서울특별시 마포구 서교동"),
        ("서울 마포구 서교동 395-166 서교빌딩 3층", "서울특별시 마포구 서교동"),
        ("서울 마포구 서교동 산 12", "서울특별시 마포구 서교동"),
        ("마포구 서교동", "서울특별시 마포구 서교동"),
        ("서울 서교동", "서울특별시 마포구 서교동"),
        ("서울 마포구 서교 123", "서울특별시 마포구 서교동"),
        ("서울 마포구 양화로 45 (서교동)", "서울특별시 마포구 서교동"),
        ("서울 마포구 양화로 45 (서교동, 메세나폴리스)", "서울특별시 마포구 서교동"),
        ("경기 성남시 분당구 정자동", "경기도 성남시 분당구 정자동"),
        ("경기도 성남시 분당구 정자동 178-1", "경기도 성남시 분당구 정자동"),
        ("성남시 정자동", "경기도 성남시 분당구 정자동"),
        ("경기 성남시 분당구 정자1동", "경기도 성남시 분당구 정자동"),
        ("부산 해운대구 우동 1408", "부산광역시 해운대구 우동"),
        ("부산광역시 해운대구 우동", "부산광역시 해운대구 우동"),
        ("대구 중구 동인동1가 2-1", "대구광역시 중구 동인동1가"),
        ("인천 미추홀구 용현동", "인천광역시 미추홀구 용현동"),
        ("인천광역시 남구 용현동", "인천광역시 미추홀구 용현동"),
        ("광주 북구 용봉동 300", "광주광역시 북구 용봉동"),
        ("대전 유성구 봉명동", "대전광역시 유성구 봉명동"),
        ("울산 남구 삼산동", "울산광역시 남구 삼산동"),
        ("세종 반곡동", "세종특별자치시 세종시 반곡동"),
        ("세종특별자치시 반곡동 123", "세종특별자치시 세종시 반곡동"),
        ("경기 광주시 오포읍", "경기도 광주시 오포읍"),
        ("광주시 오포읍", "경기도 광주시 오포읍"),
        ("경기 고양시 일산동구 장항동", "경기도 고양시 일산동구 장항동"),
        ("경기 용인시 수지구 풍덕천동", "경기도 용인시 수지구 풍덕천동"),
        ("경기 여주시 가남읍", "경기도 여주시 가남면"),
        ("강원 춘천시 효자동", "강원특별자치도 춘천시 효자동"),
        ("강원도 춘천시 효자동", "강원특별자치도 춘천시 효자동"),
        ("강원특별자치도 춘천시 효자동", "강원특별자치도 춘천시 효자동"),
        ("충북 청주시 상당구 영동", "충청북도 청주시 상당구 영동"),
        ("충북 청주시 청원구 오창읍", "충청북도 청원군 오창읍"),
        ("충남 천안시 동남구 대흥동", "충청남도 천안시 동남구 대흥동"),
        ("충남 천안시 대흥동", "충청남도 천안시 동남구 대흥동"),
        ("전북 전주시 완산구 효자동1가", "전북특별자치도 전주시 완산구 효자동1가"),
        ("전라북도 전주시 완산구 효자동1가", "전북특별자치도 전주시 완산구 효자동1가"),
        ("전북특별자치도 전주시 완산구 효자동1가", "전북특별자치도 전주시 완산구 효자동1가"),
        ("전남 여수시 학동", "전라남도 여수시 학동"),
        ("경북 포항시 남구 대잠동", "경상북도 포항시 남구 대잠동"),
        ("경남 창원시 의창구 용호동", "경상남도 창원시 의창구 용호동"),
        ("제주 제주시 연동", "제주특별자치도 제주시 연동"),
        ("제주특별자치도 서귀포시 서귀동", "제주특별자치도 서귀포시 서귀동"),
    ],
)
def test_resolve_reads_every_way_an_address_is_written(address, expected):
    assert region_resolve_address(address=address).full_name == expected


def test_resolve_returns_the_stored_region(seogyo):
    region = region_resolve_address(address="서울 마포구 서교동 395-166")
    assert region == seogyo
    assert region.code == SEOGYO


def test_same_dong_name_is_told_apart_by_the_district():
    seoul = region_resolve_address(address="서울 마포구 서교동")
    yeosu = region_resolve_address(address="전남 여수시 서교동")
    assert (seoul.sido, yeosu.sido) == ("서울특별시", "전라남도")
    assert region_resolve_address(address="경기 성남시 분당구 정자동").code == JEONGJA_BUNDANG
    assert region_resolve_address(address="수원시 장안구 정자동").sigungu == "수원시 장안구"


def test_road_name_address_asks_for_the_dong_and_suggests_the_districts_dongs():
    with pytest.raises(RegionAddressError) as caught:
        region_resolve_address(address="서울 마포구 양화로 45")
    error = caught.value
    assert isinstance(error, ApplicationError)
    assert error.field == "address"
    assert error.status_code == 400
    assert "동" in error.message and "도로명" in error.message
    assert 0 < len(error.suggestions) <= 10
    assert {r.sigungu for r in error.suggestions} == {"마포구"}
    assert all(r.level == Region.Level.EMD for r in error.suggestions)
    assert error.extra == {"suggestions": [r.full_name for r in error.suggestions]}


def test_unknown_dong_in_a_known_district_suggests_the_closest_names_first():
    with pytest.raises(RegionAddressError) as caught:
        region_resolve_address(address="전북 전주시 완산구 효자동")
    suggestions = [r.name for r in caught.value.suggestions]
    assert suggestions[:3] == ["효자동1가", "효자동2가", "효자동3가"]
    assert "동(읍·면)" in caught.value.message


def test_unknown_place_gets_a_clear_error_without_suggestions():
    with pytest.raises(RegionAddressError) as caught:
        region_resolve_address(address="뉴욕 맨해튼 5번가")
    assert caught.value.suggestions == []
    assert caught.value.extra == {"suggestions": []}
    assert "동(읍·면)" in caught.value.message
    assert caught.value.as_errors() == {"address": [caught.value.message]}


def test_dong_name_in_several_places_lists_them():
    with pytest.raises(RegionAddressError) as caught:
        region_resolve_address(address="정자동")
    suggestions = names(caught.value.suggestions)
    assert "경기도 성남시 분당구 정자동" in suggestions
    assert "경기도 수원시 장안구 정자동" in suggestions
    assert "시·군·구" in caught.value.message


@pytest.mark.parametrize("address", ["", "   "])
def test_empty_address_is_required(address):
    with pytest.raises(RegionAddressError) as caught:
        region_resolve_address(address=address)
    assert caught.value.code == "required"
    assert caught.value.field == "address"


def test_a_very_long_address_is_read_quickly_and_refused():
    with pytest.raises(RegionAddressError):
        region_resolve_address(address="가" * 100_000)


def test_a_road_named_after_a_dong_is_not_that_dong():
    with pytest.raises(RegionAddressError):
        region_resolve_address(address="서울 마포구 서교동길 12")


# --- reverse -----------------------------------------------------------------------------


def test_reverse_finds_the_dong_at_its_representative_point(seogyo, far_region):
    assert region_reverse(lat=seogyo.lat, lon=seogyo.lon) == seogyo
    assert region_reverse(lat=far_region.lat, lon=far_region.lon) == far_region


def test_reverse_for_a_few_known_places():
    # 홍익대학교 정문 (서교동 / 상수동 boundary area) and 분당 정자역.
    assert region_reverse(lat=37.5512, lon=126.9250).sigungu == "마포구"
    assert region_reverse(lat=37.3670, lon=127.1085).code == JEONGJA_BUNDANG


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (36.0, 124.5),  # the Yellow Sea
        (35.6812, 139.7671),  # Tokyo
        (0.0, 0.0),
        (90.0, 180.0),
        (100.0, 0.0),  # out of range: the API refuses it, the selector just says None
        (math.nan, 127.0),
        (37.5, math.inf),
    ],
)
def test_reverse_outside_korea_is_none(lat, lon):
    assert region_reverse(lat=lat, lon=lon) is None


def test_every_region_point_reverses_to_a_region_in_the_same_district():
    # A sample across the country: the representative point lies inside its own polygon.
    sample = Region.objects.filter(level=Region.Level.EMD).order_by("code")[::250]
    for region in sample:
        found = region_reverse(lat=region.lat, lon=region.lon)
        assert found is not None, region.full_name
        assert found.code == region.code, (region.full_name, found.full_name)


# --- neighbours and lookup by code --------------------------------------------------------


def test_neighbours_of_seogyo_include_hapjeong_not_busan(seogyo, hapjeong, far_region):
    ids = region_neighbour_ids(region=seogyo)
    assert hapjeong.pk in ids
    assert far_region.pk not in ids
    assert seogyo.pk not in ids
    neighbours = Region.objects.filter(pk__in=ids)
    assert {r.sigungu for r in neighbours} <= {"마포구", "서대문구"}
    assert seogyo.pk in region_neighbour_ids(region=hapjeong)


def test_neighbour_ids_are_cached(seogyo, django_assert_num_queries):
    first = region_neighbour_ids(region=seogyo)
    with django_assert_num_queries(0):
        assert region_neighbour_ids(region=seogyo) == first


def test_region_get_by_code(seogyo):
    assert region_get(code=SEOGYO) == seogyo
    assert region_get(code=HAEUNDAE_U).name == "우동"
    with pytest.raises(NotFound):
        region_get(code="99999999")
