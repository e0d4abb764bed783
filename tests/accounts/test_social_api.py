"""Provider log-in for API clients: the same token pair as a password log-in."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from rest_framework.test import APIClient

from mealbuddy.accounts.models import User
from tests.accounts.fake_oauth import FakeOAuth
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REDIRECT = "com.mealbuddy.app://oauth"


@pytest.fixture(scope="module")
def fake():
    server = FakeOAuth().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _providers(settings, fake):
    settings.SOCIALACCOUNT_PROVIDERS = FakeOAuth.providers_setting()
    settings.SOCIAL_PROVIDER_URLS = fake.urls()


@pytest.fixture
def api():
    return APIClient()


def post(api, provider: str, body: dict):
    return api.post(f"/api/auth/social/{provider}/", body, format="json")


def assert_working_pair(api, user, body: dict) -> None:
    """The pair works like a password log-in's: the access token authenticates, the refresh
    token rotates."""
    data = body["user"]
    assert data["id"] == user.pk and data["email"] == user.email
    assert data["username"] == user.username and data["address"] == user.address
    me = APIClient()
    me.credentials(HTTP_AUTHORIZATION=f"token {data['token']}")
    assert me.get("/api/user/current/").status_code == 200
    assert me.get("/api/me/").json()["email"] == user.email
    rotated = api.post("/api/auth/refresh/", {"refresh": data["refresh"]}, format="json")
    assert rotated.status_code == 200 and rotated.json()["token"]


def test_the_pair_has_the_same_shape_as_the_password_login(api, fake):
    user = UserFactory()
    password = api.post(
        "/api/user/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
    ).json()
    person = fake.person("kakao", email=user.email)
    SocialAccount.objects.create(user=user, provider="kakao", uid=person.uid)
    social = post(api, "kakao", {"access_token": fake.access_token_for(person)}).json()
    assert social.keys() == password.keys() == {"user"}
    assert social["user"].keys() == password["user"].keys()
    assert_working_pair(api, user, social)


@pytest.mark.parametrize("provider", ["kakao", "naver", "google"])
def test_a_linked_person_logs_in_with_an_authorization_code(api, fake, provider):
    user = UserFactory()
    person = fake.person(provider, email=f"{provider}@example.com")
    SocialAccount.objects.create(user=user, provider=provider, uid=person.uid)
    code = fake.code_for(person, redirect_uri=REDIRECT)
    response = post(api, provider, {"code": code, "redirect_uri": REDIRECT})
    assert response.status_code == 200, response.content
    assert_working_pair(api, user, response.json())


def test_google_id_token_from_the_sdk_is_checked_against_the_keys(api, fake):
    user = UserFactory()
    person = fake.person("google", email="g@example.com")
    SocialAccount.objects.create(user=user, provider="google", uid=person.uid)
    response = post(api, "google", {"id_token": fake.id_token_for(person)})
    assert response.status_code == 200
    assert_working_pair(api, user, response.json())
    # Another audience (an id token minted for someone else's app) is refused.
    other = post(api, "google", {"id_token": fake.id_token_for(person, audience="other-app")})
    assert other.status_code == 400
    forged = fake.id_token_for(person)[:-8] + "AAAAAAAA"
    assert post(api, "google", {"id_token": forged}).status_code == 400


def test_a_new_person_signs_up_in_a_second_call(api, fake, seogyo):
    person = fake.person("kakao", email="api-new@example.com", nickname="앱이웃")
    code = fake.code_for(person, redirect_uri=REDIRECT)
    first = post(api, "kakao", {"code": code, "redirect_uri": REDIRECT})
    assert first.status_code == 400
    body = first.json()
    assert body["code"] == "signup_required"
    assert body["email"] == "api-new@example.com" and body["nickname"] == "앱이웃"
    assert body["email_required"] is False
    assert User.objects.count() == 0

    missing = post(api, "kakao", {"signup_token": body["signup_token"]})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) >= {"username", "address"}

    second = post(
        api,
        "kakao",
        {
            "signup_token": body["signup_token"],
            "username": "앱이웃",
            "address": seogyo.full_name,
            "region": seogyo.pk,
        },
    )
    assert second.status_code == 201, second.content
    user = User.objects.get(email="api-new@example.com")
    assert not user.has_usable_password()
    assert_working_pair(api, user, second.json())
    # The token is for that one sign-up: a second use finds the identity taken.
    again = post(
        api,
        "kakao",
        {"signup_token": body["signup_token"], "username": "또", "address": seogyo.full_name},
    )
    assert again.status_code == 400


def test_a_signup_token_is_for_its_provider_only(api, fake):
    person = fake.person("kakao", email="t@example.com")
    body = post(api, "kakao", {"access_token": fake.access_token_for(person)}).json()
    response = post(api, "naver", {"signup_token": body["signup_token"], "username": "x"})
    assert response.status_code == 400
    assert post(api, "kakao", {"signup_token": "garbage"}).status_code == 400


def test_a_verified_email_links_through_the_api_only_with_the_password(api, fake):
    owner = UserFactory()
    person = fake.person("google", email=owner.email, verified=True)
    first = post(api, "google", {"id_token": fake.id_token_for(person)})
    assert first.status_code == 409
    body = first.json()
    assert body["code"] == "link_required"
    assert body["errors"]["error"] == ["이미 가입한 이메일이에요. 비밀번호로 로그인하면 연결돼요."]
    wrong = post(api, "google", {"link_token": body["link_token"], "password": "wrong-123456"})
    assert wrong.status_code == 400
    assert not SocialAccount.objects.exists()
    linked = post(api, "google", {"link_token": body["link_token"], "password": DEFAULT_PASSWORD})
    assert linked.status_code == 200
    assert_working_pair(api, owner, linked.json())
    assert SocialAccount.objects.get(user=owner).uid == person.uid


def test_naver_emails_never_offer_a_link(api, fake):
    owner = UserFactory()
    person = fake.person("naver", email=owner.email)
    response = post(api, "naver", {"access_token": fake.access_token_for(person)})
    assert response.status_code == 409
    assert "link_token" not in response.json()


@pytest.mark.parametrize("provider", ["kakao", "naver", "google"])
def test_an_expired_code_or_token_is_a_clear_400(api, fake, provider):
    response = post(api, provider, {"code": "expired", "redirect_uri": REDIRECT})
    assert response.status_code == 400
    assert response.json()["code"] == "social_invalid_grant"
    assert "인증이 만료됐거나 올바르지 않아요" in response.json()["errors"]["error"][0]
    response = post(api, provider, {"access_token": "nope"})
    assert response.status_code == 400


def test_a_code_is_single_use(api, fake):
    user = UserFactory()
    person = fake.person("kakao", email=user.email)
    SocialAccount.objects.create(user=user, provider="kakao", uid=person.uid)
    code = fake.code_for(person, redirect_uri=REDIRECT)
    assert post(api, "kakao", {"code": code, "redirect_uri": REDIRECT}).status_code == 200
    assert post(api, "kakao", {"code": code, "redirect_uri": REDIRECT}).status_code == 400


def test_a_code_for_another_redirect_uri_is_refused(api, fake):
    person = fake.person("kakao", email="r@example.com")
    code = fake.code_for(person, redirect_uri=REDIRECT)
    response = post(api, "kakao", {"code": code, "redirect_uri": "https://evil.example/cb"})
    assert response.status_code == 400


def test_bad_input_is_a_400_and_a_provider_without_keys_a_404(api, settings):
    assert post(api, "kakao", {}).status_code == 400
    assert post(api, "kakao", {"code": "x"}).status_code == 400  # no redirect_uri
    assert post(api, "kakao", {"code": ["x"], "redirect_uri": 5}).status_code == 400
    assert post(api, "nope", {"access_token": "x"}).status_code == 404
    settings.SOCIALACCOUNT_PROVIDERS = FakeOAuth.providers_setting("kakao")
    assert post(api, "google", {"id_token": "x"}).status_code == 404


def test_a_suspended_account_gets_no_tokens(api, fake):
    user = UserFactory(is_active=False)
    person = fake.person("kakao", email="gone@example.com")
    SocialAccount.objects.create(user=user, provider="kakao", uid=person.uid)
    response = post(api, "kakao", {"access_token": fake.access_token_for(person)})
    assert response.status_code == 403


def test_after_deleting_the_account_the_identity_may_sign_up_again(api, fake):
    from django.utils import timezone

    user = UserFactory(is_active=False, deactivated_at=timezone.now(), email="deleted-1@x.invalid")
    person = fake.person("kakao", email="back@example.com")
    SocialAccount.objects.create(user=user, provider="kakao", uid=person.uid)
    response = post(api, "kakao", {"access_token": fake.access_token_for(person)})
    assert response.status_code == 400 and response.json()["code"] == "signup_required"
    assert not SocialAccount.objects.exists()


def test_the_api_is_limited_per_address(api, settings):
    settings.API_THROTTLE_IP_RATES = {**settings.API_THROTTLE_IP_RATES, "social": "3/hour"}
    # A cache of this test's own: under xdist with Redis, another worker's cache.clear()
    # would reset the counter.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    for _ in range(3):
        assert post(api, "kakao", {"access_token": "nope"}).status_code == 400
    response = post(api, "kakao", {"access_token": "nope"})
    assert response.status_code == 429
    assert response.json()["errors"]["error"][0].startswith("요청이 너무 많아요.")
