"""Top-ups and payouts through the Toss adapter against a fake Toss on 127.0.0.1, over the
REST API the browser and Toss's webhook use."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from mealbuddy.wallet import selectors, services
from mealbuddy.wallet.models import TopUp, Transfer, Withdrawal
from mealbuddy.wallet.providers import PaymentDeclined
from mealbuddy.wallet.providers.toss import TossProvider
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.wallet.conftest import fund
from tests.wallet.fake_toss import SECRET_KEY, FakeToss


@pytest.fixture
def toss(settings):
    fake = FakeToss().start()
    settings.WALLET_PROVIDER = "toss"
    settings.TOSS_BASE_URL = fake.base_url
    settings.TOSS_SECRET_KEY = SECRET_KEY
    settings.TOSS_CLIENT_KEY = "test_ck_fake"
    settings.TOSS_TIMEOUT = 0.5
    yield fake
    fake.stop()


def cash(user) -> int:
    return selectors.wallet_summary(user=user)["cash"]


def topup_asked(client, amount: int) -> dict:
    response = client.post("/api/wallet/topups/", {"amount": amount}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def browser_return(client, order_id: str, payment_key: str, amount: int):
    return client.post(
        "/api/wallet/topups/confirm/",
        {"order_id": order_id, "payment_key": payment_key, "amount": amount},
        format="json",
    )


def webhook(body: dict):
    # Toss sends no credentials and no CSRF token.
    return APIClient(enforce_csrf_checks=True).post(
        "/api/wallet/webhooks/toss/", body, format="json"
    )


def test_topup_request_hands_the_widget_its_keys(alice, toss):
    body = topup_asked(client_for(alice), 15_000)
    assert body["provider"] == "toss" and body["client_key"] == "test_ck_fake"
    assert body["amount"] == 15_000 and body["status"] == "requested"
    assert TopUp.objects.get(order_id=body["order_id"]).user == alice


def test_browser_return_then_webhook_credits_once(alice, toss):
    client = client_for(alice)
    order = topup_asked(client, 20_000)
    toss.authorise("pk-a", order["order_id"], 20_000)
    response = browser_return(client, order["order_id"], "pk-a", 20_000)
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert webhook(toss.webhook_body("pk-a")).json() == {"result": "done"}
    assert cash(alice) == 20_000
    assert Transfer.objects.filter(kind="topup", key=f"topup:{order['order_id']}").count() == 1
    call_command("wallet_check")


def test_webhook_before_the_browser_return_credits_once(alice, toss):
    """The browser's confirm reached Toss but its answer was lost; the webhook came first."""
    client = client_for(alice)
    order = topup_asked(client, 20_000)
    toss.authorise("pk-b", order["order_id"], 20_000)
    toss.payments["pk-b"]["status"] = "DONE"  # confirmed at Toss, not yet credited here
    assert webhook(toss.webhook_body("pk-b")).json() == {"result": "done"}
    assert cash(alice) == 20_000
    response = browser_return(client, order["order_id"], "pk-b", 20_000)
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert cash(alice) == 20_000
    call_command("wallet_check")


def test_webhook_twice_around_the_browser_return(alice, toss):
    client = client_for(alice)
    order = topup_asked(client, 30_000)
    toss.authorise("pk-c", order["order_id"], 30_000)
    # Webhook while the payment is still in progress: nothing to credit yet.
    assert webhook(toss.webhook_body("pk-c")).json() == {"result": "ignored"}
    assert cash(alice) == 0
    assert browser_return(client, order["order_id"], "pk-c", 30_000).status_code == 200
    assert webhook(toss.webhook_body("pk-c")).json() == {"result": "done"}
    assert webhook(toss.webhook_body("pk-c")).json() == {"result": "done"}
    assert browser_return(client, order["order_id"], "pk-c", 30_000).status_code == 200
    assert cash(alice) == 30_000
    assert Transfer.objects.filter(kind="topup").count() == 1
    call_command("wallet_check")


