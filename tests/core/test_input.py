"""Bad input never causes a 500: every class of hostile input gets a 4xx and a Korean message.

Each test sends what an attacker (or a broken client) would, and checks what they would see:
the status, the field the error names, and that nothing was stored.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mealbuddy.accounts.models import User
from mealbuddy.groupbuys.models import GroupOrder
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HUGE = "9" * 30  # far beyond a 64-bit id
LONE_SURROGATE_JSON = '"a\\ud800b"'  # valid JSON text, but no database can store it


@pytest.fixture
def host():
    return UserFactory()


@pytest.fixture
def api(host):
    client = client_for(host)
    client.raise_request_exception = False
    return client


@pytest.fixture
def page(host):
    client = Client(raise_request_exception=False)
    client.force_login(host)
    return client


@pytest.fixture
def room(host):
    from tests.chat.helpers import room_with

    return room_with(host, UserFactory())


def post_json(client, url: str, body: str):
    return client.generic("POST", url, body, content_type="application/json")


# --- integers beyond 64 bits ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/post/detail/{}/",
        "/api/post/detail/{}/edit",
        "/api/post/detail/{}/edit/",
        "/api/chat/{}/",
        "/api/chat/{}/user/",
        "/api/groupbuys/{}/",
        "/api/groupbuys/items/{}/",
        "/api/chats/{}/messages/",
        "/api/regions/{}/",
        "/api/regions/{}/neighbours/",
    ],
)
@pytest.mark.parametrize("huge", [HUGE, str(2**63), "9" * 5000], ids=["30", "2^63", "5000"])
def test_api_ids_beyond_64_bits_answer_like_any_missing_id(api, url, huge):
    missing = api.get(url.format(987654321))
    response = api.get(url.format(huge))
    assert response.status_code == missing.status_code
    assert response.status_code in (400, 404, 405)
    assert response.json() == missing.json()


@pytest.mark.parametrize("url", ["/groupbuys/{}/", "/chats/{}/"])
@pytest.mark.parametrize("huge", [HUGE, str(2**63)])
def test_page_ids_beyond_64_bits_answer_like_any_missing_id(page, url, huge):
    assert page.get(url.format(huge)).status_code == page.get(url.format(987654321)).status_code


def test_largest_64_bit_id_is_routed_and_simply_missing(api):
    assert api.get(f"/api/post/detail/{2**63 - 1}/").status_code == 404


@pytest.mark.parametrize("raw", ["1e20", HUGE, "-5", "abc", "9" * 5000])
def test_original_feed_reads_any_page_number_as_a_page(api, room, raw):
    response = api.get(f"/api/post/?page={raw}")
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["posts"]] == [room.group_order_id]


@pytest.mark.parametrize("raw", ["1e20", HUGE, "0", "abc"])
def test_own_api_page_beyond_bounds_is_a_field_error(api, raw):
    response = api.get(f"/api/groupbuys/?page={raw}")
    assert response.status_code == 400
    assert "페이지" in response.json()["errors"]["page"][0]


@pytest.mark.parametrize("raw", ["1e20", HUGE, "abc"])
def test_board_page_reads_any_page_number(page, raw):
    assert page.get(f"/?page={raw}").status_code == 200


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/notifications/read/", {"ids": [10**30]}, "ids"),
        (
            "/api/post/write/",
            {"title": "t", "category": "치킨", "target_number": 10**30},
            "target_number",
        ),
        ("/api/user/update/", {"region": 10**30}, "region"),
    ],
)
def test_json_integers_beyond_64_bits_are_field_errors(api, url, body, field):
    response = post_json(api, url, json.dumps(body))
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_ban_target_beyond_64_bits_in_a_form_is_a_field_error(api, room):
    response = api.post(
        f"/api/chat/{room.pk}/user/ban/", {"target_user_id": HUGE}, format="multipart"
    )
    assert response.status_code == 400
    assert "target_user_id" in response.json()["errors"]


# --- NUL and lone surrogates ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/api/post/?category=%00", "/api/groupbuys/?q=a%00b", "/api/regions/?q=%00", "/api/chats/"],
)
def test_nul_in_a_query_parameter_is_a_field_error(api, url):
    if "?" not in url:
        url += "?x%00=1"
    response = api.get(url)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "허용되지 않는 문자" in next(iter(errors.values()))[0]


def test_nul_in_a_query_names_the_parameter(api):
    assert api.get("/api/groupbuys/?q=%00").json()["errors"] == {
        "q": ["허용되지 않는 문자(NUL 또는 깨진 유니코드)가 들어 있어요."]
    }


@pytest.mark.parametrize("url", ["/?q=%00", "/regions/search/?q=%00", "/chats/?x=%00"])
def test_nul_in_a_page_query_is_a_korean_400(page, url):
    response = page.get(url)
    assert response.status_code == 400
    assert "허용되지 않는 문자" in response.content.decode()


@pytest.mark.parametrize("title", ['"a\\u0000b"', LONE_SURROGATE_JSON, '"\\udfff"'])
def test_nul_or_lone_surrogate_in_json_is_refused_before_saving(api, title):
    body = f'{{"title": {title}, "category": "치킨", "target_number": 3}}'
    response = post_json(api, "/api/post/write/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["title"]
    assert not GroupOrder.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"email": "a\\u0000@example.com", "password": "x"}',
        '{"email": "a\\udfff@example.com", "password": "x"}',
        '{"email\\u0000": "a@example.com", "password": "x"}',
    ],
)
def test_nul_or_surrogate_at_login_is_a_400(api, body):
    response = post_json(api, "/api/user/login/", body)
    assert response.status_code == 400


def test_nul_in_a_page_form_is_refused_before_saving(page):
    response = page.post(
        "/groupbuys/new/",
        "title=a%00b&category=%EC%B9%98%ED%82%A8&target_count=3",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "허용되지 않는 문자" in response.content.decode()
    assert not GroupOrder.objects.exists()


def test_nul_in_a_multipart_api_field_names_the_field(api):
    response = api.post("/api/user/update/", {"username": "a\x00b"}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["username"]


# --- deep nesting, size --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/post/write/", "/api/user/login/", "/api/groupbuys/"])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(api, url):
    response = post_json(api, url, "[" * 50_000 + "]" * 50_000)
    assert response.status_code == 400
    assert response.json()["errors"]["error"] == ["JSON이 너무 깊게 중첩되어 있어요."]


def test_moderately_nested_json_inside_a_field_names_it(api):
    nested = "[" * 100 + "]" * 100
    response = post_json(api, "/api/post/write/", f'{{"title": {nested}}}')
    assert response.status_code == 400
    assert "title" in response.json()["errors"]


def test_json_body_over_the_upload_limit_is_413_json(api, settings):
    body = json.dumps({"title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = post_json(api, "/api/post/write/", body)
    assert response.status_code == 413
    assert "요청 본문이 너무 커요" in response.json()["errors"]["error"][0]
    assert not GroupOrder.objects.exists()


def test_json_parser_stops_reading_past_the_limit_whatever_the_declared_length(settings):
    """The parser never trusts a declared length: it reads at most limit + 1 bytes."""
    import io

    from rest_framework.test import APIRequestFactory

    from mealbuddy.core.input import JSONBodyParser, TooLarge

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    request = APIRequestFactory().post("/api/post/write/", "{}", content_type="application/json")
    stream = io.BytesIO(json.dumps({"title": "x" * 5000}).encode())
    with pytest.raises(TooLarge):
        JSONBodyParser().parse(stream, "application/json", {"request": request})
    assert stream.tell() == 1001


def test_form_body_over_the_upload_limit_is_413(api, page, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    form = "title=" + "x" * 2000
    response = api.generic(
        "POST", "/api/user/update/", form, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    response = page.post("/groupbuys/new/", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_nan_in_json_is_a_400(api):
    response = post_json(api, "/api/post/write/", '{"title": NaN}')
    assert response.status_code == 400


# --- long strings ---------------------------------------------------------------------------------


def test_sixty_thousand_character_email_at_login_is_a_field_error(api):
    body = json.dumps({"email": "a" * 60_000 + "@example.com", "password": "x"})
    response = post_json(api, "/api/user/login/", body)
    assert response.status_code == 400
    assert "254자" in response.json()["errors"]["email"][0]


def test_sixty_thousand_character_email_on_the_login_page_is_a_form_error():
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"email": "a" * 60_000 + "@example.com", "password": "x"}
    )
    assert response.status_code in (200, 400)
    assert "254" in response.content.decode() or "이메일" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/api/groupbuys/?q=", "/api/regions/?q=", "/?q=", "/regions/search/?q="]
)
def test_sixty_thousand_character_search_never_fails(api, page, url):
    client = page if url.startswith(("/?", "/regions")) else api
    response = client.get(url + "가 나" * 20_000)
    assert response.status_code in (200, 400)


def test_sixty_thousand_character_address_at_sign_up_is_a_field_error(api):
    body = {
        "email": "new@example.com",
        "username": "새이웃",
        "password": "맛있는-저녁-2024",
        "password2": "맛있는-저녁-2024",
        "address": "서교동 " * 10_000,
    }
    response = post_json(api, "/api/user/register/", json.dumps(body))
    assert response.status_code == 400
    assert "address" in response.json()["errors"]
    assert not User.objects.filter(email="new@example.com").exists()


# --- non-string values where the original client sends text -----------------------------------


@pytest.mark.parametrize("value", [["x"], {"a": 1}, True, 5])
def test_compat_post_title_must_be_text(api, value):
    body = {"title": value, "category": "치킨", "target_number": 3}
    response = post_json(api, "/api/post/write/", json.dumps(body))
    assert response.status_code == 400
    assert response.json()["errors"]["title"] == ["글자로 보내 주세요."]
    assert not GroupOrder.objects.exists()


def test_compat_post_edit_refuses_a_list_title_and_keeps_the_old_one(api, room):
    pk = room.group_order_id
    response = post_json(api, f"/api/post/detail/{pk}/edit", json.dumps({"content": ["x"]}))
    assert response.status_code == 400
    assert "content" in response.json()["errors"]
    assert GroupOrder.objects.get(pk=pk).description != "['x']"


@pytest.mark.parametrize("field", ["username", "address"])
def test_compat_user_update_refuses_non_text(api, host, field):
    response = post_json(api, "/api/user/update/", json.dumps({field: ["x"]}))
    assert response.status_code == 400
    assert response.json()["errors"][field] == ["글자로 보내 주세요."]
    host.refresh_from_db()
    assert getattr(host, field) != "['x']"


def test_compat_region_may_still_be_a_json_number(api, host):
    response = post_json(api, "/api/user/update/", json.dumps({"region": host.region_id}))
    assert response.status_code == 200


def test_compat_login_refuses_a_list_email(api):
    response = post_json(api, "/api/user/login/", json.dumps({"email": ["a"], "password": "x"}))
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_ban_page_with_a_user_id_beyond_64_bits_bans_nobody(page, room):
    from mealbuddy.groupbuys.models import Participation

    response = page.post(f"/groupbuys/{room.group_order_id}/ban/", {"user_id": HUGE})
    assert response.status_code < 500
    assert Participation.objects.filter(group_order_id=room.group_order_id).count() == 2
