"""Real threads, each with its own connection, against the real database (PostgreSQL row
locks, or SQLite's IMMEDIATE transactions queueing the writers)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from mealbuddy.wallet import services
from mealbuddy.wallet.errors import InsufficientFunds
from mealbuddy.wallet.models import Entry, Transfer
from mealbuddy.wallet.selectors import ledger_problems, wallet_summary
from tests.factories import UserFactory
from tests.wallet.conftest import fund


def _in_parallel(count: int, work) -> Counter:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcome = work(n)
        except InsufficientFunds:
            outcome = "insufficient"
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert len(outcomes) == count
    return Counter(outcomes)


@pytest.mark.django_db(transaction=True)
def test_fifty_holds_against_a_balance_that_covers_ten(regions_tx):
    user = UserFactory()
    fund(user, 10 * 3_000)

    def hold(n: int) -> str:
        services.escrow_hold(key=f"hold:{n}", user=user, order_ref=f"order:{n % 7}", amount=3_000)
        return "held"

    outcomes = _in_parallel(50, hold)
    assert outcomes == Counter({"held": 10, "insufficient": 40}), outcomes
    assert wallet_summary(user=user)["cash"] == 0
    assert Transfer.objects.filter(kind="hold").count() == 10
    assert ledger_problems() == []


@pytest.mark.django_db(transaction=True)
def test_one_key_twenty_times_in_parallel_moves_money_once(regions_tx):
    user = UserFactory()
    fund(user, 50_000)
    services.escrow_account(order_ref="order:1")

    def hold(n: int) -> str:
        transfer = services.escrow_hold(key="hold:p1", user=user, order_ref="order:1", amount=7_000)
        return f"replayed:{transfer.pk}" if transfer.replayed else f"first:{transfer.pk}"

    outcomes = _in_parallel(20, hold)
    transfer = Transfer.objects.get(key="hold:p1")
    assert outcomes == Counter({f"first:{transfer.pk}": 1, f"replayed:{transfer.pk}": 19}), outcomes
    assert Entry.objects.filter(transfer=transfer).count() == 2
    assert wallet_summary(user=user)["cash"] == 43_000
    assert ledger_problems() == []


@pytest.mark.django_db(transaction=True)
def test_crossing_transfers_do_not_deadlock(regions_tx):
    """A→B and B→A at once: accounts are locked in id order, so both orders finish."""
    a, b = UserFactory(), UserFactory()
    fund(a, 100_000)
    fund(b, 100_000)
    cash_a, cash_b = services.user_cash_account(user=a), services.user_cash_account(user=b)

    def move(n: int) -> str:
        legs = [(cash_a, -100), (cash_b, 100)] if n % 2 else [(cash_b, -100), (cash_a, 100)]
        services.transfer_execute(key=f"x:{n}", kind="test", legs=legs)
        return "ok"

    assert _in_parallel(20, move) == Counter({"ok": 20})
    assert wallet_summary(user=a)["cash"] == wallet_summary(user=b)["cash"] == 100_000
    assert ledger_problems() == []
