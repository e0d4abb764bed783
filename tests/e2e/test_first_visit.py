"""A first visit, logged out: ``/`` says what 밀버디 is in one screen, with the demo
neighbourhood's orders read only; and the forms' errors go away as soon as a field is fixed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mealbuddy.accounts import demo as accounts_demo
from mealbuddy.groupbuys import demo as groupbuys_demo
from mealbuddy.groupbuys.services import groupbuy_create
from tests.factories import DEFAULT_PASSWORD, UserFactory

VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1366, "height": 900}]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def log_in(page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def sized_page(new_page, viewport: dict):
    # ``new_page(viewport=...)`` passes ``viewport`` twice to ``new_context`` (a TypeError in
    # tests/e2e/conftest.py); the page is resized instead, before anything is loaded.
    page = new_page()
    page.set_viewport_size(viewport)
    return page


def in_first_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_landing_in_one_screen(new_page, assert_accessible, screenshot, viewport):
    accounts_demo.seed()
    groupbuys_demo.seed()
    page = sized_page(new_page, viewport)
    page.goto("/")

    title = page.get_by_role("heading", level=1, name="이웃과 배달 주문을 합쳐요")
    lead = page.locator(".landing-lead")
    signup = page.get_by_role("link", name="가입하기", exact=True)
    login = page.get_by_role("link", name="로그인", exact=True)
    first_card = page.get_by_test_id("landing-card").first
    expect(lead).to_contain_text("배달비는 나눠 내고")
    expect(page.locator(".landing-steps")).to_contain_text("채팅")
    expect(page.locator(".landing-steps")).to_contain_text("정산")
    expect(page.get_by_role("heading", name="서교동 근처 공동주문")).to_be_visible()
    expect(first_card).to_be_visible()
    for element in (title, lead, signup, login, first_card):
        assert in_first_viewport(page, element), element
    expect(page.get_by_test_id("landing-card")).to_have_count(4)
    expect(page.locator("body")).to_contain_text("교촌 허니콤보 같이 시켜요")
    expect(page.locator("body")).to_contain_text("교촌치킨 홍대점")

    # Read only, and nothing private: no email, no pickup spot, no join button, no form.
    text = page.locator("body").inner_text()
    assert not EMAIL.findall(page.content())
    assert "주민센터" not in text and "출구" not in text
    expect(page.get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("navigation", name="주요 메뉴")).to_have_count(0)

    assert_accessible(page)
    screenshot(page, "landing")

    # The whole card is one tap target: a tap on its edge goes to log in, then to the order.
    box = first_card.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 12, box["y"] + box["height"] - 8)
    page.wait_for_url(re.compile(r"/accounts/login/\?next=%2Fgroupbuys%2F\d+%2F$"))
    log_in(page, accounts_demo.DEMO_USERS[0][0], accounts_demo.DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/groupbuys/\d+/$"))

    # Signed in, ``/`` is the board.
    page.goto("/")
    expect(page.locator("#feed")).to_be_visible()
    expect(page.get_by_role("heading", name="이웃과 배달 주문을 합쳐요")).to_have_count(0)


def test_landing_on_an_empty_database(new_page, assert_accessible, screenshot):
    page = new_page()
    page.goto("/")
    expect(page.get_by_test_id("landing-empty")).to_contain_text("아직 모집 중인 공동주문이 없어요")
    assert in_first_viewport(page, page.get_by_role("link", name="가입하기", exact=True))
    assert_accessible(page)
    screenshot(page, "landing-empty")
    page.get_by_role("link", name="가입하기", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))


def error_of(page, field_id: str):
    return page.locator(f"#{field_id}_errors")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_write_form_errors_clear_once_fixed(new_page, assert_accessible, screenshot, viewport):
    user = UserFactory()
    page = sized_page(new_page, viewport)
    page.goto("/accounts/login/")
    log_in(page, user.email)
    page.goto("/groupbuys/new/")
    page.get_by_role("button", name="모집글 올리기").click()

    title = page.get_by_label("제목")
    category = page.get_by_label("카테고리")
    expect(error_of(page, "id_title")).to_have_text("제목을 입력해 주세요.")
    expect(error_of(page, "id_category")).to_have_text("카테고리를 골라 주세요.")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("입력한 내용을 확인해 주세요.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "write-errors")

    # Typing spaces is not a fix; a title is.
    title.press_sequentially("  ")
    expect(error_of(page, "id_title")).to_be_visible()
    title.press_sequentially("치킨 같이")
    expect(error_of(page, "id_title")).to_have_count(0)
    expect(title).not_to_have_attribute("aria-invalid", "true")
    assert "_errors" not in (title.get_attribute("aria-describedby") or "")
    expect(page.get_by_text("입력한 내용을 확인해 주세요.")).to_be_visible()  # category is left

    category.select_option("치킨")
    expect(error_of(page, "id_category")).to_have_count(0)
    expect(category).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("입력한 내용을 확인해 주세요.")).to_have_count(0)

    page.get_by_role("button", name="모집글 올리기").click()
    page.wait_for_url(re.compile(r"/groupbuys/\d+/$"))


def test_signup_and_htmx_swapped_errors_clear_once_fixed(new_page):
    page = new_page()
    page.goto("/accounts/signup/")
    page.get_by_role("button", name="가입하기").click()
    email = page.get_by_label("이메일")
    expect(error_of(page, "id_email")).to_have_text("이메일을 입력해 주세요.")
    email.fill("new@example.com")
    expect(error_of(page, "id_email")).to_have_count(0)
    expect(email).not_to_have_attribute("aria-invalid", "true")
    expect(error_of(page, "id_username")).to_have_text("닉네임을 입력해 주세요.")
    # The region picker's own error (its id is "address-errors") clears the same way.
    expect(page.locator("#address-errors")).to_be_visible()
    page.locator("#id_address").press_sequentially("서교동")
    expect(page.locator("#address-errors")).to_have_count(0)
    expect(page.locator("#id_address")).not_to_have_attribute("aria-invalid", "true")

    # The order page's item form comes back through htmx with its errors; they clear too.
    host = UserFactory()
    order = groupbuy_create(host=host, title="떡볶이", category="분식", target_count=3)
    page.goto("/accounts/login/")
    log_in(page, host.email)
    page.goto(f"/groupbuys/{order.pk}/")
    page.get_by_role("button", name="메뉴 추가").click()
    expect(error_of(page, "id_name")).to_have_text("메뉴 이름을 입력해 주세요.")
    page.locator("#id_name").fill("떡볶이")
    expect(error_of(page, "id_name")).to_have_count(0)
    expect(error_of(page, "id_unit_price")).to_have_text("가격을 입력해 주세요.")
    page.locator("#id_unit_price").fill("14000")
    expect(error_of(page, "id_unit_price")).to_have_count(0)


# What a placeholder may take: the input's content box, measured with its own font.
PLACEHOLDER_OVERFLOW = """
(el) => {
  const style = getComputedStyle(el);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: el.placeholder, room, width: context.measureText(el.placeholder).width,
          font: style.fontFamily};
}
"""


def test_placeholders_fit_and_textareas_use_the_page_font(new_page, screenshot):
    user = UserFactory()
    groupbuy_create(
        host=user, title="지난번 치킨", category="치킨", target_count=3, pickup_spot="정문 앞"
    )
    page = new_page()
    page.goto("/accounts/login/")
    log_in(page, user.email)

    # "이 메뉴로 모집하기" fills the form with what the pick knows and my usual spot.
    page.goto("/recommend/")
    card = page.locator(".rec-card").first
    dish = card.locator(".rec-name").inner_text()
    category = card.get_attribute("data-category")
    card.get_by_role("link", name="이 메뉴로 모집하기").click()
    page.wait_for_url(re.compile(r"/groupbuys/new/\?category="))
    expect(page.get_by_label("제목")).to_have_value(f"{dish} 같이 시켜요")
    expect(page.get_by_label("카테고리")).to_have_value(category)
    expect(page.get_by_label("가게 이름")).to_have_value(f"{dish} 전문점")
    expect(page.get_by_label("수령 장소")).to_have_value("정문 앞")
    for path in ("/groupbuys/new/", "/recommend/"):
        page.goto(path)
        inputs = page.locator("input[placeholder]")
        assert inputs.count() > 0, path
        for index in range(inputs.count()):
            seen = inputs.nth(index).evaluate(PLACEHOLDER_OVERFLOW)
            assert seen["width"] <= seen["room"], (path, seen)
    page.goto("/groupbuys/new/")
    fonts = page.evaluate(
        """() => [getComputedStyle(document.body).fontFamily,
                  getComputedStyle(document.querySelector("textarea")).fontFamily,
                  getComputedStyle(document.querySelector("input[type=text]")).fontFamily]"""
    )
    assert fonts[0] == fonts[1] == fonts[2], fonts
    screenshot(page, "write-form")
