"""One person's whole account journey in a real browser, on the mobile viewport."""

from __future__ import annotations

import re

from playwright.sync_api import expect

EMAIL = "journey@example.com"
FIRST_PASSWORD = "첫번째-비밀번호-2024"
SECOND_PASSWORD = "두번째-비밀번호-2025"


def choose_region(page, typed: str, full_name: str) -> None:
    field = page.locator("#id_address")
    field.fill("")
    field.press_sequentially(typed, delay=40)
    page.locator(f'[data-region-choice][data-region-name="{full_name}"]').click()
    expect(field).to_have_value(full_name)
    expect(page.locator('input[name="region"]')).not_to_have_value("")


def log_in(page, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("이메일").fill(EMAIL)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()


def test_accounts_journey(new_page):
    page = new_page()

    # Sign up, choosing the neighbourhood with the search-as-you-type field.
    page.goto("/accounts/signup/")
    page.get_by_label("이메일").fill(EMAIL)
    page.get_by_label("닉네임").fill("여정이웃")
    page.get_by_label("비밀번호", exact=True).fill(FIRST_PASSWORD)
    page.get_by_label("비밀번호 확인").fill(FIRST_PASSWORD)
    choose_region(page, "서교", "서울특별시 마포구 서교동")
    page.get_by_role("button", name="가입하기").click()
    page.wait_for_url(lambda url: "/accounts/signup/" not in url)

    page.goto("/accounts/me/")
    expect(page.get_by_label("닉네임")).to_have_value("여정이웃")
    expect(page.locator(".topbar-region")).to_have_text("서교동")

    # Log out, log in.
    page.get_by_role("button", name="로그아웃", exact=True).click()
    page.wait_for_url("**/accounts/login/")
    log_in(page, FIRST_PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # Change nickname and neighbourhood.
    page.goto("/accounts/me/")
    page.get_by_label("닉네임").fill("합정으로이사")
    choose_region(page, "합정", "서울특별시 마포구 합정동")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_text("내 정보를 저장했어요.")).to_be_visible()
    expect(page.get_by_label("닉네임")).to_have_value("합정으로이사")
    expect(page.locator(".topbar-region")).to_have_text("합정동")

    # Change the password (this session stays logged in).
    page.get_by_role("link", name="비밀번호 변경").click()
    page.get_by_label("현재 비밀번호").fill(FIRST_PASSWORD)
    page.get_by_label("새 비밀번호", exact=True).fill(SECOND_PASSWORD)
    page.get_by_label("새 비밀번호 확인").fill(SECOND_PASSWORD)
    page.get_by_role("button", name="비밀번호 바꾸기").click()
    expect(page.get_by_text("비밀번호를 바꿨어요.")).to_be_visible()

    # Log out; the old password no longer works, the new one does.
    page.get_by_role("button", name="로그아웃", exact=True).click()
    log_in(page, FIRST_PASSWORD)
    expect(page.get_by_text("이메일 또는 비밀번호가 올바르지 않아요.")).to_be_visible()
    expect(page.get_by_label("이메일")).to_have_value(EMAIL)
    log_in(page, SECOND_PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # A second device; 모든 기기에서 로그아웃 on this one ends both.
    phone = new_page()
    log_in(phone, SECOND_PASSWORD)
    phone.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto("/accounts/me/")
    page.get_by_role("button", name="모든 기기에서 로그아웃").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.get_by_text("모든 기기에서 로그아웃했어요.")).to_be_visible()
    phone.goto("/accounts/me/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next=/accounts/me/$"))
    log_in(page, SECOND_PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    # Delete the account (password confirmation).
    page.goto("/accounts/me/")
    page.get_by_role("link", name="회원 탈퇴").click()
    page.get_by_label("비밀번호 확인").fill(SECOND_PASSWORD)
    page.get_by_role("button", name="탈퇴하기").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.get_by_text("탈퇴했어요.")).to_be_visible()

    # Log-in is refused from now on.
    log_in(page, SECOND_PASSWORD)
    expect(page.get_by_text("이메일 또는 비밀번호가 올바르지 않아요.")).to_be_visible()
    page.goto("/accounts/me/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/accounts/me/$"))
