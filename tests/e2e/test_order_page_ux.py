"""The order page a person understands at a glance (issue 11), on a phone (390×844) and a
laptop (1366×900): the sticky bar with the one action that matters now, within the first
viewport and above the tab bar; the bottom sheets; joining moves to "내 메뉴" and says so;
the summary changes live when someone else adds an item; after "주문완료" the timeline and
each person's next step. Every state is checked with axe (WCAG 2.1 A/AA, contrast included)
and kept as a screenshot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mealbuddy.groupbuys import services
from tests.e2e.test_groupbuy_journey import log_in
from tests.factories import UserFactory

VIEWPORTS = {"phone": (390, 844), "laptop": (1366, 900)}


@pytest.fixture(params=list(VIEWPORTS))
def size(request):
    width, height = VIEWPORTS[request.param]
    return {"width": width, "height": height}


def open_as(new_page, user, size, path: str):
    page = new_page()
    page.set_viewport_size(size)
    log_in(page, user.email)
    page.goto(path)
    return page


def live(page) -> None:
    """Wait until the page's socket follows the order (groupbuys-live.js marks it)."""
    expect(page.locator('.gb-page[data-live="on"]')).to_have_count(1)


def assert_bar_in_view(page) -> None:
    """The sticky bar and its button are inside the viewport, above the tab bar, without
    scrolling."""
    bar = page.get_by_test_id("sticky-bar")
    expect(bar).to_be_visible()
    box = bar.bounding_box()
    height = page.viewport_size["height"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
    tabbar = page.locator("nav.tabbar").bounding_box()
    assert box["y"] + box["height"] <= tabbar["y"] + 1, (box, tabbar)
    main = bar.locator(".gb-bar-main")
    expect(main).to_be_in_viewport(ratio=1)


def make_order(host):
    order = services.groupbuy_create(
        host=host,
        title="BBQ 황금올리브 같이",
        category="치킨",
        restaurant="BBQ 서교점",
        min_order_amount=30000,
        delivery_fee=3000,
        target_count=4,
        pickup_spot="서교동 주민센터 앞",
    )
    services.item_add(group_order_id=order.pk, user=host, name="황금올리브", unit_price=20000)
    return order


def test_visitor_joins_from_the_bar_and_lands_on_my_items(
    new_page, size, assert_accessible, screenshot
):
    host = UserFactory(username="방장님")
    kim = UserFactory(username="김이웃")
    visitor = UserFactory(username="박이웃")
    order = make_order(host)
    services.groupbuy_join(group_order_id=order.pk, user=kim)

    page = open_as(new_page, visitor, size, f"/groupbuys/{order.pk}/")
    # The first screen: the one action, with the exact preview (3 members: 3,000 / 3).
    assert_bar_in_view(page)
    join = page.get_by_role("link", name=re.compile("참여하고 메뉴 담기"))
    expect(join).to_have_text("참여하고 메뉴 담기 · 예상 1,000원")
    expect(page.get_by_test_id("bar-note")).to_contain_text("다 모이면 배달비 750원")
    assert_accessible(page)
    screenshot(page, "order-visitor")

    # The bar opens the join card as a sheet; Esc closes it and gives the focus back.
    join.click()
    sheet = page.get_by_role("dialog", name="참여하기")
    expect(sheet).to_be_visible()
    expect(sheet).to_be_in_viewport()
    expect(page.locator("#gb-join-title")).to_be_focused()
    assert_accessible(page)
    screenshot(page, "order-join-sheet")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(join).to_be_focused()

    join.click()
    page.get_by_role("dialog").get_by_role("button", name=re.compile("참여하기")).click()
    # The page moved to 내 메뉴 and says so.
    joined = page.get_by_test_id("joined")
    expect(joined).to_have_text("참여했어요! 먹고 싶은 메뉴를 담아 주세요.")
    expect(joined).to_be_focused()
    expect(page.get_by_role("heading", name="내 메뉴")).to_be_in_viewport()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Now a member: "메뉴 담기" opens the add-item form as a sheet, focus in its first field.
    assert_bar_in_view(page)
    add = page.get_by_test_id("sticky-bar").get_by_role("link", name="메뉴 담기")
    add.click()
    sheet = page.get_by_role("dialog", name="메뉴 담기")
    expect(sheet).to_be_visible()
    expect(sheet.get_by_label("메뉴", exact=True)).to_be_focused()
    sheet.get_by_label("메뉴", exact=True).fill("양념치킨")
    sheet.get_by_label("가격 (원)").fill("18000")
    sheet.get_by_role("button", name="메뉴 추가").click()
    expect(page.get_by_test_id("item-added")).to_contain_text("19,000원")
    expect(page.get_by_test_id("my-total")).to_have_text("19,000원")
    assert_bar_in_view(page)
    expect(page.get_by_test_id("sticky-bar")).to_contain_text("채팅방")
    page.evaluate("window.scrollTo(0, 0)")
    assert_bar_in_view(page)
    assert_accessible(page)
    screenshot(page, "order-member")


def test_the_summary_changes_live_when_a_member_adds_an_item(new_page, size, screenshot):
    host = UserFactory(username="방장님")
    kim = UserFactory(username="김이웃")
    visitor = UserFactory(username="박이웃")
    order = make_order(host)
    services.groupbuy_join(group_order_id=order.pk, user=kim)
    path = f"/groupbuys/{order.pk}/"

    watching = open_as(new_page, visitor, size, path)
    hosting = open_as(new_page, host, size, path)
    adding = open_as(new_page, kim, size, path)
    for page in (watching, hosting, adding):
        live(page)
    expect(watching.get_by_test_id("items-total")).to_have_text("20,000원")

    adding.get_by_test_id("sticky-bar").get_by_role("link", name="메뉴 담기").click()
    sheet = adding.get_by_role("dialog", name="메뉴 담기")
    sheet.get_by_label("메뉴", exact=True).fill("후라이드")
    sheet.get_by_label("가격 (원)").fill("17000")
    sheet.get_by_role("button", name="메뉴 추가").click()
    expect(adding.get_by_test_id("my-total")).to_have_text("18,500원")

    # No reload on the other pages: the socket said so, htmx read the summary again.
    for page in (watching, hosting):
        expect(page.get_by_test_id("items-total")).to_have_text("37,000원")
        expect(page.locator("#gb-summary")).to_contain_text("최소주문금액을 채웠어요")
    # The visitor's preview moved with it (the bar came along out of band).
    expect(watching.get_by_test_id("sticky-bar")).to_contain_text("예상 1,000원")

    # A neighbour joins in their own browser: the headcount and the preview change too.
    lee = open_as(new_page, UserFactory(username="이이웃"), size, path)
    lee.get_by_test_id("sticky-bar").get_by_role("link").click()
    lee.get_by_role("dialog").get_by_role("button", name=re.compile("참여하기")).click()
    expect(lee.get_by_test_id("joined")).to_be_visible()
    expect(watching.locator(".gb-headcount")).to_contain_text("3/4")
    expect(watching.get_by_test_id("sticky-bar")).to_contain_text("예상 750원")
    screenshot(watching, "order-visitor-live")


def test_after_ordered_the_timeline_says_who_does_what(
    new_page, size, assert_accessible, screenshot
):
    host = UserFactory(username="방장님")
    kim = UserFactory(username="김이웃")
    order = make_order(host)
    services.groupbuy_join(group_order_id=order.pk, user=kim)
    services.item_add(group_order_id=order.pk, user=kim, name="양념치킨", unit_price=18000)
    path = f"/groupbuys/{order.pk}/"

    member = open_as(new_page, kim, size, path)
    live(member)
    hosting = open_as(new_page, host, size, path)
    hosting.get_by_role("button", name="모집 마감하기").click()
    expect(hosting.get_by_test_id("status")).to_have_text("모집마감")
    # The host's next step is the bar's one button.
    assert_bar_in_view(hosting)
    hosting.get_by_test_id("sticky-bar").get_by_role("button", name="주문 완료로 표시").click()
    expect(hosting.get_by_test_id("status")).to_have_text("주문완료")
    timeline = hosting.get_by_test_id("timeline")
    expect(timeline).to_be_visible()
    expect(timeline.locator('[aria-current="step"]')).to_contain_text("주문")
    expect(timeline).to_contain_text("음식이 오면 '도착했어요'를 눌러요.")
    expect(hosting.get_by_test_id("sticky-bar").get_by_role("button")).to_have_text("도착했어요")
    assert_bar_in_view(hosting)
    assert_accessible(hosting)
    screenshot(hosting, "order-after-ordered-host")

    # The member's open page follows without a reload: status, timeline and their next step.
    expect(member.get_by_test_id("status")).to_have_text("주문완료")
    expect(member.get_by_test_id("timeline")).to_contain_text("방장에게 19,500원을 보내요.")
    expect(member.get_by_test_id("sticky-bar").get_by_role("link")).to_have_text("정산하기")
    member.reload()  # the whole page as it now is, for the axe check and the screenshot
    assert_bar_in_view(member)
    assert_accessible(member)
    screenshot(member, "order-after-ordered")
