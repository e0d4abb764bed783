"""Provider log-ins through the pages, against a fake Kakao / Naver / Google on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount

from mealbuddy.accounts.models import User
from tests.accounts.fake_oauth import CLIENTS, FakeOAuth
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SEOGYO_ADDRESS = "서울특별시 마포구 서교동"


@pytest.fixture(scope="module")
def fake():
    server = FakeOAuth().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _providers(settings, fake):
    settings.SOCIALACCOUNT_PROVIDERS = FakeOAuth.providers_setting()
    settings.SOCIALACCOUNT_PROVIDERS["google"]["SCOPE"] = ["openid", "email", "profile"]
    settings.SOCIAL_PROVIDER_URLS = fake.urls()


def start(client, provider: str, **data) -> dict:
    """POST the "…로 시작하기" button; the provider's authorize URL it redirects to, parsed."""
    response = client.post(f"/accounts/social/{provider}/start/", data)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    return {"url": url, **{k: v[0] for k, v in parse_qs(url.query).items()}}


def come_back(client, fake, person, **override):
    """Start, consent at the provider, come back to the callback with its code and state."""
    sent = start(client, person.provider)
    code = fake.code_for(
        person,
        redirect_uri=sent["redirect_uri"],
        code_challenge=sent.get("code_challenge"),
        code_challenge_method=sent.get("code_challenge_method"),
    )
    params = {"code": code, "state": sent["state"], **override}
    return client.get(urlsplit(sent["redirect_uri"]).path, params)


# --- Showing the providers -------------------------------------------------------------------


