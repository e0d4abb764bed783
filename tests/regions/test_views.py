import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def test_search_partial_lists_buttons_that_carry_the_region(client, seogyo):
    response = client.get("/regions/search/", {"q": "서교"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-region-id="{seogyo.pk}"' in html
    assert 'data-region-name="서울특별시 마포구 서교동"' in html
    assert html.index("서울특별시 마포구 서교동") < html.index("전라남도 여수시 서교동")
    assert '<button type="button" data-region-choice' in html


def test_search_partial_reads_the_pickers_own_input(client, seogyo):
    response = client.get("/regions/search/", {"field": "address", "address": "마포구 서교"})
    assert f'data-region-id="{seogyo.pk}"' in response.content.decode()


def test_search_partial_with_nothing_typed_is_empty(client):
    response = client.get("/regions/search/", {"field": "address", "address": "  "})
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_search_partial_says_when_nothing_matches(client):
    response = client.get("/regions/search/", {"q": "없는동네이름"})
    html = response.content.decode()
    assert "‘없는동네이름’에 맞는 동네가 없어요" in html
    assert 'data-region-count="0"' in html


def test_search_partial_escapes_what_was_typed(client):
    response = client.get("/regions/search/", {"q": "<script>alert(1)</script>"})
    assert "<script>" not in response.content.decode()


def test_reverse_partial_offers_the_region_for_selection(client, seogyo):
    response = client.get("/regions/reverse/", {"lat": seogyo.lat, "lon": seogyo.lon})
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-region-autoselect" in html
    assert f'data-region-id="{seogyo.pk}"' in html


def test_reverse_partial_outside_korea_explains(client):
    response = client.get("/regions/reverse/", {"lat": 35.6812, "lon": 139.7671})
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-region-autoselect" not in html
    assert "국내 동네를 찾지 못했어요" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "위도(lat)를 입력해 주세요."),
        ({"lat": "x", "lon": "127"}, "위도(lat)는 숫자여야 해요."),
        ({"lat": "37", "lon": "999"}, "경도(lon)는 -180에서 180 사이여야 해요."),
    ],
)
def test_reverse_partial_refuses_bad_coordinates(client, params, message):
    response = client.get("/regions/reverse/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_partials_only_answer_get(client):
    assert client.post("/regions/search/", {"q": "서교"}).status_code == 405


def _picker(**context):
    request = RequestFactory().get("/")
    return render_to_string("regions/_picker.html", context, request=request)


def test_picker_is_a_labelled_field_with_a_hidden_region_input(seogyo):
    html = _picker(field_name="address", value="서울특별시 마포구 서교동", region_id=seogyo.pk)
    assert '<label for="id_address">동네</label>' in html
    assert 'id="id_address" name="address" value="서울특별시 마포구 서교동"' in html
    assert f'<input type="hidden" name="region" value="{seogyo.pk}"' in html
    assert 'hx-get="/regions/search/"' in html
    assert 'hx-trigger="input changed delay:200ms"' in html
    assert 'hx-target="#address-suggestions"' in html
    assert 'aria-describedby="address-help"' in html
    assert 'aria-invalid="true"' not in html
    assert "현재 위치로" in html
    assert 'data-reverse-url="/regions/reverse/"' in html
    assert "js/region-picker.js" in html


def test_picker_links_its_errors_to_the_input():
    html = _picker(
        field_name="home", value="서울 마포구 양화로 45", errors=["동 이름을 넣어 주세요."]
    )
    assert 'aria-describedby="home-help home-errors"' in html
    assert 'aria-invalid="true"' in html
    assert '<ul class="errorlist" id="home-errors"><li>동 이름을 넣어 주세요.</li></ul>' in html
    assert 'value="서울 마포구 양화로 45"' in html  # keeps what was typed
    assert '<input type="hidden" name="region" value=""' in html


def test_picker_defaults_to_the_address_field():
    html = _picker()
    assert 'name="address" value=""' in html