def test_webhook_body_is_not_trusted(alice, toss):
    """A forged webhook claiming DONE for a payment Toss holds as in progress credits nothing."""
    order = topup_asked(client_for(alice), 50_000)
    toss.authorise("pk-f", order["order_id"], 50_000)
    forged = toss.webhook_body("pk-f")
    forged["data"]["status"] = "DONE"
    assert webhook(forged).json() == {"result": "ignored"}
    unknown = {"eventType": "PAYMENT_STATUS_CHANGED", "data": {"paymentKey": "nope"}}
    assert webhook(unknown).json() == {"result": "ignored"}
    assert webhook({"eventType": "DEPOSIT_CALLBACK", "data": {}}).json() == {"result": "ignored"}
    assert cash(alice) == 0
    # Every claim was checked with Toss using our secret key.
    assert toss.count("GET", "/v1/payments/") == 2


def test_an_amount_that_differs_is_refused(alice, toss):
    client = client_for(alice)
    order = topup_asked(client, 10_000)
    # The user paid 1,000 in the widget and edits the return URL to say 10,000, or the other way.
    toss.authorise("pk-d", order["order_id"], 1_000)
    response = browser_return(client, order["order_id"], "pk-d", 1_000)
    assert response.status_code == 400
    assert "요청한 충전 금액과 달라요" in response.json()["errors"]["amount"][0]
    assert toss.count("POST", "/v1/payments/confirm") == 0  # refused before asking Toss
    response = browser_return(client, order["order_id"], "pk-d", 10_000)
    assert response.status_code == 400  # Toss refuses: the authorised amount differs
    toss.payments["pk-d"]["status"] = "DONE"
    assert webhook(toss.webhook_body("pk-d")).json() == {"result": "ignored"}
    assert cash(alice) == 0
    call_command("wallet_check")


def test_declined_topup_fails_with_tosss_korean_reason(alice, toss):
    client = client_for(alice)
    order = topup_asked(client, 10_000)
    toss.authorise("decline-1", order["order_id"], 10_000)
    response = browser_return(client, order["order_id"], "decline-1", 10_000)
    assert response.status_code == 400
    assert response.json()["errors"]["payment_key"] == [
        "한도초과 혹은 잔액부족으로 결제에 실패했습니다."
    ]
    assert TopUp.objects.get(order_id=order["order_id"]).status == "failed"
    assert webhook(toss.webhook_body("decline-1")).json() == {"result": "failed"}
    assert cash(alice) == 0
    call_command("wallet_check")


@pytest.mark.parametrize("payment_key", ["hang-1", "boom-1"])
def test_timed_out_topup_stays_requested_and_is_credited_on_retry(alice, toss, payment_key):
    client = client_for(alice)
    order = topup_asked(client, 10_000)
    toss.authorise(payment_key, order["order_id"], 10_000)
    response = browser_return(client, order["order_id"], payment_key, 10_000)
    assert response.status_code == 503
    assert "잠시 후 다시 시도" in response.json()["errors"]["error"][0]
    assert TopUp.objects.get(order_id=order["order_id"]).status == "requested"
    assert cash(alice) == 0
    # Toss did confirm in the end; its webhook (or the retried return) credits it once.
    toss.payments[payment_key]["status"] = "DONE"
    assert webhook(toss.webhook_body(payment_key)).json() == {"result": "done"}
    assert browser_return(client, order["order_id"], payment_key, 10_000).status_code == 200
    assert cash(alice) == 10_000
    call_command("wallet_check")


def test_a_webhook_toss_cannot_be_asked_about_is_retried(alice, toss, settings):
    order = topup_asked(client_for(alice), 10_000)
    toss.authorise("pk-w", order["order_id"], 10_000)
    body = toss.webhook_body("pk-w")
    settings.TOSS_SECRET_KEY = "wrong"  # Toss refuses our key: we cannot verify, so retry
    assert webhook(body).status_code == 503
    settings.TOSS_BASE_URL = "http://127.0.0.1:9"  # Toss unreachable: 503, Toss sends again
    assert webhook(body).status_code == 503
    assert cash(alice) == 0


def test_someone_elses_topup_cannot_be_confirmed(alice, bob, toss):
    order = topup_asked(client_for(alice), 10_000)
    toss.authorise("pk-e", order["order_id"], 10_000)
    response = browser_return(client_for(bob), order["order_id"], "pk-e", 10_000)
    assert response.status_code == 404
    assert cash(alice) == cash(bob) == 0


