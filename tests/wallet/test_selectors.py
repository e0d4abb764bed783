from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from mealbuddy.wallet import services
from mealbuddy.wallet.selectors import account_history, wallet_summary
from tests.wallet.conftest import fund


def test_history_newest_first_with_running_balance_in_one_query(alice, bob):
    fund(alice, 10_000, key="t1")
    services.escrow_hold(key="h1", user=alice, order_ref="order:1", amount=3_000)
    fund(alice, 500, key="t2")
    services.escrow_release(key="r1", user=alice, order_ref="order:1", amount=1_000)
    services.escrow_capture(key="c1", order_ref="order:1", to_user=bob, amount=2_000)
    cash = services.user_cash_account(user=alice)

    with CaptureQueriesContext(connection) as queries:
        rows = account_history(account_id=cash.pk)
        seen = [(e.transfer.kind, e.amount, e.running_balance) for e in rows]
    assert len(queries) == 1
    assert seen == [
        ("release", 1_000, 8_500),
        ("topup", 500, 7_500),
        ("hold", -3_000, 7_000),
        ("topup", 10_000, 10_000),
    ]
    # Paging back keeps the true running balances.
    older = account_history(account_id=cash.pk, limit=2, before_id=rows[1].pk)
    assert [(e.amount, e.running_balance) for e in older] == [(-3_000, 7_000), (10_000, 10_000)]
    assert rows[0].running_balance == wallet_summary(user=alice)["cash"]


def test_summary_of_a_user_who_never_paid_is_zero_and_writes_nothing(alice):
    from mealbuddy.wallet.models import Account

    assert wallet_summary(user=alice) == {"cash": 0, "points": 0, "payout_pending": 0}
    assert not Account.objects.exists()
