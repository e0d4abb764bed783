"""The 지갑 page: balances, history with running balance, 충전 (test provider) and 출금."""

from __future__ import annotations

import pytest

from mealbuddy.wallet import selectors, services
from mealbuddy.wallet.models import TopUp, Withdrawal
from tests.wallet.conftest import fund


@pytest.fixture
def page(client, alice):
    client.force_login(alice)
    return client


def test_page_shows_balances_and_history_with_running_balance(
    page, alice, django_assert_max_num_queries
):
    fund(alice, 12_000, key="t1")
    services.escrow_hold(key="h1", user=alice, order_ref="order:1", amount=2_500)
    with django_assert_max_num_queries(12) as short:
        html = page.get("/wallet/").content.decode()
    assert "9,500원" in html
    assert "충전" in html and "출금 신청" in html
    # Newest first, each line with the balance after it.
    assert html.index("-2,500원") < html.index("+12,000원")
    assert "잔액 9,500원" in html and "잔액 12,000원" in html
    assert "<script>" not in html  # CSP: no inline script
    for n in range(40):
        fund(alice, 1_000, key=f"more:{n}")
    with django_assert_max_num_queries(len(short)):  # a fixed cost, however long the history
        html = page.get("/wallet/").content.decode()
    assert "최근 30건만" in html and "49,500원" in html


def test_topup_with_the_test_provider(page, alice):
    response = page.post("/wallet/topup/", {"amount": 30_000, "outcome": "approve"}, follow=True)
    assert response.status_code == 200
    assert "30,000원을 충전했어요." in response.content.decode()
    assert selectors.wallet_summary(user=alice)["cash"] == 30_000


def test_declined_and_out_of_bounds_topups_show_the_reason(page, alice):
    response = page.post("/wallet/topup/", {"amount": 30_000, "outcome": "decline"})
    assert response.status_code == 400
    assert "카드사에서 결제를 거절했어요" in response.content.decode()
    assert TopUp.objects.get().status == "failed"
    response = page.post("/wallet/topup/", {"amount": 500, "outcome": "approve"})
    assert response.status_code == 400
    assert "1,000원 이상 1,000,000원 이하" in response.content.decode()
    response = page.post("/wallet/topup/", {"amount": 5_000, "outcome": "timeout"})
    assert response.status_code == 503
    assert "잠시 후 다시 시도" in response.content.decode()
    assert selectors.wallet_summary(user=alice)["cash"] == 0


def test_withdraw_from_the_page(page, alice, django_capture_on_commit_callbacks):
    fund(alice, 20_000)
    form = {"amount": 15_000, "bank": "신한", "account_number": "110-123-456789", "holder": "김"}
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post("/wallet/withdraw/", form, follow=True)
    assert "15,000원 출금을 신청했어요." in response.content.decode()
    assert Withdrawal.objects.get().status == "done"
    # The payout job runs after the request commits: the next view shows where it is.
    assert "15,000원</span> <strong>출금 완료</strong>" in page.get("/wallet/").content.decode()
    assert selectors.wallet_summary(user=alice)["cash"] == 5_000
    response = page.post("/wallet/withdraw/", form)
    assert response.status_code == 400
    assert "잔액이 부족해요" in response.content.decode()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/wallet/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.post("/wallet/topup/", {"amount": 5_000}).status_code == 302
