"""행정동 names people use every day find the 법정동 that holds them (issue 11).

The 법정동 each 행정동 belongs to is from the 행정안전부 행정동-법정동 tables.
"""

import time

import pytest

from mealbuddy.regions.hangjeong import IRREGULAR, dong_reading, ga_family
from mealbuddy.regions.models import Region
from mealbuddy.regions.selectors import (
    RegionAddressError,
    region_resolve_address,
    region_search,
)

pytestmark = pytest.mark.django_db

# (시도, 시군구 as people write it, 행정동, the 법정동's full name): 47 행정동, 11 시도.
HANGJEONG = [
    ("서울", "마포구", "망원1동", "서울특별시 마포구 망원동"),
    ("서울", "마포구", "망원2동", "서울특별시 마포구 망원동"),
    ("서울", "마포구", "성산2동", "서울특별시 마포구 성산동"),
    ("서울", "강남구", "역삼1동", "서울특별시 강남구 역삼동"),
    ("서울", "강남구", "대치4동", "서울특별시 강남구 대치동"),
    ("서울", "강남구", "일원본동", "서울특별시 강남구 일원동"),
    ("서울", "노원구", "상계3·4동", "서울특별시 노원구 상계동"),
    ("서울", "노원구", "중계본동", "서울특별시 노원구 중계동"),
    ("서울", "도봉구", "창1동", "서울특별시 도봉구 창동"),
    ("서울", "송파구", "잠실본동", "서울특별시 송파구 잠실동"),
    ("서울", "동대문구", "휘경1동", "서울특별시 동대문구 휘경동"),
    ("서울", "용산구", "용산2가동", "서울특별시 용산구 용산동2가"),
    ("서울", "성동구", "성수1가1동", "서울특별시 성동구 성수동1가"),
    ("서울", "관악구", "보라매동", "서울특별시 관악구 봉천동"),
    ("서울", "관악구", "낙성대동", "서울특별시 관악구 봉천동"),
    ("서울", "관악구", "서원동", "서울특별시 관악구 신림동"),
    ("서울", "관악구", "난곡동", "서울특별시 관악구 신림동"),
    ("서울", "강북구", "삼양동", "서울특별시 강북구 미아동"),
    ("서울", "영등포구", "여의동", "서울특별시 영등포구 여의도동"),
    ("서울", "중구", "다산동", "서울특별시 중구 신당동"),
    ("부산", "해운대구", "좌1동", "부산광역시 해운대구 좌동"),
    ("부산", "해운대구", "우3동", "부산광역시 해운대구 우동"),
    ("부산", "해운대구", "반여1동", "부산광역시 해운대구 반여동"),
    ("부산", "부산진구", "부전1동", "부산광역시 부산진구 부전동"),
    ("부산", "수영구", "광안2동", "부산광역시 수영구 광안동"),
    ("부산", "연제구", "연산5동", "부산광역시 연제구 연산동"),
    ("대구", "수성구", "범어1동", "대구광역시 수성구 범어동"),
    ("대구", "수성구", "만촌3동", "대구광역시 수성구 만촌동"),
    ("대구", "수성구", "수성1가동", "대구광역시 수성구 수성동1가"),
    ("대구", "달서구", "두류1·2동", "대구광역시 달서구 두류동"),
    ("인천", "부평구", "부평1동", "인천광역시 부평구 부평동"),
    ("인천", "남동구", "구월1동", "인천광역시 남동구 구월동"),
    ("인천", "연수구", "연수1동", "인천광역시 연수구 연수동"),
    ("인천", "미추홀구", "주안1동", "인천광역시 미추홀구 주안동"),
    ("광주", "북구", "운암1동", "광주광역시 북구 운암동"),
    ("광주", "서구", "화정1동", "광주광역시 서구 화정동"),
    ("광주", "광산구", "월곡1동", "광주광역시 광산구 월곡동"),
    ("대전", "서구", "둔산2동", "대전광역시 서구 둔산동"),
    ("대전", "서구", "갈마1동", "대전광역시 서구 갈마동"),
    ("대전", "동구", "판암1동", "대전광역시 동구 판암동"),
    ("경기", "수원시 영통구", "매탄3동", "경기도 수원시 영통구 매탄동"),
    ("경기", "수원시 장안구", "조원1동", "경기도 수원시 장안구 조원동"),
    ("경기", "수원시 팔달구", "화서1동", "경기도 수원시 팔달구 화서동"),
    ("경기", "성남시 중원구", "상대원1동", "경기도 성남시 중원구 상대원동"),
    ("경기", "성남시 분당구", "서현1동", "경기도 성남시 분당구 서현동"),
    ("경기", "성남시 수정구", "신흥2동", "경기도 성남시 수정구 신흥동"),
    ("제주", "제주시", "일도1동", "제주특별자치도 제주시 일도일동"),
    ("제주", "제주시", "이도2동", "제주특별자치도 제주시 이도이동"),
]
_IDS = [f"{sigungu} {dong}" for _, sigungu, dong, _ in HANGJEONG]

