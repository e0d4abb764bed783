"""transfer_execute's lock-check-update statement under real threads: opposite transfers
between the same accounts never deadlock, and a shortfall found under the lock moves nothing
(PostgreSQL row locks, or SQLite's IMMEDIATE transactions)."""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection

from mealbuddy.wallet import services
from mealbuddy.wallet.errors import InsufficientFunds
from mealbuddy.wallet.models import Account, Entry
from mealbuddy.wallet.selectors import ledger_problems
from tests.factories import UserFactory
from tests.wallet.conftest import fund


@pytest.mark.django_db(transaction=True)
def test_crossing_transfers_between_the_same_accounts_all_land(regions_tx):
    users = [UserFactory() for _ in range(3)]
    for user in users:
        fund(user, 1_000)
    accounts = [services.user_cash_account(user=user).pk for user in users]
    escrow = services.escrow_account(order_ref="order:locking").pk
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        rng = random.Random(n)
        try:
            barrier.wait(timeout=30)
            for i in range(25):
                # Legs in either order, two or three accounts: the lock order is by id.
                a, b = rng.sample(accounts, 2)
                legs = [(a, -7), (b, 7)] if i % 3 else [(a, -4), (escrow, 1), (b, 3)]
                rng.shuffle(legs)
                try:
                    services.transfer_execute(key=f"lock:{n}:{i}", kind="test", legs=legs)
                    outcome = "moved"
                except InsufficientFunds:
                    outcome = "short"
                with lock:
                    outcomes.append(outcome)
        except Exception as exc:  # noqa: BLE001 - a deadlock or any error fails the test
            with lock:
                outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert set(outcomes) <= {"moved", "short"}, outcomes
    assert len(outcomes) == 8 * 25
    balances = dict(Account.objects.filter(pk__in=[*accounts, escrow]).values_list("pk", "balance"))
    assert sum(balances.values()) == 3_000
    assert all(a.version == Entry.objects.filter(account=a).count() for a in Account.objects.all())
    assert ledger_problems() == []


@pytest.mark.django_db(transaction=True)
def test_a_shortfall_under_the_lock_says_how_much_and_moves_nothing(regions_tx):
    alice, bob = UserFactory(), UserFactory()
    fund(alice, 500)
    cash = services.user_cash_account(user=alice)
    other = services.user_cash_account(user=bob)
    with pytest.raises(InsufficientFunds) as caught:
        services.transfer_execute(key="short", kind="test", legs=[(cash, -800), (other, 800)])
    assert caught.value.extra == {"missing": 300}
    cash.refresh_from_db()
    other.refresh_from_db()
    assert (cash.balance, other.balance, other.version) == (500, 0, 0)
    # The key stays free: the same transfer, once funded, goes through.
    fund(alice, 300)
    assert not services.transfer_execute(
        key="short", kind="test", legs=[(cash, -800), (other, 800)]
    ).replayed
    assert ledger_problems() == []