def test_login_and_signup_pages_show_only_providers_with_keys(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = FakeOAuth.providers_setting("kakao")
    for path in ("/accounts/login/", "/accounts/signup/"):
        html = client.get(path).content.decode()
        assert "카카오로 시작하기" in html
        assert "네이버로 시작하기" not in html and "구글로 시작하기" not in html
    assert client.post("/accounts/social/naver/start/").status_code == 404
    assert (
        client.get("/accounts/social/google/callback/", {"code": "x", "state": "y"}).status_code
        == 404
    )
    assert client.post("/accounts/social/nope/start/").status_code == 404


def test_without_any_keys_no_button_and_every_url_refuses(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    html = client.get("/accounts/login/").content.decode()
    assert "로 시작하기" not in html and "또는" not in html
    for provider in ("kakao", "naver", "google"):
        assert client.post(f"/accounts/social/{provider}/start/").status_code == 404


def test_start_sends_the_browser_to_the_provider_with_a_state(client, fake):
    sent = start(client, "kakao")
    assert sent["url"].geturl().startswith(fake.urls()["kakao"]["authorize"])
    assert sent["client_id"] == CLIENTS["kakao"][0]
    assert sent["response_type"] == "code"
    assert sent["redirect_uri"].endswith("/accounts/social/kakao/callback/")
    assert len(sent["state"]) >= 20
    assert set(sent["scope"].split()) == {"profile_nickname", "account_email"}


def test_start_is_a_post_only(client):
    assert client.get("/accounts/social/kakao/start/").status_code == 405


# --- Happy paths: sign up on one page, then log in again --------------------------------------


@pytest.mark.parametrize("provider", ["kakao", "naver", "google"])
def test_new_person_signs_up_with_nickname_and_dong_then_logs_in_again(
    client, fake, seogyo, provider
):
    person = fake.person(provider, email=f"new-{provider}@example.com", nickname="맛집탐험가")
    response = come_back(client, fake, person)
    assert response.status_code == 302 and response["Location"] == "/accounts/social/signup/"
    page = client.get("/accounts/social/signup/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-region-picker" in html  # the same picker as our sign-up form
    assert 'value="맛집탐험가"' in html  # the provider's nickname, offered
    assert 'name="email"' not in html  # the provider gave it: not asked
    assert 'name="password' not in html

    response = client.post(
        "/accounts/social/signup/",
        {"username": "맛집탐험가", "address": SEOGYO_ADDRESS, "region": str(seogyo.pk)},
    )
    assert response.status_code == 302
    user = User.objects.get(email=f"new-{provider}@example.com")
    assert user.username == "맛집탐험가" and user.region == seogyo
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).provider == provider
    assert client.get("/accounts/me/").status_code == 200  # logged in

    client.post("/accounts/logout/")
    assert client.get("/accounts/me/").status_code == 302
    response = come_back(client, fake, person)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/accounts/me/").wsgi_request.user == user


def test_signup_page_shows_every_problem_at_once_and_keeps_the_pending_identity(
    client, fake, seogyo
):
    UserFactory(username="이미있음")
    person = fake.person("kakao", email="k1@example.com")
    come_back(client, fake, person)
    response = client.post("/accounts/social/signup/", {"username": "이미있음", "address": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "이미 사용 중인 닉네임이에요." in html and "주소를 입력해 주세요." in html
    response = client.post(
        "/accounts/social/signup/",
        {"username": "새이웃", "address": SEOGYO_ADDRESS, "region": str(seogyo.pk)},
    )
    assert response.status_code == 302
    assert User.objects.filter(username="새이웃").exists()


def test_a_provider_without_an_email_asks_for_it_on_the_same_page(client, fake, seogyo):
    person = fake.person("kakao", email=None, nickname="무메일")
    come_back(client, fake, person)
    assert 'name="email"' in client.get("/accounts/social/signup/").content.decode()
    response = client.post(
        "/accounts/social/signup/",
        {
            "email": "typed@example.com",
            "username": "무메일",
            "address": SEOGYO_ADDRESS,
            "region": str(seogyo.pk),
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="무메일").email == "typed@example.com"


def test_signup_page_without_a_pending_identity_goes_to_login(client):
    response = client.get("/accounts/social/signup/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.post("/accounts/social/signup/", {"username": "x"}).status_code == 302


def test_social_login_keeps_the_session_security(client, fake):
    """Log out everywhere ends a provider log-in's session like a password one's."""
    user = UserFactory()
    person = fake.person("google", email=user.email)
    SocialAccount.objects.create(user=user, provider="google", uid=person.uid)
    assert come_back(client, fake, person)["Location"] == "/"
    from mealbuddy.accounts.services import user_logout_everywhere

    user_logout_everywhere(user=user)
    assert client.get("/accounts/me/").status_code == 302


# --- Failures at the provider -----------------------------------------------------------------


def test_denied_consent_says_so_in_korean_and_makes_no_account(client, fake):
    sent = start(client, "kakao")
    response = client.get(
        "/accounts/social/kakao/callback/",
        {
            "error": "access_denied",
            "error_description": "User denied access",
            "state": sent["state"],
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "카카오 로그인을 취소했어요." in response.content.decode()
    assert not SocialAccount.objects.exists()
    assert User.objects.count() == 0


def test_state_mismatch_is_refused(client, fake):
    person = fake.person("kakao", email="s@example.com")
    response = come_back(client, fake, person, state="forged-state-value-0000000")
    assert response.status_code == 400
    assert "로그인 요청을 확인할 수 없어요." in response.content.decode()
    assert "social_pending" not in client.session


def test_callback_without_starting_is_refused(client, fake):
    person = fake.person("naver", email="n@example.com")
    code = fake.code_for(person, redirect_uri="http://testserver/accounts/social/naver/callback/")
    response = client.get("/accounts/social/naver/callback/", {"code": code, "state": "abc"})
    assert response.status_code == 400


def test_a_state_is_good_for_one_callback_only(client, fake):
    person = fake.person("kakao", email="once@example.com")
    sent = start(client, "kakao")
    code = fake.code_for(person, redirect_uri=sent["redirect_uri"])
    client.get("/accounts/social/kakao/callback/", {"code": code, "state": sent["state"]})
    again = client.get("/accounts/social/kakao/callback/", {"code": code, "state": sent["state"]})
    assert again.status_code == 400


@pytest.mark.parametrize("provider", ["kakao", "naver", "google"])
def test_an_expired_or_invalid_code_gives_a_clear_message_not_a_500(client, fake, provider):
    sent = start(client, provider)
    response = client.get(
        f"/accounts/social/{provider}/callback/", {"code": "expired-code", "state": sent["state"]}
    )
    assert response.status_code == 400
    assert "인증이 만료됐거나 올바르지 않아요" in response.content.decode()
    assert User.objects.count() == 0


def test_a_provider_that_is_down_is_a_clear_message(client, settings, fake):
    urls = fake.urls()
    urls["kakao"]["token"] = "http://127.0.0.1:9/oauth/token"  # nothing listens there
    settings.SOCIAL_PROVIDER_URLS = urls
    sent = start(client, "kakao")
    response = client.get("/accounts/social/kakao/callback/", {"code": "c", "state": sent["state"]})
    assert response.status_code == 502
    assert "카카오에서 정보를 받아오지 못했어요." in response.content.decode()


# --- Linking to an existing account -----------------------------------------------------------


@pytest.mark.parametrize("provider", ["kakao", "google"])
def test_a_verified_email_links_only_after_the_password(client, fake, provider):
    owner = UserFactory(email=f"owner-{provider}@example.com")
    person = fake.person(provider, email=owner.email, verified=True)
    response = come_back(client, fake, person)
    assert response.status_code == 302 and response["Location"] == "/accounts/social/link/"
    # Not logged in, nothing linked yet.
    assert client.get("/accounts/me/").status_code == 302
    assert not SocialAccount.objects.filter(user=owner).exists()
    page = client.get("/accounts/social/link/").content.decode()
    assert "이미 가입한 이메일이에요. 비밀번호로 로그인하면 연결돼요" in page

    wrong = client.post("/accounts/social/link/", {"password": "틀린-비밀번호-123"})
    assert wrong.status_code == 400
    assert not SocialAccount.objects.filter(user=owner).exists()

    response = client.post("/accounts/social/link/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert SocialAccount.objects.get(user=owner).provider == provider
    client.post("/accounts/logout/")
    assert come_back(client, fake, person)["Location"] == "/"
    assert client.get("/accounts/me/").wsgi_request.user == owner


def test_the_link_page_counts_wrong_passwords_like_the_login(client, fake, settings):
    settings.LOGIN_THROTTLE_LIMIT = 2
    # A cache of this test's own: under xdist with Redis, another worker's cache.clear()
    # between two attempts would reset the counter.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    owner = UserFactory()
    person = fake.person("kakao", email=owner.email)
    come_back(client, fake, person)
    for _ in range(2):
        client.post("/accounts/social/link/", {"password": "wrong-password-1"})
    response = client.post("/accounts/social/link/", {"password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize(
    "provider, verified", [("kakao", False), ("google", False), ("naver", True)]
)
def test_an_unverified_or_naver_email_never_links(client, fake, provider, verified):
    owner = UserFactory()
    person = fake.person(provider, email=owner.email, verified=verified)
    response = come_back(client, fake, person)
    assert response.status_code == 409
    html = response.content.decode()
    assert "이 이메일로 가입한 계정이 있어요." in html
    assert "social_pending" not in client.session
    assert not SocialAccount.objects.exists()
    assert client.post("/accounts/social/link/", {"password": DEFAULT_PASSWORD}).status_code == 302
    assert not SocialAccount.objects.exists()


# --- Linking and unlinking from the profile ---------------------------------------------------


def test_a_signed_in_user_links_and_unlinks_providers(client, fake):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/accounts/social/connections/").content.decode()
    assert "카카오" in page and "연결하기" in page
    assert "/accounts/social/connections/" in client.get("/accounts/me/").content.decode()

    person = fake.person("naver", email="other-address@example.com", verified=False)
    sent = start(client, "naver", process="connect")
    code = fake.code_for(person, redirect_uri=sent["redirect_uri"])
    response = client.get(
        "/accounts/social/naver/callback/", {"code": code, "state": sent["state"]}, follow=True
    )
    assert "네이버 계정을 연결했어요." in response.content.decode()
    assert SocialAccount.objects.get(user=user).provider == "naver"

    response = client.post("/accounts/social/connections/naver/unlink/", follow=True)
    assert "네이버 연결을 해제했어요." in response.content.decode()
    assert not SocialAccount.objects.filter(user=user).exists()


def test_an_identity_linked_elsewhere_is_not_moved(client, fake):
    someone = UserFactory()
    person = fake.person("kakao", email="x@example.com")
    SocialAccount.objects.create(user=someone, provider="kakao", uid=person.uid)
    me = UserFactory()
    client.force_login(me)
    sent = start(client, "kakao", process="connect")
    code = fake.code_for(person, redirect_uri=sent["redirect_uri"])
    response = client.get(
        "/accounts/social/kakao/callback/", {"code": code, "state": sent["state"]}
    )
    assert response.status_code == 409
    assert "다른 밀버디 계정에 연결된 카카오 계정이에요." in response.content.decode()
    assert SocialAccount.objects.get(uid=person.uid).user == someone


def test_the_last_way_to_log_in_is_never_unlinked(client, fake, seogyo):
    person = fake.person("kakao", email="only@example.com")
    come_back(client, fake, person)
    client.post(
        "/accounts/social/signup/",
        {"username": "카카오만", "address": SEOGYO_ADDRESS, "region": str(seogyo.pk)},
    )
    user = User.objects.get(username="카카오만")
    page = client.get("/accounts/social/connections/").content.decode()
    assert "마지막 로그인 방법이라 해제할 수 없어요" in page
    response = client.post("/accounts/social/connections/kakao/unlink/", follow=True)
    assert "로그인할 방법이 없어져요" in response.content.decode()
    assert SocialAccount.objects.filter(user=user).count() == 1

    # With a second provider linked, the first may go; the second is then the last.
    google = fake.person("google", email="only@example.com")
    sent = start(client, "google", process="connect")
    code = fake.code_for(google, redirect_uri=sent["redirect_uri"])
    client.get("/accounts/social/google/callback/", {"code": code, "state": sent["state"]})
    client.post("/accounts/social/connections/kakao/unlink/")
    assert list(SocialAccount.objects.filter(user=user).values_list("provider", flat=True)) == [
        "google"
    ]
    client.post("/accounts/social/connections/google/unlink/")
    assert SocialAccount.objects.filter(user=user).count() == 1


def test_a_user_with_a_password_may_unlink_their_only_provider(client):
    user = UserFactory()
    SocialAccount.objects.create(user=user, provider="kakao", uid="1")
    client.force_login(user)
    client.post("/accounts/social/connections/kakao/unlink/")
    assert not SocialAccount.objects.exists()


def test_connections_and_unlink_need_a_login(client):
    assert client.get("/accounts/social/connections/").status_code == 302
    assert client.post("/accounts/social/connections/kakao/unlink/").status_code == 302
    assert client.post("/accounts/social/kakao/start/", {"process": "connect"}).status_code == 302


def test_naver_gets_no_scope_and_google_asks_for_openid(client):
    assert "scope" not in start(client, "naver")
    assert set(start(client, "google")["scope"].split()) == {"openid", "email", "profile"}


def test_the_connections_page_costs_the_same_queries_however_many_are_linked(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    client.force_login(user)
    counts = []
    for provider in ("kakao", "naver", "google"):
        SocialAccount.objects.create(user=user, provider=provider, uid=f"{provider}-1")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/accounts/social/connections/").status_code == 200
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


# --- PKCE (RFC 7636): Kakao and Google get an S256 challenge, Naver none ----------------------


@pytest.mark.parametrize("provider", ["kakao", "google"])
def test_start_sends_an_s256_challenge_and_keeps_the_verifier_with_the_state(
    client, fake, provider
):
    from tests.accounts.fake_oauth import s256

    sent = start(client, provider)
    kept = client.session["social_state"]
    assert sent["code_challenge_method"] == "S256"
    assert len(kept["code_verifier"]) >= 43  # RFC 7636: 43–128 characters
    assert sent["code_challenge"] == s256(kept["code_verifier"])
    assert kept["state"] == sent["state"]
    assert kept["code_verifier"] not in sent["url"].geturl()  # only the challenge travels


def test_naver_gets_no_challenge(client, fake):
    sent = start(client, "naver")
    assert "code_challenge" not in sent and "code_challenge_method" not in sent
    assert not client.session["social_state"]["code_verifier"]


def test_the_provider_setting_turns_pkce_off(client, fake, settings):
    settings.SOCIALACCOUNT_PROVIDERS["kakao"]["OAUTH_PKCE_ENABLED"] = False
    assert "code_challenge" not in start(client, "kakao")


@pytest.mark.parametrize("provider", ["kakao", "google"])
def test_through_the_consent_page_the_verifier_matches(client, fake, provider):
    import requests

    person = fake.person(provider, email=f"pkce-{provider}@example.com")
    fake.signed_in[provider] = person
    sent = start(client, provider)
    page = requests.get(sent["url"].geturl(), timeout=5).text
    allow = urlsplit(page.split("id='allow' href='", 1)[1].split("'", 1)[0].replace("&amp;", "&"))
    response = client.get(allow.path, {k: v[0] for k, v in parse_qs(allow.query).items()})
    assert response.status_code == 302 and response["Location"] == "/accounts/social/signup/"


def test_a_wrong_verifier_is_refused(client, fake):
    person = fake.person("kakao", email="stolen@example.com")
    sent = start(client, "kakao")
    session = client.session
    session["social_state"]["code_verifier"] = "x" * 64  # not the one the challenge came from
    session.save()
    code = fake.code_for(
        person,
        redirect_uri=sent["redirect_uri"],
        code_challenge=sent["code_challenge"],
        code_challenge_method="S256",
    )
    response = client.get(
        urlsplit(sent["redirect_uri"]).path, {"code": code, "state": sent["state"]}
    )
    assert response.status_code == 400
    assert "만료됐거나 올바르지 않아요" in response.content.decode()
    assert not User.objects.filter(email="stolen@example.com").exists()
    assert "_auth_user_id" not in client.session


def test_a_code_bound_to_a_challenge_needs_the_verifier(rf, fake):
    from mealbuddy.accounts.social_providers import SocialProviderError, identity_from_code
    from tests.accounts.fake_oauth import s256

    person = fake.person("google", email="g@example.com")
    redirect_uri = "http://testserver/accounts/social/google/callback/"
    request = rf.get("/")
    for verifier, ok in (("", False), ("y" * 50, False), ("v" * 50, True)):
        code = fake.code_for(
            person,
            redirect_uri=redirect_uri,
            code_challenge=s256("v" * 50),
            code_challenge_method="S256",
        )
        if ok:
            identity = identity_from_code(
                request=request,
                provider="google",
                code=code,
                redirect_uri=redirect_uri,
                code_verifier=verifier,
            )
            assert identity.email == "g@example.com"
            continue
        with pytest.raises(SocialProviderError) as refused:
            identity_from_code(
                request=request,
                provider="google",
                code=code,
                redirect_uri=redirect_uri,
                code_verifier=verifier,
            )
        assert refused.value.code == "social_invalid_grant"
