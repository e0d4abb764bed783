"""Top-up and withdrawal through the embedded test provider (no network)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from mealbuddy.core.errors import ApplicationError
from mealbuddy.wallet import selectors, services
from mealbuddy.wallet.models import TopUp, Transfer, Withdrawal
from mealbuddy.wallet.providers import PaymentDeclined, ProviderUnavailable
from tests.wallet.conftest import fund


def cash(user) -> int:
    return selectors.wallet_summary(user=user)["cash"]


@pytest.mark.parametrize("amount", [999, 1_000_001, 0, -5_000])
def test_topup_bounds(alice, amount):
    with pytest.raises(ApplicationError) as caught:
        services.topup_request(user=alice, amount=amount)
    assert caught.value.field == "amount"
    assert "1,000원 이상 1,000,000원 이하" in caught.value.message
    assert not TopUp.objects.exists()


def test_topup_credited_once_however_often_confirmed(alice):
    topup = services.topup_request(user=alice, amount=25_000)
    for _ in range(3):
        done = services.topup_confirm(order_id=topup.order_id, payment_key="pk-1", amount=25_000)
        assert done.status == TopUp.Status.DONE
    assert cash(alice) == 25_000
    assert Transfer.objects.filter(key=f"topup:{topup.order_id}").count() == 1
    call_command("wallet_check")


def test_an_amount_that_differs_is_refused_and_nothing_credited(alice):
    topup = services.topup_request(user=alice, amount=10_000)
    with pytest.raises(ApplicationError) as caught:
        services.topup_confirm(order_id=topup.order_id, payment_key="pk-1", amount=100_000)
    assert caught.value.code == "amount_mismatch"
    topup.refresh_from_db()
    assert (topup.status, cash(alice)) == (TopUp.Status.REQUESTED, 0)


def test_declined_topup_fails_with_a_korean_reason(alice):
    topup = services.topup_request(user=alice, amount=10_000)
    with pytest.raises(PaymentDeclined, match="거절"):
        services.topup_confirm(order_id=topup.order_id, payment_key="decline-1", amount=10_000)
    topup.refresh_from_db()
    assert topup.status == TopUp.Status.FAILED and "거절" in topup.failure
    # Confirming it again does not revive it.
    with pytest.raises(PaymentDeclined):
        services.topup_confirm(order_id=topup.order_id, payment_key="pk-2", amount=10_000)
    assert cash(alice) == 0
    call_command("wallet_check")


def test_timed_out_topup_stays_requested_and_can_be_retried(alice):
    topup = services.topup_request(user=alice, amount=10_000)
    with pytest.raises(ProviderUnavailable):
        services.topup_confirm(order_id=topup.order_id, payment_key="timeout-1", amount=10_000)
    topup.refresh_from_db()
    assert (topup.status, cash(alice)) == (TopUp.Status.REQUESTED, 0)
    services.topup_confirm(order_id=topup.order_id, payment_key="pk-ok", amount=10_000)
    assert cash(alice) == 10_000


def test_a_done_topup_refuses_another_payment(alice):
    topup = services.topup_request(user=alice, amount=10_000)
    services.topup_confirm(order_id=topup.order_id, payment_key="pk-1", amount=10_000)
    with pytest.raises(ApplicationError) as caught:
        services.topup_confirm(order_id=topup.order_id, payment_key="pk-2", amount=10_000)
    assert caught.value.status_code == 409
    assert cash(alice) == 10_000


@pytest.fixture
def withdraw(django_capture_on_commit_callbacks):
    """A withdrawal request whose payout job runs when the request's transaction commits."""

    def run(user, amount, account_number="110-123-456789"):
        with django_capture_on_commit_callbacks(execute=True):
            return services.withdrawal_request(
                user=user,
                amount=amount,
                bank="신한",
                account_number=account_number,
                holder="김밀버",
            )

    return run


def test_withdrawal_pays_out_and_settles(alice, withdraw):
    fund(alice, 30_000)
    withdrawal = withdraw(alice, 20_000)
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.DONE
    summary = selectors.wallet_summary(user=alice)
    assert (summary["cash"], summary["payout_pending"]) == (10_000, 0)
    call_command("wallet_check")


def test_failed_payout_returns_the_money(alice, withdraw):
    fund(alice, 30_000)
    withdrawal = withdraw(alice, 20_000, account_number="000-000-0000")
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.FAILED and withdrawal.failure
    summary = selectors.wallet_summary(user=alice)
    assert (summary["cash"], summary["payout_pending"]) == (30_000, 0)
    assert Transfer.objects.filter(key=f"payout-fail:{withdrawal.pk}").count() == 1
    call_command("wallet_check")


def test_payout_timeout_keeps_the_money_held_then_settles_once(alice, withdraw):
    fund(alice, 30_000)
    withdrawal = withdraw(alice, 20_000, account_number="999-000-0000")
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.REQUESTED
    summary = selectors.wallet_summary(user=alice)
    assert (summary["cash"], summary["payout_pending"]) == (10_000, 20_000)
    Withdrawal.objects.filter(pk=withdrawal.pk).update(account_number="110-000-0000")
    for _ in range(2):
        services.withdrawal_settle(withdrawal_id=withdrawal.pk)
    summary = selectors.wallet_summary(user=alice)
    assert (summary["cash"], summary["payout_pending"]) == (10_000, 0)
    call_command("wallet_check")


def test_withdrawal_beyond_the_balance_is_refused_and_nothing_recorded(alice, withdraw):
    fund(alice, 5_000)
    with pytest.raises(ApplicationError, match="잔액이 부족해요"):
        withdraw(alice, 6_000)
    assert not Withdrawal.objects.exists()
    assert cash(alice) == 5_000


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("bank", {"bank": ""}),
        ("account_number", {"account_number": "abc"}),
        ("holder", {"holder": " "}),
        ("amount", {"amount": 500}),
    ],
)
def test_withdrawal_input_is_checked(alice, field, kwargs):
    fund(alice, 50_000)
    args = {
        "user": alice,
        "amount": 10_000,
        "bank": "신한",
        "account_number": "110-123-456789",
        "holder": "김밀버",
    } | kwargs
    with pytest.raises(ApplicationError) as caught:
        services.withdrawal_request(**args)
    assert caught.value.field == field
    assert cash(alice) == 50_000


def test_retry_job_finishes_what_timeouts_left_open(alice, withdraw):
    from datetime import timedelta

    from django.utils import timezone

    from mealbuddy.wallet.tasks import retry_pending

    fund(alice, 30_000)
    topup = services.topup_request(user=alice, amount=10_000)
    with pytest.raises(ProviderUnavailable):
        services.topup_confirm(order_id=topup.order_id, payment_key="timeout-9", amount=10_000)
    withdrawal = withdraw(alice, 20_000, account_number="999-000-0000")
    # Too recent: left alone (the user or the webhook may still be on it).
    assert retry_pending.call() == {"topups": 0, "withdrawals": 0}
    # The provider recovers (the test provider's markers say it did) and time passes.
    past = timezone.now() - timedelta(minutes=10)
    TopUp.objects.filter(pk=topup.pk).update(payment_key="pk-now-ok", updated_at=past)
    Withdrawal.objects.filter(pk=withdrawal.pk).update(account_number="110-1", created_at=past)
    assert retry_pending.call() == {"topups": 1, "withdrawals": 1}
    assert retry_pending.call() == {"topups": 0, "withdrawals": 0}
    summary = selectors.wallet_summary(user=alice)
    assert (summary["cash"], summary["payout_pending"]) == (30_000 + 10_000 - 20_000, 0)
    call_command("wallet_check")
