"""The original client's /api/user/* endpoints, row by row from API_CONTRACT.md."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from mealbuddy.accounts.models import User
from tests.conftest import SEOGYO, client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "새로운-비밀번호-2025"


def register_body(**overrides):
    body = {
        "email": "Newbie@Example.com",
        "username": "새이웃",
        "password": "배고픈-저녁-2024",
        "password2": "배고픈-저녁-2024",
        "address": "서울 마포구 서교동 395-166",
    }
    body.update(overrides)
    return body


def assert_user_object(data, user):
    assert set(data) == {"id", "email", "username", "address", "token", "refresh"}
    assert data["id"] == user.pk and isinstance(data["id"], int)
    assert data["email"] == user.email
    assert data["username"] == user.username
    assert data["address"] == user.address


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {token}")
    return client


# --- register ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_register_returns_201_with_user_and_a_working_token(api_client, fmt):
    response = api_client.post("/api/user/register/", register_body(), format=fmt)
    assert response.status_code == 201, response.content
    user = User.objects.get(email="newbie@example.com")
    assert user.region.code == SEOGYO
    assert user.address == "서울 마포구 서교동 395-166"
    assert_user_object(response.json()["user"], user)
    me = with_token(response.json()["user"]["token"]).get("/api/user/current/")
    assert me.status_code == 200 and me.json()["user"]["id"] == user.pk


def test_register_duplicate_email_case_insensitive_and_duplicate_username(api_client, user):
    body = register_body(email=user.email.upper(), username=user.username)
    response = api_client.post("/api/user/register/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["email"] == ["이미 가입된 이메일이에요."]
    assert errors["username"] == ["이미 사용 중인 닉네임이에요."]
    assert User.objects.count() == 1


def test_register_weak_password_gets_django_validator_messages_in_korean(api_client):
    response = api_client.post(
        "/api/user/register/", register_body(password="1234", password2="1234"), format="json"
    )
    assert response.status_code == 400
    messages = response.json()["errors"]["password"]
    assert "비밀번호가 너무 짧아요. 8자 이상 입력해 주세요." in messages
    assert "비밀번호가 숫자로만 되어 있어요. 문자를 섞어 주세요." in messages


def test_register_password_similar_to_email_is_refused(api_client):
    body = register_body(
        email="gildong.hong@example.com", password="gildong.hong", password2="gildong.hong"
    )
    response = api_client.post("/api/user/register/", body, format="json")
    assert response.status_code == 400
    assert (
        "비밀번호가 이메일과 너무 비슷해요. 다른 비밀번호를 입력해 주세요."
        in response.json()["errors"]["password"]
    )


def test_register_mismatched_passwords(api_client):
    response = api_client.post(
        "/api/user/register/", register_body(password2="다른-비밀번호-99"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"password2": ["비밀번호가 서로 일치하지 않아요."]}
    assert not User.objects.exists()


def test_register_empty_address_asks_for_the_dong(api_client):
    response = api_client.post("/api/user/register/", register_body(address=""), format="json")
    assert response.status_code == 400
    [message] = response.json()["errors"]["address"]
    assert "동" in message


def test_register_road_address_without_dong_is_refused_with_suggestions(api_client):
    response = api_client.post(
        "/api/user/register/", register_body(address="서울 마포구 와우산로 94"), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert "동" in body["errors"]["address"][0]
    assert body["suggestions"]
    assert all(name.startswith("서울특별시 마포구 ") for name in body["suggestions"])
    assert not User.objects.exists()


def test_register_reports_every_bad_field_at_once(api_client):
    response = api_client.post(
        "/api/user/register/",
        {"email": "not-an-email", "username": "", "password": "", "password2": "", "address": ""},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "username", "password", "address"}


# --- login ------------------------------------------------------------------------------------


def test_login_returns_user_with_tokens(api_client, user):
    response = api_client.post(
        "/api/user/login/", {"email": user.email.upper(), "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert_user_object(response.json()["user"], user)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "neighbour0@example.com", "password": "틀린-비밀번호"},
        {"email": "nobody@example.com", "password": DEFAULT_PASSWORD},
        {"email": "", "password": ""},
    ],
)
def test_login_wrong_credentials_is_400_with_error_key(api_client, user, body):
    body = {**body, "email": body["email"].replace("neighbour0@example.com", user.email)}
    response = api_client.post("/api/user/login/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"error": ["이메일 또는 비밀번호가 올바르지 않아요."]}


def test_login_deactivated_account_is_400(api_client, user):
    client_for(user).post("/api/user/delete/", {"password": DEFAULT_PASSWORD})
    response = api_client.post(
        "/api/user/login/", {"email": "neighbour@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["error"]


# --- current ----------------------------------------------------------------------------------


def test_current_returns_a_fresh_valid_token(auth_client, user):
    old = auth_client._credentials["HTTP_AUTHORIZATION"].split()[1]
    response = auth_client.get("/api/user/current/")
    assert response.status_code == 200
    data = response.json()["user"]
    assert_user_object(data, user)
    assert data["token"] != old
    again = with_token(data["token"]).get("/api/user/current/")
    assert again.status_code == 200


def test_current_accepts_bearer_and_any_case_of_token(user):
    from mealbuddy.accounts.tokens import tokens_for_user

    token = tokens_for_user(user)["token"]
    for scheme in ("Bearer", "TOKEN", "Token", "bearer"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
        assert client.get("/api/user/current/").status_code == 200, scheme


def test_current_without_valid_token_is_401(api_client):
    assert api_client.get("/api/user/current/").status_code in (401, 403)
    response = with_token("not-a-jwt").get("/api/user/current/")
    assert response.status_code == 401
    assert "errors" in response.json()


# --- update -----------------------------------------------------------------------------------


def test_update_returns_flat_user_object(auth_client, user):
    response = auth_client.post(
        "/api/user/update/", {"username": "합정새댁", "address": "서울특별시 마포구 합정동"}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.username == "합정새댁" and user.region.full_name == "서울특별시 마포구 합정동"
    assert_user_object(response.json(), user)


def test_update_only_username_keeps_the_neighbourhood(auth_client, user, seogyo):
    response = auth_client.post("/api/user/update/", {"username": "닉만바꿈"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.username == "닉만바꿈" and user.region == seogyo


def test_update_errors_are_wrapped_per_field(auth_client, user):
    other = UserFactory()
    response = auth_client.post(
        "/api/user/update/", {"username": other.username, "address": "어딘가 모르는 곳"}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["username"] == ["이미 사용 중인 닉네임이에요."]
    assert errors["address"] and "동" in errors["address"][0]
    user.refresh_from_db()
    assert user.username != other.username


def test_update_requires_authentication(api_client):
    assert api_client.post("/api/user/update/", {"username": "x"}).status_code in (401, 403)


# --- changepassword ---------------------------------------------------------------------------


def test_changepassword_success_and_old_token_stops_working(auth_client, user):
    response = auth_client.post(
        "/api/user/changepassword/",
        {
            "current_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert response.json()["message"]
    assert auth_client.get("/api/user/current/").status_code == 401
    new_token = response.json()["user"]["token"]
    assert with_token(new_token).get("/api/user/current/").status_code == 200
    login = APIClient().post("/api/user/login/", {"email": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("new1", "new2", "expected"),
    [
        (NEW_PASSWORD, NEW_PASSWORD + "x", "새 비밀번호가 서로 일치하지 않아요."),
        ("1234", "1234", "비밀번호가 너무 짧아요. 8자 이상 입력해 주세요."),
        (DEFAULT_PASSWORD, DEFAULT_PASSWORD, "현재 비밀번호와 다른 비밀번호를 입력해 주세요."),
    ],
)
def test_changepassword_bad_new_password_is_unwrapped_new_password1(
    auth_client, new1, new2, expected
):
    response = auth_client.post(
        "/api/user/changepassword/",
        {"current_password": DEFAULT_PASSWORD, "new_password1": new1, "new_password2": new2},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["new_password1"]
    assert expected in body["new_password1"]


def test_changepassword_wrong_current_is_unwrapped_error(auth_client, user):
    response = auth_client.post(
        "/api/user/changepassword/",
        {
            "current_password": "틀렸음-123",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert response.json() == {"error": ["현재 비밀번호가 올바르지 않아요."]}
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


# --- delete -----------------------------------------------------------------------------------


def test_delete_deactivates_and_kills_the_token(auth_client, user):
    response = auth_client.post("/api/user/delete/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    user.refresh_from_db()
    assert not user.is_active and user.deactivated_at is not None
    assert user.display_name == "(탈퇴한 사용자)"
    assert auth_client.get("/api/user/current/").status_code == 401


def test_delete_wrong_password_is_401_with_a_json_string(auth_client, user):
    response = auth_client.post("/api/user/delete/", {"password": "아님-아님-아님"}, format="json")
    assert response.status_code == 401
    assert response.json() == "유효하지 않은 유저정보 입니다."
    user.refresh_from_db()
    assert user.is_active


def test_delete_without_token_is_401_with_a_json_string(api_client):
    response = api_client.post("/api/user/delete/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 401
    assert isinstance(response.json(), str)
    response = with_token("garbage").post("/api/user/delete/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 401
    assert isinstance(response.json(), str)


# --- CSRF: token requests need none, cookie requests keep it ---------------------------------


def test_token_requests_need_no_csrf(user):
    from mealbuddy.accounts.tokens import tokens_for_user

    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"token {tokens_for_user(user)['token']}")
    assert client.post("/api/user/update/", {"username": "토큰만"}).status_code == 200
    anonymous = APIClient(enforce_csrf_checks=True)
    assert (
        anonymous.post(
            "/api/user/login/", {"email": user.email, "password": DEFAULT_PASSWORD}
        ).status_code
        == 200
    )


def test_session_cookie_requests_keep_csrf(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/user/update/", {"username": "세션으로"})
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.username != "세션으로"
