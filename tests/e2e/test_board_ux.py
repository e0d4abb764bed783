"""The board as a person on a phone (390×844) and a laptop (1366×900) sees it: orders on the
first screen, each card one tap target with its clock time and "n분 남음" (or what happened),
the chips for 날씨 / 뭐 먹지? / 필터 opening sheets, filtering without leaving the page, and
WCAG A/AA (contrast included) by axe-core. Screenshots are kept as test artifacts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mealbuddy.groupbuys import services
from mealbuddy.groupbuys.models import GroupOrder, OrderItem
from mealbuddy.regions.models import Region
from tests.conftest import HAPJEONG
from tests.e2e.test_groupbuy_journey import log_in
from tests.factories import UserFactory

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "laptop": {"width": 1366, "height": 900},
}


def seed_board() -> dict:
    """A 서교동 viewer and the orders of their 동 and the bordering 합정동."""
    now = timezone.now()
    viewer = UserFactory(username="새이웃")
    # A few hundred metres apart, as neighbours are.
    viewer.lat, viewer.lon = viewer.lat + 0.002, viewer.lon + 0.001
    viewer.save(update_fields=["lat", "lon"])
    host = UserFactory(username="방장님")
    other = UserFactory(username="옆집")
    hapjeong_host = UserFactory(username="합정이웃", region=Region.objects.get(code=HAPJEONG))
    chicken = services.groupbuy_create(
        host=host,
        title="BBQ 황금올리브 같이",
        category="치킨",
        restaurant="BBQ 서교점",
        target_count=4,
        min_order_amount=20000,
        delivery_fee=3000,
        deadline=now + timedelta(minutes=23),
        pickup_spot="서교동 주민센터 앞",
    )
    joined = services.groupbuy_join(group_order_id=chicken.pk, user=other)
    OrderItem.objects.create(participation=joined, name="후라이드", unit_price=12000)
    services.groupbuy_create(
        host=other,
        title="엽떡 나눠 먹어요",
        category="분식",
        restaurant="동대문엽기떡볶이",
        target_count=3,
        min_order_amount=16000,
        delivery_fee=4000,
        deadline=now + timedelta(hours=2),
    )
    services.groupbuy_create(
        host=hapjeong_host,
        title="족발 반반 같이",
        category="족발,보쌈",
        restaurant="가장맛있는족발",
        target_count=4,
        min_order_amount=30000,
        delivery_fee=3000,
        deadline=now + timedelta(minutes=50),
    )
    done = services.groupbuy_create(
        host=host,
        title="점심 김치찌개",
        category="찜,탕,찌개",
        restaurant="백채김치찌개",
        target_count=2,
        delivery_fee=2000,
        deadline=now + timedelta(minutes=40),
    )
    GroupOrder.objects.filter(pk=done.pk).update(status="ordered")
    return {"viewer": viewer, "chicken": chicken, "done": done}


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_board_first_screen_cards_and_sheets(new_page, assert_accessible, screenshot, size):
    seeded = seed_board()
    viewport = VIEWPORTS[size]
    page = new_page()
    # new_page() opens at 390×844; its viewport= keyword collides with that default.
    page.set_viewport_size(viewport)
    log_in(page, seeded["viewer"].email)
    page.goto("/")

    cards = page.locator("article.gb-card")
    expect(cards).to_have_count(4)
    # Closing soon and nearly full first: the chicken (23 min, 2 seats) leads; the bordering
    # 동's 족발 is on the board by default; the ordered 김치찌개 comes last.
    first = cards.first
    expect(first).to_contain_text("BBQ 황금올리브 같이")
    expect(cards.nth(1)).to_contain_text("족발 반반 같이")
    expect(cards.nth(1)).to_contain_text("족발·보쌈")
    expect(cards.nth(1)).to_contain_text("합정동")
    expect(cards.last).to_contain_text("점심 김치찌개")

    # The first card is entirely on the first screen, above the tab bar.
    box = first.bounding_box()
    tabbar = page.locator("nav.tabbar").bounding_box()
    assert box is not None and tabbar is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= tabbar["y"], (box, tabbar)

    # The card's link is named by the title and a tap anywhere on the card opens it; the
    # host's name is the only other link, to their public profile (issue 12).
    links = first.get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.first).to_have_accessible_name("BBQ 황금올리브 같이")
    expect(first.locator("a.gb-host-link")).to_have_attribute("href", re.compile(r"^/u/\d+/$"))
    expect(first).to_contain_text(re.compile(r"\d{2}:\d{2} 마감"))
    expect(first.locator("[data-countdown]")).to_have_text(re.compile(r"^2[23]분 남음$"))
    expect(first).to_contain_text("2/4명")
    expect(first).to_contain_text("최소주문까지 8,000원")
    expect(first.locator("progress")).to_have_attribute("value", "60")
    expect(first.get_by_test_id("expected-share")).to_have_text(
        re.compile(r"내 예상 부담액\s+1,000원\s+\+ 내 메뉴")
    )
    expect(first).to_contain_text("참여하면 배달비 1,000원, 다 모이면 750원")
    expect(first.get_by_test_id("walk")).to_have_text(re.compile(r"^도보 \d+분 \(\d+m\)$"))
    expect(first).to_contain_text("방장 방장님")

    # The finished order says what happened instead of counting down.
    done = cards.last
    expect(done.get_by_test_id("status")).to_have_text("주문완료")
    expect(done.get_by_test_id("outcome")).to_have_text("주문했어요. 배달을 기다려요")
    expect(done.locator("[data-countdown]")).to_have_count(0)

    assert_accessible(page)
    screenshot(page, "board")
    # axe leaves empty style="" attributes on the elements it inspected, and htmx's settle
    # step would copy them onto the swapped-in ones (a CSP violation): start again clean.
    page.reload()

    # 날씨 and 뭐 먹지? open from their chips (one sheet at a time).
    page.locator("#weather-sheet summary").click()
    expect(page.locator("#weather-sheet")).to_have_attribute("open", "")
    expect(page.locator("#weather-card")).to_be_visible()
    page.locator("#recommend-sheet summary").click()
    expect(page.locator("#recommend-panel")).to_be_visible()
    expect(page.locator("#weather-sheet")).not_to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(page.locator("#recommend-sheet")).not_to_have_attribute("open", "")

    # The 필터 sheet: newest first, then search; the page swaps in place.
    page.locator("#filter-sheet summary").click()
    sheet = page.locator("#filter-sheet form")
    expect(sheet).to_be_visible()
    assert_accessible(page)
    screenshot(page, "board-filter-sheet")
    page.reload()
    page.locator("#filter-sheet summary").click()
    sheet.get_by_label("최신순").check()
    sheet.get_by_role("button", name="적용하기").click()
    expect(page).to_have_url(re.compile(r"/\?sort=newest$"))
    expect(page.locator("#filter-sheet")).not_to_have_attribute("open", "")
    expect(page.locator("#filter-sheet > summary")).to_be_focused()
    expect(page.locator(".board-applied")).to_contain_text("최신순")
    expect(cards.first).to_contain_text("족발 반반 같이")  # the newest
    page.locator("#filter-sheet summary").click()
    sheet.get_by_label("검색").fill("엽떡")
    sheet.get_by_role("button", name="적용하기").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("엽떡 나눠 먹어요")

    # The category chips and the 옆 동네 switch filter the same way.
    page.locator(".board-applied").get_by_role("link", name="지우기").click()
    expect(cards).to_have_count(4)
    page.get_by_role("navigation", name="카테고리").get_by_role("link", name="치킨").click()
    expect(cards).to_have_count(1)
    expect(page.get_by_role("link", name="치킨", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    page.get_by_role("link", name="전체").click()
    expect(cards).to_have_count(4)
    switch = page.get_by_role("switch", name="옆 동네 포함")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(page.get_by_role("switch", name="옆 동네 포함")).to_have_attribute(
        "aria-checked", "false"
    )
    expect(page).to_have_url(re.compile(r"/\?neighbours=0$"))
    expect(cards).to_have_count(3)
    expect(page.locator("#feed")).not_to_contain_text("족발 반반 같이")

    # A tap on the card (not on its title) opens the order.
    page.goto("/")
    cards.first.locator(".gb-minimum").click(force=True)  # lands on the card's stretched link
    page.wait_for_url(re.compile(rf"/groupbuys/{seeded['chicken'].pk}/$"))


def test_board_filters_without_javascript(browser, live_server_url, screenshot):
    seeded = seed_board()
    context = browser.new_context(
        base_url=live_server_url,
        locale="ko-KR",
        viewport=VIEWPORTS["phone"],
        java_script_enabled=False,
    )
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        log_in(page, seeded["viewer"].email)
        page.goto("/")
        cards = page.locator("article.gb-card")
        expect(cards).to_have_count(4)
        page.locator("#filter-sheet summary").click()
        sheet = page.locator("#filter-sheet form")
        sheet.get_by_label("주문완료").check()
        sheet.get_by_label("옆 동네도 보기").uncheck()
        sheet.get_by_role("button", name="적용하기").click()
        page.wait_for_url(re.compile(r"status=ordered"))
        assert "neighbours=0" in page.url
        expect(cards).to_have_count(1)
        expect(cards.first).to_contain_text("점심 김치찌개")
        page.get_by_role("switch", name="옆 동네 포함").click()
        page.wait_for_url(lambda url: "neighbours" not in url)
        page.locator(".board-applied").get_by_role("link", name="지우기").click()
        page.get_by_role("navigation", name="카테고리").get_by_role(
            "link", name="족발·보쌈"
        ).click()
        expect(cards).to_have_count(1)
        expect(cards.first).to_contain_text("족발 반반 같이")
        screenshot(page, "board-nojs")
    finally:
        context.close()