# 법정동 whose names carry a number: always themselves, never a 행정동 reading.
LEGAL_WITH_DIGITS = [
    ("서울 중구", "을지로1가", "서울특별시 중구 을지로1가"),
    ("서울 종로구", "종로1가", "서울특별시 종로구 종로1가"),
    ("서울 중구", "남대문로5가", "서울특별시 중구 남대문로5가"),
    ("서울 종로구", "명륜3가", "서울특별시 종로구 명륜3가"),
    ("서울 동작구", "상도1동", "서울특별시 동작구 상도1동"),
    ("부산 강서구", "대저1동", "부산광역시 강서구 대저1동"),
    ("서울 영등포구", "문래동3가", "서울특별시 영등포구 문래동3가"),
    ("대구 중구", "동인동1가", "대구광역시 중구 동인동1가"),
]


def test_the_list_covers_many_cities():
    assert len(HANGJEONG) >= 30
    assert len({(sido, sigungu.split()[0]) for sido, sigungu, _, _ in HANGJEONG}) >= 8
    assert len({sido for sido, *_ in HANGJEONG}) >= 8


# --- the rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("망원1동", ("망원동",)),
        ("망원1", ("망원동",)),  # while typing
        ("좌1동", ("좌동",)),
        ("창제1동", ("창동", "창제동")),
        ("상계3·4동", ("상계동",)),
        ("두류1.2동", ("두류동",)),
        ("중계본동", ("중계동", "중계본동")),
        ("용산2가동", ("용산동2가", "용산2가")),
        ("종로5·6가동", ("종로동5가", "종로동6가", "종로5가", "종로6가")),
        ("성수1가1동", ("성수동1가", "성수1가")),
    ],
)
def test_regular_forms_read_as_their_legal_dong(typed, names):
    reading = dong_reading(typed)
    assert reading is not None
    for name in names:
        assert name in reading.names
    assert reading.names[0] == names[0]


def test_a_number_read_in_hangul_for_jeju():
    assert "일도일동" in dong_reading("일도1동").names
    assert "용담삼동" in dong_reading("용담3동").names


@pytest.mark.parametrize("typed", ["을지로1가", "종로1가", "남대문로5가", "망원", "동", "", "1동"])
def test_legal_names_and_plain_prefixes_are_not_readings(typed):
    assert dong_reading(typed) is None


def test_a_dong_split_into_ga_has_a_family():
    assert ga_family("문래동1가") == "문래동"
    assert ga_family("을지로1가") == "을지로"
    assert ga_family("망원동") == ""
    assert "문래동" in dong_reading("문래동").families
    assert "원효로" in dong_reading("원효로1동").families


def test_every_irregular_entry_names_real_legal_dongs_of_its_district():
    emds = Region.objects.filter(level=Region.Level.EMD)
    for sigungu, table in IRREGULAR.items():
        names = set(emds.filter(parent__code=sigungu).values_list("name", flat=True))
        assert names, sigungu
        for hangjeong, legal in table.items():
            assert set(legal) <= names, (sigungu, hangjeong, set(legal) - names)
            # a key that is itself a 법정동 there would never be read: the 법정동 wins
            assert hangjeong not in names, (sigungu, hangjeong)


# --- search -------------------------------------------------------------------------------


