"""지갑 in a real browser (mobile viewport, CSP enforced): top up with the test provider, see a
declined one refused, withdraw, and read the history with its running balance."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mealbuddy.wallet.selectors import wallet_summary
from tests.e2e.test_groupbuy_journey import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def test_top_up_and_withdraw(new_page):
    user = UserFactory(username="지갑주인")
    page = new_page()
    log_in(page, user.email)
    page.goto("/accounts/me/")
    page.get_by_role("link", name="지갑 (충전 · 출금)").click()
    expect(page.get_by_role("heading", name="지갑", exact=True)).to_be_visible()
    expect(page.locator("[data-cash]")).to_have_text("0원")

    page.locator("#topup").get_by_label("금액 (원)").fill("30000")
    page.get_by_label("테스트 결제 결과").select_option("approve")
    page.get_by_role("button", name="충전하기").click()
    expect(page.get_by_text("30,000원을 충전했어요.")).to_be_visible()
    expect(page.locator("[data-cash]")).to_have_text("30,000원")

    page.locator("#topup").get_by_label("금액 (원)").fill("10000")
    page.get_by_label("테스트 결제 결과").select_option("decline")
    page.get_by_role("button", name="충전하기").click()
    expect(page.get_by_text("카드사에서 결제를 거절했어요. (테스트 결제사)")).to_be_visible()
    expect(page.locator("[data-cash]")).to_have_text("30,000원")

    withdraw = page.locator("#withdraw")
    withdraw.get_by_label("금액 (원)").fill("12000")
    withdraw.get_by_label("은행").select_option("신한")
    withdraw.get_by_label("계좌번호").fill("110-123-456789")
    withdraw.get_by_label("예금주").fill("김밀버")
    withdraw.get_by_role("button", name="출금 신청").click()
    expect(page.get_by_text("12,000원 출금을 신청했어요.", exact=False)).to_be_visible()
    expect(page.locator("[data-cash]")).to_have_text("18,000원")
    history = page.locator("[data-history] li")
    expect(history).to_have_count(2)  # the payout's hold, the top-up (the decline moved nothing)
    expect(history.first).to_contain_text("-12,000원")
    expect(history.first).to_contain_text("잔액 18,000원")
    expect(history.last).to_contain_text("잔액 30,000원")
    expect(page.locator("[data-withdrawals] li").first).to_contain_text("12,000원 출금 완료")
    assert wallet_summary(user=user) == {"cash": 18_000, "points": 0, "payout_pending": 0}
