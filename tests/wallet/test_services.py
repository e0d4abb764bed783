"""transfer_execute and the named operations: what a caller (or an attacker replaying a
request) can observe: balances, refusals, and that a key moves money once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from mealbuddy.core.errors import Conflict
from mealbuddy.wallet import services
from mealbuddy.wallet.errors import IdempotencyMismatch, InsufficientFunds, InvalidTransfer
from mealbuddy.wallet.models import Account, Entry, Transfer
from mealbuddy.wallet.selectors import ledger_problems, wallet_summary
from tests.wallet.conftest import fund


def _balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def test_topup_then_hold_capture_and_release(alice, bob):
    fund(alice, 10_000)
    services.escrow_hold(key="h1", user=alice, order_ref="order:1", amount=7_000)
    services.escrow_capture(key="c1", order_ref="order:1", to_user=bob, amount=6_000)
    services.escrow_release(key="r1", user=alice, order_ref="order:1", amount=1_000)
    assert wallet_summary(user=alice) == {"cash": 4_000, "points": 0, "payout_pending": 0}
    assert wallet_summary(user=bob)["cash"] == 6_000
    assert _balance(services.escrow_account(order_ref="order:1")) == 0
    # Money came from the provider: its clearing account mirrors it, negative by design.
    assert _balance(services.provider_clearing_account(provider="test")) == -10_000
    assert ledger_problems() == []


def test_legs_must_balance_and_be_nonzero_ints(alice, bob):
    a = services.user_cash_account(user=alice)
    b = services.user_cash_account(user=bob)
    bad = [
        [(a, -100), (b, 99)],
        [(a, 0), (b, 0)],
        [(a, -1.5), (b, 1.5)],
        [(a, -True), (b, True)],
        [(a, 100)],
        [(a, -100), (a, 100)],
    ]
    for legs in bad:
        with pytest.raises(InvalidTransfer):
            services.transfer_execute(key="bad", kind="test", legs=legs)
    good = [(a, -1), (b, 1)]
    for kwargs in [
        {"key": ""},
        {"key": "k" * 201},
        {"kind": ""},
        {"kind": "k" * 41},
        {"reference": "r" * 101},
        {"memo": "m" * 201},
    ]:
        with pytest.raises(InvalidTransfer):
            services.transfer_execute(**{"key": "bad", "kind": "test", "legs": good, **kwargs})
    assert not Transfer.objects.exists()


def test_insufficient_funds_says_how_much_is_missing_and_moves_nothing(alice):
    fund(alice, 3_000)
    with pytest.raises(InsufficientFunds) as caught:
        services.escrow_hold(key="h", user=alice, order_ref="order:9", amount=5_000)
    assert caught.value.message == "잔액이 부족해요. (2,000원 부족)"
    assert caught.value.extra == {"missing": 2_000}
    assert caught.value.status_code == 400
    assert wallet_summary(user=alice)["cash"] == 3_000
    assert not Transfer.objects.filter(key="h").exists()
    # The key was not used up: the same request succeeds once there is money.
    fund(alice, 2_000)
    services.escrow_hold(key="h", user=alice, order_ref="order:9", amount=5_000)
    assert wallet_summary(user=alice)["cash"] == 0


def test_same_key_same_request_returns_the_first_transfer(alice):
    fund(alice, 10_000)
    first = services.escrow_hold(key="hold:p1", user=alice, order_ref="order:2", amount=4_000)
    again = services.escrow_hold(key="hold:p1", user=alice, order_ref="order:2", amount=4_000)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.pk == first.pk
    assert wallet_summary(user=alice)["cash"] == 6_000
    assert Entry.objects.filter(transfer=first).count() == 2


def test_same_key_different_request_is_a_409(alice):
    fund(alice, 10_000)
    services.escrow_hold(key="hold:p1", user=alice, order_ref="order:2", amount=4_000)
    with pytest.raises(IdempotencyMismatch) as caught:
        services.escrow_hold(key="hold:p1", user=alice, order_ref="order:2", amount=5_000)
    assert isinstance(caught.value, Conflict)
    assert (caught.value.status_code, caught.value.code) == (409, "idempotency_mismatch")
    assert wallet_summary(user=alice)["cash"] == 6_000


def test_points_pay_part_of_a_share_and_have_no_payout(alice):
    services.points_award(key="pts", user=alice, amount=500, reference="order:3")
    services.escrow_hold(
        key="hp", user=alice, order_ref="order:3", amount=300, source=Account.Kind.USER_POINTS
    )
    assert wallet_summary(user=alice) == {"cash": 0, "points": 200, "payout_pending": 0}
    with pytest.raises(InsufficientFunds):
        services.payout_hold(key="po", user=alice, amount=100)


def test_payout_held_then_settled_or_returned(alice):
    fund(alice, 10_000)
    services.payout_hold(key="po1", user=alice, amount=4_000, payout_ref="payout:1")
    assert wallet_summary(user=alice) == {"cash": 6_000, "points": 0, "payout_pending": 4_000}
    # Held money cannot be spent twice.
    with pytest.raises(InsufficientFunds):
        services.escrow_hold(key="h", user=alice, order_ref="order:4", amount=7_000)
    services.payout_settle(key="po1-ok", user=alice, provider="test", amount=4_000)
    services.payout_hold(key="po2", user=alice, amount=1_000, payout_ref="payout:2")
    services.payout_fail(key="po2-fail", user=alice, amount=1_000, payout_ref="payout:2")
    assert wallet_summary(user=alice) == {"cash": 6_000, "points": 0, "payout_pending": 0}
    assert _balance(services.provider_clearing_account(provider="test")) == -6_000


@pytest.mark.parametrize("crash_at", ["after_entries", "after_first_balance"])
def test_a_crash_between_the_legs_leaves_nothing_behind(alice, monkeypatch, crash_at):
    fund(alice, 10_000)
    real_apply = services._apply_balances
    written = []

    def crash(*, pairs):
        # The entries are in the database now (and, in the second case, the first leg's
        # balance too); the process dies before the rest.
        written.append(Entry.objects.filter(transfer__key="hold:5").count())
        if crash_at == "after_first_balance":
            real_apply(pairs=pairs[:1])
        raise RuntimeError("injected crash")

    monkeypatch.setattr(services, "_apply_balances", crash)
    before = (Transfer.objects.count(), Entry.objects.count())
    with pytest.raises(RuntimeError, match="injected crash"):
        services.escrow_hold(key="hold:5", user=alice, order_ref="order:5", amount=4_000)
    assert written == [2]
    assert (Transfer.objects.count(), Entry.objects.count()) == before
    assert not Transfer.objects.filter(key="hold:5").exists()
    assert wallet_summary(user=alice)["cash"] == 10_000
    assert all(a.version == a.entries.count() for a in Account.objects.all())
    assert ledger_problems() == []
    # Nothing half-done blocks the retry with the same key: it moves the money once.
    monkeypatch.setattr(services, "_apply_balances", real_apply)
    retry = services.escrow_hold(key="hold:5", user=alice, order_ref="order:5", amount=4_000)
    assert not retry.replayed
    assert wallet_summary(user=alice)["cash"] == 6_000


def test_the_database_refuses_a_negative_user_balance_whatever_the_code(alice):
    account = services.user_cash_account(user=alice)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE wallet_account SET balance = -1 WHERE id = %s", [account.pk])
    escrow = services.escrow_account(order_ref="order:6")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=escrow.pk).update(balance=-5)
    # The clearing account mirrors provider money and may go negative.
    clearing = services.provider_clearing_account(provider="toss")
    Account.objects.filter(pk=clearing.pk).update(balance=-5)


def test_entries_are_insert_only(alice):
    fund(alice, 1_000)
    entry = Entry.objects.first()
    entry.amount = 5
    with pytest.raises(Exception, match="cannot be updated"):
        entry.save()
    with pytest.raises(Exception, match="cannot be deleted"):
        entry.delete()
    with pytest.raises(Exception, match="cannot be updated"):
        Entry.objects.filter(pk=entry.pk).update(amount=5)
    with pytest.raises(Exception, match="cannot be deleted"):
        Entry.objects.all().delete()
    assert Entry.objects.get(pk=entry.pk).amount != 5


def test_account_for_is_unique_per_kind_owner_reference(alice):
    assert services.user_cash_account(user=alice) == services.user_cash_account(user=alice)
    assert services.user_cash_account(user=alice) != services.user_points_account(user=alice)
    assert services.escrow_account(order_ref="order:7") == services.escrow_account(
        order_ref="order:7"
    )
    assert Account.objects.filter(kind=Account.Kind.ESCROW, reference="order:7").count() == 1
    with pytest.raises(InvalidTransfer):
        services.account_for(kind=Account.Kind.USER_CASH)


def test_amounts_beyond_32_bits(alice):
    fund(alice, 5_000_000_000)
    services.escrow_hold(key="big", user=alice, order_ref="order:8", amount=4_999_999_999)
    assert wallet_summary(user=alice)["cash"] == 1
    assert ledger_problems() == []


def test_without_the_python_check_the_database_check_still_refuses(alice, monkeypatch):
    """If the service's own balance check were wrong, the CHECK constraint still holds."""
    fund(alice, 1_000)
    monkeypatch.setattr(Account, "NON_NEGATIVE", ())
    with pytest.raises(InsufficientFunds) as caught:
        services.escrow_hold(key="over", user=alice, order_ref="order:9", amount=1_001)
    assert caught.value.message == "잔액이 부족해요."
    assert not Transfer.objects.filter(key="over").exists()
    assert wallet_summary(user=alice)["cash"] == 1_000