@pytest.mark.parametrize(("sido", "sigungu", "dong", "expected"), HANGJEONG, ids=_IDS)
def test_search_finds_the_legal_dong_of_a_hangjeong(sido, sigungu, dong, expected):
    # With its district it comes first, and says what was matched.
    first = region_search(query=f"{sigungu} {dong}")[0]
    assert first.full_name == expected
    assert first.matched_dong == dong
    # Alone (as typed into the picker) it is among the results, ranked before mere
    # look-alikes: every result above it was also found through the 행정동 or by its name.
    alone = region_search(query=dong)
    found = [r.full_name for r in alone]
    assert expected in found
    for region in alone[: found.index(expected)]:
        assert region.matched_dong == dong or region.name == dong


@pytest.mark.parametrize(("sigungu", "name", "expected"), LEGAL_WITH_DIGITS)
def test_search_for_a_legal_dong_with_digits_finds_it_first_unlabelled(sigungu, name, expected):
    results = region_search(query=name)
    assert expected in [r.full_name for r in results if r.matched_dong is None]
    assert results[0].matched_dong is None and results[0].name == name
    first = region_search(query=f"{sigungu.split()[1]} {name}")[0]
    assert (first.full_name, first.matched_dong) == (expected, None)


def test_search_while_typing_a_number_already_finds_the_dong():
    first = region_search(query="망원1")[0]
    assert (first.full_name, first.matched_dong) == ("서울특별시 마포구 망원동", "망원1동")


def test_search_by_part_of_an_irregular_name():
    results = region_search(query="보라")
    bongcheon = [r for r in results if r.full_name == "서울특별시 관악구 봉천동"]
    assert bongcheon and bongcheon[0].matched_dong == "보라매동"


def test_a_hangjeong_sharing_a_legal_dongs_name_elsewhere_is_listed_after_it():
    # 관악구's 행정동 삼성동 lies in 신림동; 강남구's 삼성동 is a 법정동 and comes first.
    results = region_search(query="삼성동")
    found = [(r.full_name, r.matched_dong) for r in results]
    assert ("서울특별시 강남구 삼성동", None) in found
    assert ("서울특별시 관악구 신림동", "삼성동") in found
    assert found.index(("서울특별시 강남구 삼성동", None)) < found.index(
        ("서울특별시 관악구 신림동", "삼성동")
    )
    first = region_search(query="관악구 삼성동")[0]
    assert (first.full_name, first.matched_dong) == ("서울특별시 관악구 신림동", "삼성동")


def test_a_hangjeong_over_several_legal_dongs_lists_each_once():
    results = region_search(query="청운효자동")
    names = [r.name for r in results]
    assert {"청운동", "효자동", "누상동"} <= set(names)
    assert len(names) == len(set(names))
    assert all(r.matched_dong == "청운효자동" for r in results)
    ga = [r.name for r in region_search(query="영등포구 문래동")]
    assert ga == [f"문래동{n}가" for n in range(1, 7)]


def test_a_numbered_hangjeong_prefers_its_own_dong_to_a_ga_family():
    results = region_search(query="부평1동")
    assert results[0].full_name == "인천광역시 부평구 부평동"
    # 당산1동 lies over 당산동1가…5가: they are listed too, after 당산동 itself.
    dangsan = [r.name for r in region_search(query="당산1동")]
    assert dangsan[0] == "당산동"
    assert {"당산동1가", "당산동5가"} <= set(dangsan)


def test_same_hangjeong_name_in_several_districts_lists_all_by_full_name():
    results = region_search(query="성산2동")
    found = [r.full_name for r in results]
    assert "서울특별시 마포구 성산동" in found and "경상남도 창원시 성산구 성산동" in found
    assert found == sorted(found)  # no ranking by the searcher's own 시도 (none exists)


def test_search_with_hangjeong_costs_one_query(django_assert_max_num_queries):
    region_search(query="서")  # the first search in a process reads the index
    with django_assert_max_num_queries(1):
        assert region_search(query="마포구 망원1동")
    with django_assert_max_num_queries(1):
        assert region_search(query="보라매동")


def test_search_stays_fast_while_typing():
    region_search(query="서")  # build the index
    typed = ["망", "망원", "망원1", "망원1동", "동", "서울", "서울 관", "서울 관악구 보라매동", "1"]
    started = time.perf_counter()
    for _ in range(10):
        for query in typed:
            region_search(query=query)
    per_search = (time.perf_counter() - started) / (10 * len(typed))
    # ~1-3 ms here; the bound only catches a search that starts scanning the table again
    # (a busy shared machine must not make it flaky).
    assert per_search < 0.05, f"{per_search * 1000:.1f} ms a search"