def test_topup_bounds_over_http(alice, toss):
    client = client_for(alice)
    for amount in (999, 1_000_001):
        response = client.post("/api/wallet/topups/", {"amount": amount}, format="json")
        assert response.status_code == 400
        assert "1,000원 이상" in response.json()["errors"]["amount"][0]


def test_cancel_through_the_adapter(alice, toss):
    toss.authorise("pk-x", "order-x", 5_000)
    toss.payments["pk-x"]["status"] = "DONE"
    payment = TossProvider().cancel(payment_key="pk-x", reason="고객 요청")
    assert payment.status == "CANCELED"
    method, path, body = toss.requests[-1]
    assert (method, path, body) == (
        "POST",
        "/v1/payments/pk-x/cancel",
        {"cancelReason": "고객 요청"},
    )
    with pytest.raises(PaymentDeclined, match="존재하지 않는 결제"):
        TossProvider().cancel(payment_key="missing", reason="x")


def test_payout_over_http_settles(alice, toss, django_capture_on_commit_callbacks):
    fund(alice, 40_000)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            "/api/wallet/withdrawals/",
            {
                "amount": 25_000,
                "bank": "088",
                "account_number": "110-123-456789",
                "holder": "김밀버",
            },
            format="json",
        )
    assert response.status_code == 201
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.status == "done"
    summary = selectors.wallet_summary(user=alice)
    assert (summary["cash"], summary["payout_pending"]) == (15_000, 0)
    assert toss.payouts[f"payout:{withdrawal.pk}"]["status"] == "COMPLETED"
    call_command("wallet_check")


def test_a_payout_that_fails_returns_the_money(alice, toss, django_capture_on_commit_callbacks):
    fund(alice, 40_000)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            "/api/wallet/withdrawals/",
            {"amount": 25_000, "bank": "088", "account_number": "000-123-4567", "holder": "김밀버"},
            format="json",
        )
    assert response.status_code == 201
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.status == "failed" and withdrawal.failure == "계좌 정보가 올바르지 않습니다."
    summary = selectors.wallet_summary(user=alice)
    assert (summary["cash"], summary["payout_pending"]) == (40_000, 0)
    call_command("wallet_check")


def test_withdrawal_beyond_the_balance_over_http(alice, toss):
    fund(alice, 1_000)
    response = client_for(alice).post(
        "/api/wallet/withdrawals/",
        {"amount": 5_000, "bank": "088", "account_number": "110-123-456789", "holder": "김밀버"},
        format="json",
    )
    assert response.status_code == 400
    assert "잔액이 부족해요" in response.json()["errors"]["amount"][0]
    assert not Withdrawal.objects.exists()


def test_endpoints_in_the_openapi_schema(alice):
    schema = client_for(alice).get("/api/schema/").content.decode()
    for path in (
        "/api/wallet/topups/",
        "/api/wallet/topups/confirm/",
        "/api/wallet/webhooks/toss/",
        "/api/wallet/withdrawals/",
    ):
        assert path in schema


def test_wallet_writes_are_throttled(alice, toss, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "wallet": "2/hour"}
    client = client_for(alice)
    statuses = [
        client.post("/api/wallet/topups/", {"amount": 5_000}, format="json").status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]


def _race(toss, *, order_id: str, payment_key: str) -> list[str]:
    """Two browser returns and two webhooks for one payment, released at the same moment."""
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def browser():
        barrier.wait(10)
        return services.topup_confirm(order_id=order_id, payment_key=payment_key, amount=10_000)

    def hook():
        barrier.wait(10)
        # Toss sends the webhook once the payment is done: wait for a confirm to land there.
        while toss.payments[payment_key]["status"] != "DONE":
            time.sleep(0.001)
        return services.topup_webhook(body=toss.webhook_body(payment_key))

    def run(work):
        try:
            outcomes.append(work().status)
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in (browser, browser, hook, hook)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_browser_return_and_webhook_at_once_credit_once(regions_tx, toss):
    user = UserFactory()
    for round_ in range(5):
        topup = services.topup_request(user=user, amount=10_000)
        toss.authorise(f"pk-race-{round_}", topup.order_id, 10_000)
        outcomes = _race(toss, order_id=topup.order_id, payment_key=f"pk-race-{round_}")
        assert outcomes == ["done"] * 4, outcomes
    assert Transfer.objects.filter(kind="topup").count() == 5
    assert cash(user) == 50_000
    call_command("wallet_check")
