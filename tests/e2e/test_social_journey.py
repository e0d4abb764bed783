""" "카카오로 시작하기" in a real browser against the fake Kakao, in production settings: consent,
choose a nickname and a 동 on one page, log out, log in again with one tap."""

from __future__ import annotations

import json

import pytest
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from mealbuddy.accounts.models import User
from tests.accounts.fake_oauth import CLIENTS, FakeOAuth
from tests.conftest import ensure_regions
from tests.e2e.test_accounts_journey import choose_region
from tests.servers import LiveServer


@pytest.fixture
def fake():
    server = FakeOAuth().start()
    yield server
    server.stop()


@pytest.fixture
def live_server_url(regions_tx, fake):
    """The e2e server, with Kakao and Naver switched on and pointed at the fake."""
    ensure_regions()
    env = {
        "SOCIAL_KAKAO_CLIENT_ID": CLIENTS["kakao"][0],
        "SOCIAL_KAKAO_SECRET": CLIENTS["kakao"][1],
        "SOCIAL_NAVER_CLIENT_ID": CLIENTS["naver"][0],
        "SOCIAL_NAVER_SECRET": CLIENTS["naver"][1],
        "SOCIAL_PROVIDER_URLS": json.dumps(fake.urls()),
    }
    with LiveServer(log_name="e2e-social", env=env) as server:
        yield server.url


def test_kakao_sign_up_log_out_and_log_in_again(new_page, fake, assert_accessible, screenshot):
    person = fake.person("kakao", email="kakao-journey@example.com", nickname="카카오이웃")
    fake.signed_in["kakao"] = person
    page = new_page()

    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="네이버로 시작하기")).to_be_visible()
    expect(page.get_by_role("button", name="구글로 시작하기")).to_have_count(0)  # no keys
    assert_accessible(page)
    screenshot(page, "login-with-providers")
    page.get_by_role("button", name="카카오로 시작하기").click()

    # At the (fake) provider: consent.
    page.get_by_role("link", name="동의하고 계속하기").click()

    # One page: the nickname is offered, the 동 is chosen with the usual picker.
    page.wait_for_url("**/accounts/social/signup/")
    expect(page.get_by_role("heading", name="카카오로 가입하기")).to_be_visible()
    expect(page.get_by_label("닉네임")).to_have_value("카카오이웃")
    expect(page.get_by_label("이메일")).to_have_count(0)
    expect(page.get_by_label("비밀번호")).to_have_count(0)
    page.get_by_label("닉네임").fill("카카오로온이웃")
    choose_region(page, "서교", "서울특별시 마포구 서교동")
    assert_accessible(page)
    screenshot(page, "social-signup")
    page.get_by_role("button", name="가입하고 시작하기").click()
    page.wait_for_url(lambda url: "/accounts/social/" not in url)
    expect(page.get_by_text("카카오로온이웃 님, 밀버디에 오신 걸 환영해요!")).to_be_visible()

    user = User.objects.get(email="kakao-journey@example.com")
    assert user.username == "카카오로온이웃"
    assert SocialAccount.objects.get(user=user).uid == person.uid

    # 연결된 계정: Kakao is the only way in, so it cannot be unlinked.
    page.goto("/accounts/me/")
    page.get_by_role("link", name="연결된 계정 (카카오 · 네이버 · 구글)").click()
    expect(page.get_by_text("마지막 로그인 방법이라 해제할 수 없어요")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "connections")

    # Log out, then back in with one tap (and a consent the provider remembers).
    page.goto("/accounts/me/")
    page.get_by_role("button", name="로그아웃", exact=True).click()
    page.wait_for_url("**/accounts/login/")
    page.get_by_role("button", name="카카오로 시작하기").click()
    page.get_by_role("link", name="동의하고 계속하기").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto("/accounts/me/")
    expect(page.get_by_label("닉네임")).to_have_value("카카오로온이웃")
    assert User.objects.filter(email="kakao-journey@example.com").count() == 1


def test_cancelling_at_the_provider_comes_back_with_a_message(new_page, fake):
    fake.signed_in["kakao"] = fake.person("kakao", email="cancel@example.com")
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="카카오로 시작하기").click()
    page.get_by_role("link", name="취소").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.get_by_text("카카오 로그인을 취소했어요.")).to_be_visible()
    assert not User.objects.filter(email="cancel@example.com").exists()