# --- the address resolver -----------------------------------------------------------------


@pytest.mark.parametrize(("sido", "sigungu", "dong", "expected"), HANGJEONG, ids=_IDS)
def test_an_address_with_a_hangjeong_resolves_to_its_legal_dong(sido, sigungu, dong, expected):
    assert region_resolve_address(address=f"{sido} {sigungu} {dong} 123-4").full_name == expected
    assert region_resolve_address(address=f"{sigungu} {dong}").full_name == expected


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("서울 마포구 망원1동 123", "서울특별시 마포구 망원동"),
        ("서울특별시 마포구 망원제1동 123", "서울특별시 마포구 망원동"),
        ("서울 마포구 망원 1동", "서울특별시 마포구 망원동"),
        ("서울마포구망원1동123", "서울특별시 마포구 망원동"),
        ("서울 관악구 신사동 1600", "서울특별시 관악구 신림동"),
        ("서울 관악구 보라매동 산 12", "서울특별시 관악구 봉천동"),
        ("서울 보라매동", "서울특별시 관악구 봉천동"),
        ("부산 좌1동 1400", "부산광역시 해운대구 좌동"),
    ],
)
def test_hangjeong_addresses_written_in_other_ways(address, expected):
    assert region_resolve_address(address=address).full_name == expected


@pytest.mark.parametrize(("sigungu", "name", "expected"), LEGAL_WITH_DIGITS)
def test_an_address_with_a_legal_dong_with_digits_is_that_dong(sigungu, name, expected):
    assert region_resolve_address(address=f"{sigungu} {name} 12").full_name == expected


@pytest.mark.parametrize(
    ("address", "names"),
    [
        ("서울 종로구 청운효자동 12", {"청운동", "효자동", "신교동"}),
        ("서울 영등포구 문래동 54", {f"문래동{n}가" for n in range(1, 7)}),
        ("서울 성북구 월곡2동", {"하월곡동", "상월곡동"}),
        ("대구 동구 불로봉무동 100", {"불로동", "봉무동"}),
        ("인천 남동구 논현고잔동", {"논현동", "고잔동"}),
    ],
)
def test_a_hangjeong_over_several_legal_dongs_asks_which(address, names):
    with pytest.raises(RegionAddressError) as caught:
        region_resolve_address(address=address)
    error = caught.value
    assert error.code == "address_ambiguous"
    assert names <= {r.name for r in error.suggestions}
    assert len({r.sigungu for r in error.suggestions}) == 1
    assert "여러 곳에 걸쳐" in error.message and "동(읍·면)" in error.message


def test_a_hangjeong_name_in_several_districts_asks_for_the_district():
    with pytest.raises(RegionAddressError) as caught:
        region_resolve_address(address="성산2동 12")
    assert caught.value.code == "address_ambiguous"
    assert "'성산2동'" in caught.value.message and "시·군·구" in caught.value.message
    found = {r.full_name for r in caught.value.suggestions}
    assert {"서울특별시 마포구 성산동", "경상남도 창원시 성산구 성산동"} <= found


def test_a_road_named_after_a_hangjeong_is_not_that_dong():
    with pytest.raises(RegionAddressError):
        region_resolve_address(address="서울 관악구 보라매동길 12")


# --- the doors ----------------------------------------------------------------------------


def test_api_says_which_hangjeong_matched(api_client):
    response = api_client.get("/api/regions/", {"q": "망원1동"})
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert (first["full_name"], first["matched_dong"]) == ("서울특별시 마포구 망원동", "망원1동")
    plain = api_client.get("/api/regions/", {"q": "망원동"}).json()["results"][0]
    assert (plain["name"], plain["matched_dong"]) == ("망원동", None)


def test_picker_shows_the_hangjeong_before_the_legal_dong(client):
    response = client.get("/regions/search/", {"field": "address", "address": "망원1동"})
    html = response.content.decode()
    assert "data-region-via" in html
    assert "망원1동" in html and "<strong>망원동</strong>" in html
    assert html.index("망원1동") < html.index("<strong>망원동</strong>")
    assert 'data-region-name="서울특별시 마포구 망원동"' in html
    plain = client.get("/regions/search/", {"q": "서교동"}).content.decode()
    assert "data-region-via" not in plain
