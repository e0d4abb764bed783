"""Accounts made through Kakao, Naver or Google have no usable password: they set a first one
without a current one, and delete by typing their nickname. Password accounts keep exactly
what they had, and a stolen session of one cannot take the nickname path."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from mealbuddy.accounts import services
from mealbuddy.accounts.errors import InvalidInput
from mealbuddy.accounts.models import TokenSession, User
from mealbuddy.accounts.tokens import tokens_for_user
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "새로-만든-비번-2026"


@pytest.fixture
def kakao_user() -> User:
    """Signed up with Kakao only (social_user_register makes it so: no usable password)."""
    person = UserFactory()
    person.set_unusable_password()
    person.save(update_fields=["password"])
    SocialAccount.objects.create(user=person, provider="kakao", uid="k-1")
    return person


def web(person: User) -> Client:
    client = Client()
    client.force_login(person)
    return client


def api(person: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"token {tokens_for_user(person)['token']}")
    return client


FORM = "application/x-www-form-urlencoded"


def urlencoded(data: dict) -> str:
    """Form data as a raw client can send it (lone surrogates as their bytes, lists repeated)."""
    pairs = [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]
    return "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in pairs)


def still_active(person: User) -> bool:
    person.refresh_from_db()
    return person.is_active and person.deactivated_at is None


# --- Services -------------------------------------------------------------------------------


def test_an_account_without_a_password_sets_one_without_a_current_one(kakao_user):
    tokens_for_user(kakao_user)  # another device's session
    services.user_change_password(
        user=kakao_user, current_password="", new_password1=NEW, new_password2=NEW
    )
    kakao_user.refresh_from_db()
    assert kakao_user.has_usable_password() and kakao_user.check_password(NEW)
    # whoever else held a session (a stolen one included) is logged out
    assert not TokenSession.objects.filter(user=kakao_user, revoked_at__isnull=True).exists()
    assert not OutstandingToken.objects.filter(
        user=kakao_user, blacklistedtoken__isnull=True
    ).exists()
    # and from now on the password is asked like anyone's
    with pytest.raises(InvalidInput) as exc:
        services.user_change_password(
            user=kakao_user, current_password="", new_password1=NEW + "x", new_password2=NEW + "x"
        )
    assert list(exc.value.errors) == ["current_password"]


def test_setting_a_first_password_still_checks_the_new_one(kakao_user):
    with pytest.raises(InvalidInput) as exc:
        services.user_change_password(
            user=kakao_user, new_password1="12345678", new_password2="12345678"
        )
    assert list(exc.value.errors) == ["new_password1"]
    with pytest.raises(InvalidInput) as exc:
        services.user_change_password(user=kakao_user, new_password1=NEW, new_password2=NEW + "!")
    assert list(exc.value.errors) == ["new_password2"]
    kakao_user.refresh_from_db()
    assert not kakao_user.has_usable_password()


def test_a_password_account_still_needs_its_current_password(user):
    with pytest.raises(InvalidInput) as exc:
        services.user_change_password(
            user=user, current_password="", new_password1=NEW, new_password2=NEW
        )
    assert exc.value.errors == {"current_password": ["현재 비밀번호가 올바르지 않아요."]}
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_an_account_without_a_password_deletes_by_typing_its_nickname(kakao_user):
    services.user_deactivate(user=kakao_user, username=f" {kakao_user.username} ")
    assert not still_active(kakao_user)


@pytest.mark.parametrize("typed", [None, "", "다른이름", "아무거나-비밀번호"])
def test_a_wrong_or_missing_nickname_deletes_nothing(kakao_user, typed):
    with pytest.raises(InvalidInput) as exc:
        services.user_deactivate(user=kakao_user, password=DEFAULT_PASSWORD, username=typed)
    assert exc.value.errors == {"username": [services.WRONG_NICKNAME]}
    assert still_active(kakao_user)


def test_the_nickname_must_match_exactly(kakao_user):
    kakao_user.username = "Mealbuddy"
    kakao_user.save(update_fields=["username"])
    with pytest.raises(InvalidInput):
        services.user_deactivate(user=kakao_user, username="mealbuddy")
    assert still_active(kakao_user)


def test_a_password_account_cannot_delete_with_its_nickname(user):
    """A stolen session of a password user knows the nickname, not the password."""
    for password in ("", "틀림"):
        with pytest.raises(InvalidInput) as exc:
            services.user_deactivate(user=user, password=password, username=user.username)
        assert exc.value.errors == {"password": [services.WRONG_PASSWORD]}
    assert still_active(user)


def test_a_password_account_with_a_provider_linked_still_needs_the_password(user):
    SocialAccount.objects.create(user=user, provider="kakao", uid="k-2")
    with pytest.raises(InvalidInput):
        services.user_deactivate(user=user, username=user.username)
    assert still_active(user)
    services.user_deactivate(user=user, password=DEFAULT_PASSWORD)
    assert not still_active(user)


def test_a_first_password_then_deletion_asks_for_that_password(kakao_user):
    services.user_change_password(user=kakao_user, new_password1=NEW, new_password2=NEW)
    with pytest.raises(InvalidInput):
        services.user_deactivate(user=kakao_user, username=kakao_user.username)
    services.user_deactivate(user=kakao_user, password=NEW)
    assert not still_active(kakao_user)


def test_a_deleted_account_cannot_be_deleted_again_by_nickname(kakao_user):
    services.user_deactivate(user=kakao_user, username=kakao_user.username)
    kakao_user.refresh_from_db()
    with pytest.raises(InvalidInput):
        services.user_deactivate(user=kakao_user, username=kakao_user.username)


# --- Pages ----------------------------------------------------------------------------------


def test_my_page_offers_to_make_a_password(kakao_user, user):
    assert "비밀번호 만들기" in web(kakao_user).get("/accounts/me/").content.decode()
    html = web(user).get("/accounts/me/").content.decode()
    assert "비밀번호 변경" in html and "비밀번호 만들기" not in html


def test_password_page_sets_a_first_password_and_keeps_this_session(kakao_user):
    client = web(kakao_user)
    page = client.get("/accounts/password/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="current_password"' not in html and "비밀번호 만들기" in html
    response = client.post("/accounts/password/", {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    assert client.get("/accounts/me/").status_code == 200  # still logged in
    kakao_user.refresh_from_db()
    assert kakao_user.check_password(NEW)
    # the e-mail and the new password now log in too
    fresh = Client()
    login = fresh.post("/accounts/login/", {"email": kakao_user.email, "password": NEW})
    assert login.status_code == 302


def test_password_page_of_a_password_account_is_unchanged(user):
    client = web(user)
    assert 'name="current_password"' in client.get("/accounts/password/").content.decode()
    response = client.post("/accounts/password/", {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 400
    assert response.context["form"].errors["current_password"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_delete_page_asks_the_nickname_of_an_account_without_a_password(kakao_user):
    client = web(kakao_user)
    html = client.get("/accounts/delete/").content.decode()
    assert 'name="username"' in html and 'name="password"' not in html
    assert kakao_user.username in html
    wrong = client.post("/accounts/delete/", {"username": "다른이름"})
    assert wrong.status_code == 400
    assert wrong.context["form"].errors["username"] == [services.WRONG_NICKNAME]
    empty = client.post("/accounts/delete/", {})
    assert empty.context["form"].errors["username"] == ["닉네임을 입력해 주세요."]
    assert still_active(kakao_user)
    done = client.post("/accounts/delete/", {"username": kakao_user.username})
    assert done.status_code == 302
    assert not still_active(kakao_user)
    assert client.get("/accounts/me/").status_code == 302  # logged out


def test_a_stolen_session_of_a_password_user_cannot_delete_by_nickname(user):
    client = web(user)
    html = client.get("/accounts/delete/").content.decode()
    assert 'name="password"' in html and 'name="username"' not in html
    response = client.post("/accounts/delete/", {"username": user.username})
    assert response.status_code == 400
    assert response.context["form"].errors["password"] == ["비밀번호를 입력해 주세요."]
    response = client.post("/accounts/delete/", {"username": user.username, "password": "틀림"})
    assert response.context["form"].errors["password"] == [services.WRONG_PASSWORD]
    assert still_active(user)
    assert client.post("/accounts/delete/", {"password": DEFAULT_PASSWORD}).status_code == 302
    assert not still_active(user)


# --- REST API -------------------------------------------------------------------------------


def test_me_says_whether_there_is_a_password(kakao_user, user):
    assert api(kakao_user).get("/api/me/").json()["has_password"] is False
    assert api(user).get("/api/me/").json()["has_password"] is True


def test_api_sets_a_first_password_and_hands_out_a_new_pair(kakao_user):
    client = api(kakao_user)
    response = client.post(
        "/api/me/password/", {"new_password1": NEW, "new_password2": NEW}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == "비밀번호를 만들었어요."
    assert client.get("/api/me/").status_code == 401  # the token used here ended
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"token {body['token']}")
    assert fresh.get("/api/me/").json()["has_password"] is True


def test_api_password_change_of_a_password_account_needs_the_current_one(user):
    client = api(user)
    response = client.post(
        "/api/me/password/", {"new_password1": NEW, "new_password2": NEW}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["current_password"]
    response = client.post(
        "/api/me/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password1": NEW, "new_password2": NEW},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["message"] == "비밀번호를 바꿨어요."


def test_api_deletes_an_account_without_a_password_by_nickname(kakao_user):
    client = api(kakao_user)
    wrong = client.post("/api/me/delete/", {"username": "다른이름"}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["errors"] == {"username": [services.WRONG_NICKNAME]}
    assert still_active(kakao_user)
    done = client.post("/api/me/delete/", {"username": kakao_user.username}, format="json")
    assert done.status_code == 200
    assert not still_active(kakao_user)
    assert client.get("/api/me/").status_code == 401


def test_api_stolen_token_of_a_password_user_cannot_delete_by_nickname(user):
    client = api(user)
    response = client.post("/api/me/delete/", {"username": user.username}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"password": [services.WRONG_PASSWORD]}
    assert still_active(user)
    done = client.post("/api/me/delete/", {"password": DEFAULT_PASSWORD}, format="json")
    assert done.status_code == 200
    assert not still_active(user)


def test_compat_delete_of_an_account_without_a_password_is_the_contract_refusal(kakao_user):
    """The original client sends a password only: a bare JSON string and 401, as always."""
    client = api(kakao_user)
    for body in ({"password": ""}, {"password": kakao_user.username}):
        response = client.post("/api/user/delete/", body, format="json")
        assert response.status_code == 401
        assert isinstance(response.json(), str)
    assert still_active(kakao_user)


@pytest.mark.parametrize("path", ["/api/me/password/", "/api/me/delete/"])
@pytest.mark.parametrize(
    "body",
    [
        {"username": ["a"], "password": {"x": 1}},
        {"current_password": None, "new_password1": 12, "new_password2": True},
        {"username": "x" * 100_000, "password": "y" * 100_000},
        {"username": "\x00", "new_password1": "\ud800", "new_password2": "\ud800"},
        [],
        "글자",
    ],
)
def test_bad_input_is_never_a_500(kakao_user, path, body):
    client = api(kakao_user)
    client.raise_request_exception = False
    # json.dumps escapes the lone surrogate as \ud800, the way a broken client sends it.
    response = client.post(path, json.dumps(body), content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert still_active(kakao_user)


@pytest.mark.parametrize("path", ["/accounts/password/", "/accounts/delete/"])
def test_bad_page_input_is_never_a_500(kakao_user, user, path):
    for person in (kakao_user, user):
        client = web(person)
        client.raise_request_exception = False
        for data in (
            {"username": "\x00", "password": "\x00", "new_password1": "a" * 50_000},
            {"username": ["a", "b"], "current_password": "", "new_password2": "\ud800"},
        ):
            response = client.post(path, urlencoded(data), content_type=FORM)
            assert response.status_code == 400, (person, data)
        assert still_active(person)


def test_anonymous_cannot_use_either_endpoint(api_client):
    for path in ("/api/me/password/", "/api/me/delete/"):
        assert api_client.post(path, {}, format="json").status_code == 401
