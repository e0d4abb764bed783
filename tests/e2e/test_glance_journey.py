"""The whole journey a neighbour makes, on a phone (390×844) and a laptop (1366×900), in
production settings: the board's first card → the order → join from the sticky bar → add a
menu item in the sheet → the chat room (and back) → the host places the order → the member
sees 주문완료 and their next step. What a person sees is asserted at each step (the first
card within the first viewport, the one action in the sticky bar, axe's WCAG A/AA checks
with contrast), and each screen is kept as a screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_order_page_ux import VIEWPORTS, assert_bar_in_view, make_order, open_as
from tests.factories import UserFactory


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    width, height = VIEWPORTS[request.param]
    return {"width": width, "height": height}


def test_board_to_ordered_at_a_glance(new_page, viewport, assert_accessible, screenshot):
    host = UserFactory(username="방장님")
    kim = UserFactory(username="김이웃", region=host.region)
    order = make_order(host)

    # The board: the order is the first card, entirely on the first screen.
    page = open_as(new_page, kim, viewport, "/")
    card = page.locator("article.gb-card").first
    expect(card).to_contain_text("BBQ 황금올리브 같이")
    box = card.bounding_box()
    tabbar = page.locator("nav.tabbar").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= tabbar["y"], (box, tabbar)
    assert_accessible(page)
    screenshot(page, "journey-board")

    # The whole card is one link to the order.
    card.locator("a.gb-card-link").click()
    expect(page).to_have_url(re.compile(rf"/groupbuys/{order.pk}/$"))
    assert_bar_in_view(page)
    join = page.get_by_role("link", name=re.compile("참여하고 메뉴 담기"))
    expect(join).to_contain_text("예상 1,500원")
    assert_accessible(page)
    screenshot(page, "journey-order")

    # Join from the bar, then add a menu item in the sheet.
    join.click()
    page.get_by_role("dialog").get_by_role("button", name=re.compile("참여하기")).click()
    expect(page.get_by_test_id("joined")).to_be_visible()
    page.get_by_test_id("sticky-bar").get_by_role("link", name="메뉴 담기").click()
    sheet = page.get_by_role("dialog", name="메뉴 담기")
    sheet.get_by_label("메뉴", exact=True).fill("양념치킨")
    sheet.get_by_label("가격 (원)").fill("18000")
    sheet.get_by_role("button", name="메뉴 추가").click()
    expect(page.get_by_test_id("my-total")).to_have_text("19,500원")
    assert_bar_in_view(page)
    screenshot(page, "journey-member")

    # The bar's next step is the chat room; its header leads back to the order.
    page.get_by_test_id("sticky-bar").get_by_role("link", name="채팅방").click()
    expect(page).to_have_url(re.compile(r"/chats/\d+/$"))
    # Sending waits for the room's socket (the page says so until it is connected).
    expect(page.locator("[data-status]")).to_have_text("연결됨")
    message = page.get_by_role("textbox", name="메시지")
    message.fill("양념 반반 괜찮아요?")
    message.press("Enter")
    expect(page.get_by_role("log", name="대화")).to_contain_text("양념 반반 괜찮아요?")
    expect(page.locator("nav.tabbar")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "journey-chat")

    # The host closes and places the order from their own bar.
    hosting = open_as(new_page, host, viewport, f"/groupbuys/{order.pk}/")
    hosting.get_by_role("button", name="모집 마감하기").click()
    expect(hosting.get_by_test_id("status")).to_have_text("모집마감")
    hosting.get_by_test_id("sticky-bar").get_by_role("button", name="주문 완료로 표시").click()
    expect(hosting.get_by_test_id("status")).to_have_text("주문완료")

    # Back on the order through the room's header, the member sees what happened and what
    # to do next.
    page.locator("a[data-order-link]").click()
    expect(page).to_have_url(re.compile(rf"/groupbuys/{order.pk}/"))
    expect(page.get_by_test_id("status")).to_have_text("주문완료")
    expect(page.get_by_test_id("timeline")).to_contain_text("방장에게 19,500원을 보내요.")
    expect(page.get_by_test_id("sticky-bar").get_by_role("link")).to_have_text("정산하기")
    assert_bar_in_view(page)
    assert_accessible(page)
    screenshot(page, "journey-ordered")
