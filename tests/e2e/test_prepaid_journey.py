"""앱에서 결제 in a real browser (mobile viewport, CSP enforced, production settings): the host
writes a prepaid order with a deposit; a neighbour tops up on 지갑, joins (the share and the
deposit are held), adds an item; the host closes and places it, taps "도착했어요"; the member
taps "받았어요"; the order is delivered and both wallets and the member's points are right.
A neighbour without money is shown "충전하기", which opens 지갑 with the amount filled in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.wallet.selectors import ledger_problems, wallet_summary
from tests.e2e.test_groupbuy_journey import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def write_prepaid_order(page, *, title: str, deposit: str = "1000") -> GroupOrder:
    page.goto("/groupbuys/new/?category=치킨")
    page.get_by_label("제목").fill(title)
    page.get_by_label("가게 이름").fill("BBQ 서교점")
    page.get_by_label("최소주문금액 (원)").fill("15000")
    page.get_by_label("배달비 (원)").fill("3000")
    page.get_by_label("모집 인원").fill("3")
    page.get_by_label("수령 장소").fill("서교동 주민센터 앞")
    expect(page.get_by_label("직접 정산")).to_be_checked()
    page.get_by_label("앱에서 결제").check()
    page.get_by_label("노쇼 보증금 (원)").fill(deposit)
    page.get_by_role("button", name="모집글 올리기").click()
    page.wait_for_url(re.compile(r"/groupbuys/\d+/$"))
    expect(page.get_by_test_id("payment")).to_contain_text(f"노쇼 보증금 {int(deposit):,}원")
    return GroupOrder.objects.get(title=title)


def top_up(page, amount: str) -> None:
    page.goto("/wallet/")
    page.locator("#topup").get_by_label("금액 (원)").fill(amount)
    page.get_by_label("테스트 결제 결과").select_option("approve")
    page.get_by_role("button", name="충전하기").click()
    expect(page.get_by_text(f"{int(amount):,}원을 충전했어요.")).to_be_visible()


def test_prepaid_order_from_top_up_to_handoff(new_page):
    host = UserFactory(username="방장님")
    neighbour = UserFactory(username="옆집")

    host_page = new_page()
    host_page.on("dialog", lambda dialog: dialog.accept())
    log_in(host_page, host.email)
    order = write_prepaid_order(host_page, title="앱결제 황금올리브")
    assert order.payment == "prepaid" and order.noshow_deposit == 1000

    guest = new_page()
    log_in(guest, neighbour.email)
    top_up(guest, "30000")
    expect(guest.locator("[data-cash]")).to_have_text("30,000원")

    guest.goto("/")
    card = guest.locator("article.gb-card", has_text="앱결제 황금올리브")
    expect(card.get_by_test_id("prepaid-badge")).to_have_text("앱결제")
    card.get_by_role("link", name="앱결제 황금올리브").click()
    expect(guest.get_by_test_id("join-hold")).to_have_text(
        "참여하면 지금 2,500원이 보관돼요: 배달비 몫 1,500원 + 보증금 1,000원"
    )
    expect(guest.get_by_label("포인트 먼저 쓰기")).not_to_be_checked()
    guest.get_by_role("button", name=re.compile("참여하기")).click()
    settlement = guest.locator("#settlement")
    expect(settlement.get_by_role("heading", name="정산")).to_be_visible()
    mine = settlement.locator(f'[data-settle-member="{neighbour.pk}"]')
    expect(mine).to_contain_text("보관 중 1,500원")
    expect(mine).to_contain_text("보증금 보관 중 1,000원")

    guest.locator("#id_name").fill("후라이드")
    guest.locator("#id_unit_price").fill("18000")
    guest.locator("#id_quantity").fill("1")
    guest.get_by_role("button", name="메뉴 추가").click()
    expect(guest.get_by_test_id("my-total")).to_have_text("19,500원")
    expect(mine).to_contain_text("보관 중 19,500원")
    assert wallet_summary(user=neighbour)["cash"] == 30_000 - 19_500 - 1_000

    host_page.reload()
    host_page.get_by_role("button", name="모집 마감하기").click()
    expect(host_page.get_by_test_id("status")).to_have_text("모집마감")
    host_page.get_by_role("button", name="주문 완료로 표시").click()
    expect(host_page.get_by_test_id("status")).to_have_text("주문완료")
    host_settlement = host_page.locator("#settlement")
    expect(host_settlement.locator(f'[data-settle-member="{neighbour.pk}"]')).to_contain_text(
        "앱 결제 완료"
    )
    host_settlement.get_by_role("button", name="도착했어요").click()
    expect(host_settlement.get_by_test_id("settlement-done")).to_have_text(
        "도착을 알렸어요. 멤버들에게 수령 장소를 보냈어요."
    )
    expect(host_settlement.get_by_role("button", name="도착했어요")).to_have_count(0)
    expect(host_settlement.get_by_test_id("settlement-done")).to_be_focused()

    guest.reload()
    settlement = guest.locator("#settlement")
    settlement.get_by_role("button", name="받았어요").click()
    expect(settlement.get_by_test_id("settlement-done")).to_contain_text("받았다고 알렸어요.")
    expect(settlement).to_contain_text("모두 음식을 받아 배달이 완료되었어요.")
    # The summary above the section is refreshed with it (out of band).
    expect(guest.get_by_test_id("status")).to_have_text("배달완료")
    host_page.reload()
    expect(host_page.get_by_test_id("status")).to_have_text("배달완료")

    # 지갑: the host received the member's share; the member paid it, got the deposit back
    # and 1 % of the share in points (floored).
    host_page.goto("/wallet/")
    expect(host_page.locator("[data-cash]")).to_have_text("19,500원")
    guest.goto("/wallet/")
    expect(guest.locator("[data-cash]")).to_have_text("10,500원")
    expect(guest.locator("[data-points]")).to_have_text("195P")
    assert wallet_summary(user=host) == {"cash": 19_500, "points": 0, "payout_pending": 0}
    assert wallet_summary(user=neighbour) == {"cash": 10_500, "points": 195, "payout_pending": 0}
    assert ledger_problems() == []


def test_joining_without_enough_money_offers_a_top_up(new_page):
    host = UserFactory(username="방장님")
    poor = UserFactory(username="빈지갑")
    host_page = new_page()
    log_in(host_page, host.email)
    order = write_prepaid_order(host_page, title="보증금 있는 피자", deposit="2000")

    guest = new_page()
    log_in(guest, poor.email)
    guest.goto(f"/groupbuys/{order.pk}/")
    expect(guest.get_by_test_id("join-hold")).to_contain_text("3,500원이 보관돼요")
    guest.get_by_role("button", name=re.compile("참여하기")).click()
    alert = guest.get_by_test_id("action-error")
    expect(alert).to_contain_text("지갑 잔액이 3,500원 부족해요.")
    expect(alert).to_be_focused()  # keyboard and screen-reader users land on the refusal
    topup = alert.get_by_role("link", name="충전하기")
    expect(topup).to_have_attribute("href", "/wallet/?amount=3500")
    expect(guest.get_by_role("link", name=re.compile("채팅방 가기"))).to_have_count(0)

    topup.click()
    guest.wait_for_url(re.compile(r"/wallet/\?amount=3500$"))
    expect(guest.locator("#topup").get_by_label("금액 (원)")).to_have_value("3500")
    expect(guest.locator("[data-asked]")).to_contain_text("3,500원을 넣어 두었어요")
    guest.get_by_role("button", name="충전하기").click()
    expect(guest.get_by_text("3,500원을 충전했어요.")).to_be_visible()

    guest.goto(f"/groupbuys/{order.pk}/")
    guest.get_by_role("button", name=re.compile("참여하기")).click()
    expect(guest.get_by_role("link", name=re.compile("채팅방 가기"))).to_be_visible()
    assert wallet_summary(user=poor)["cash"] == 0
