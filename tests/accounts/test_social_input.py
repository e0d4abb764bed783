"""Hostile input on the provider log-in pages and API, with the providers switched on (the
shared sweep in tests/core/test_input_sweep.py sees them switched off): never a 5xx."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.accounts.fake_oauth import FakeOAuth
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POISONS = ["a\x00b", "\ud800", "9" * 30, "가 " * 30_000, "", " ", "'; DROP TABLE x; --"]
FIELDS = ["code", "state", "error", "process", "username", "address", "region", "email", "password"]
BODY_POISONS = ["a\x00b", "\udfff", 10**30, ["x"], {"a": 1}, "가" * 60_000, None, True, 1.5]
API_FIELDS = [
    "code",
    "redirect_uri",
    "code_verifier",
    "access_token",
    "id_token",
    "signup_token",
    "link_token",
    "password",
    "email",
    "username",
    "address",
    "region",
]


@pytest.fixture(scope="module")
def fake():
    server = FakeOAuth().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _providers(settings, fake):
    settings.SOCIALACCOUNT_PROVIDERS = FakeOAuth.providers_setting()
    settings.SOCIAL_PROVIDER_URLS = fake.urls()
    # Every request reaches the view (the per-address limit would answer 429 after 120).
    settings.API_THROTTLE_IP_RATES = {**settings.API_THROTTLE_IP_RATES, "social": "100000/hour"}


def _form(values: dict) -> str:
    return "&".join(
        f"{quote(k)}={quote(str(v).encode('utf-8', 'surrogatepass'))}" for k, v in values.items()
    )


def _check(response, what: str) -> None:
    assert response.status_code < 500, f"{response.status_code} for {what:.300}"


def _pending(client: Client, fake, *, link: bool) -> None:
    """Leave a sign-up (or a link) waiting in the session, as the callback does."""
    email = UserFactory().email if link else None
    person = fake.person("kakao", email=email)
    start = client.post("/accounts/social/kakao/start/")
    query = {k: v[0] for k, v in parse_qs(urlsplit(start["Location"]).query).items()}
    code = fake.code_for(person, redirect_uri=query["redirect_uri"])
    client.get("/accounts/social/kakao/callback/", {"code": code, "state": query["state"]})


def test_every_page_field_refuses_each_poison(fake):
    for poison in POISONS:
        values = dict.fromkeys(FIELDS, poison)
        for link in (False, True):
            client = Client(raise_request_exception=False)
            _pending(client, fake, link=link)
            page = "/accounts/social/link/" if link else "/accounts/social/signup/"
            response = client.generic(
                "POST", page, _form(values), "application/x-www-form-urlencoded"
            )
            _check(response, f"POST {page} {poison!r}")
        client = Client(raise_request_exception=False)
        client.post("/accounts/social/google/start/")
        response = client.get(f"/accounts/social/google/callback/?{_form(values)}")
        _check(response, f"callback {poison!r}")
        response = client.generic(
            "POST",
            "/accounts/social/naver/start/",
            _form(values),
            "application/x-www-form-urlencoded",
        )
        _check(response, f"start {poison!r}")
    user_client = Client(raise_request_exception=False)
    user_client.force_login(UserFactory())
    for path in ("9" * 30, "a%00b", "kakao", "가" * 300):
        _check(user_client.post(f"/accounts/social/connections/{path}/unlink/"), path)
        _check(user_client.post(f"/accounts/social/{path}/start/", {"process": "connect"}), path)


def test_every_api_field_refuses_each_poison(fake):
    client = Client(raise_request_exception=False)
    for provider in ("kakao", "naver", "google"):
        url = f"/api/auth/social/{provider}/"
        for name in API_FIELDS:
            for poison in BODY_POISONS:
                body = json.dumps({name: poison, "redirect_uri": "x"}, allow_nan=True)
                _check(
                    client.generic("POST", url, body, "application/json"), f"{name}={poison!r:.50}"
                )
        for raw in ["{", "null", "[]", '{"a": 1e999}', "\x00"]:
            _check(client.generic("POST", url, raw, "application/json"), raw)


def test_random_hostile_api_bodies(fake):
    client = Client(raise_request_exception=False)
    value = st.one_of(
        st.text(max_size=30),
        st.integers(),
        st.none(),
        st.booleans(),
        st.lists(st.text(), max_size=2),
    )

    @settings(
        max_examples=60,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        provider=st.sampled_from(["kakao", "naver", "google"]),
        body=st.dictionaries(st.sampled_from(API_FIELDS), value, max_size=5),
    )
    def sweep(provider, body):
        response = client.generic(
            "POST", f"/api/auth/social/{provider}/", json.dumps(body), "application/json"
        )
        _check(response, f"{provider} {body!r}")

    sweep()
