"""Group orders' money under real concurrency: threads, each with its own connection, against
the real database (PostgreSQL row locks with DATABASE_URL set; SQLite's IMMEDIATE
transactions queueing the writers otherwise). Every test ends with the whole book checked.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mealbuddy.core.errors import ApplicationError
from mealbuddy.groupbuys import services
from mealbuddy.groupbuys.models import DepositState, GroupOrder, Participation
from mealbuddy.wallet.models import Account, Transfer
from mealbuddy.wallet.selectors import ledger_problems, wallet_summary
from mealbuddy.wallet.services import escrow_account
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.wallet.conftest import fund

pytestmark = pytest.mark.django_db(transaction=True)


def in_parallel(count: int, work) -> Counter:
    """Run ``work(n)`` in ``count`` threads released at once; outcomes: what ``work``
    returned, the refusal's code, or the repr of anything unexpected (which fails tests)."""
    barrier = threading.Barrier(count)
    outcomes: list = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcome = work(n)
        except ApplicationError as exc:
            outcome = exc.code
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
        thread.join(120)
    assert len(outcomes) == count, outcomes
    return Counter(outcomes)


def cash(user) -> int:
    return wallet_summary(user=user)["cash"]


def escrow(order) -> int:
    return escrow_account(order_ref=order.ledger_ref).balance


def held_in_rows(order) -> int:
    return sum(
        p.held_cash
        + p.held_points
        + (p.deposit_held if p.deposit_state in ("held", "noshow", "disputed") else 0)
        for p in Participation.objects.filter(group_order=order)
    )


def book_is_right() -> None:
    assert ledger_problems() == []
    assert not Account.objects.filter(kind__in=Account.NON_NEGATIVE, balance__lt=0).exists()
    assert sum(Account.objects.values_list("balance", flat=True)) == 0


def prepaid(host, **fields):
    data = dict(payment="prepaid", delivery_fee=6_000, min_order_amount=0, target_count=2)
    data.update(fields)
    return make_order(host, **data)


def test_one_wallet_covering_ten_shares_joins_fifty_orders_at_once(regions_tx):
    host, user = UserFactory(), UserFactory()
    orders = [prepaid(host) for _ in range(50)]  # a share at two people: 3,000
    fund(user, 10 * 3_000)

    def join(n: int) -> str:
        services.groupbuy_join(group_order_id=orders[n].pk, user=user)
        return "joined"

    outcomes = in_parallel(50, join)
    assert outcomes == Counter({"joined": 10, "insufficient_funds": 40}), outcomes
    assert cash(user) == 0
    assert Participation.objects.filter(user=user).count() == 10
    assert Transfer.objects.filter(kind="hold").count() == 10
    for order in orders:
        order.refresh_from_db()
        joined = Participation.objects.filter(group_order=order, user=user).exists()
        assert order.member_count == (2 if joined else 1)
        assert escrow(order) == held_in_rows(order) == (3_000 if joined else 0)
    book_is_right()


def test_twenty_join_one_order_with_nine_places(regions_tx):
    host = UserFactory()
    order = prepaid(host, target_count=10, delivery_fee=10_000, noshow_deposit=1_000)
    users = [UserFactory() for _ in range(20)]
    for user in users:
        fund(user, 20_000)

    def join(n: int) -> str:
        services.groupbuy_join(group_order_id=order.pk, user=users[n])
        return "joined"

    outcomes = in_parallel(20, join)
    assert outcomes == Counter({"joined": 9, "full": 11}), outcomes
    order.refresh_from_db()
    assert (order.member_count, order.status) == (10, GroupOrder.Status.CLOSED)
    assert escrow(order) == held_in_rows(order)
    members = Participation.objects.filter(group_order=order).exclude(user=host)
    assert members.count() == 9
    # Each held the fee share at the headcount they joined at (the newest gets no leftover
    # won), plus the deposit; later joins never raise an earlier member's hold.
    assert sorted(p.held_cash for p in members) == sorted(10_000 // n for n in range(2, 11))
    assert all(p.deposit_held == 1_000 for p in members)
    spent = sum(20_000 - cash(u) for u in users)
    assert spent == escrow(order)
    book_is_right()


def test_two_refund_jobs_at_once_refund_each_member_once(regions_tx):
    host = UserFactory()
    members = [UserFactory() for _ in range(6)]
    for user in members:
        fund(user, 30_000)
    orders = []
    for n in range(3):
        order = prepaid(host, target_count=4, min_order_amount=50_000, noshow_deposit=500)
        for user in members[2 * n : 2 * n + 2]:
            services.groupbuy_join(group_order_id=order.pk, user=user)
            services.item_add(group_order_id=order.pk, user=user, name="메뉴", unit_price=7_000)
        orders.append(order)
    GroupOrder.objects.filter(pk__in=[o.pk for o in orders]).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )

    outcomes = in_parallel(2, lambda n: services.groupbuys_refunds_due())
    assert sum(outcomes.elements()) == 3, outcomes  # each order cancelled by one of the two
    for order in orders:
        order.refresh_from_db()
        assert order.status == GroupOrder.Status.CANCELLED
        assert escrow(order) == 0
    assert Transfer.objects.filter(kind="refund").count() == 6
    assert all(cash(user) == 30_000 for user in members)
    book_is_right()


@pytest.mark.parametrize("round_", range(4))
def test_a_leave_racing_the_placing(regions_tx, round_):
    host, kim, lee = UserFactory(), UserFactory(), UserFactory()
    fund(kim, 50_000)
    fund(lee, 50_000)
    order = prepaid(host, target_count=4, min_order_amount=20_000, noshow_deposit=1_000)
    services.item_add(group_order_id=order.pk, user=host, name="방장 메뉴", unit_price=20_000)
    for user, price in ((kim, 9_000), (lee, 6_000)):
        services.groupbuy_join(group_order_id=order.pk, user=user)
        services.item_add(group_order_id=order.pk, user=user, name="메뉴", unit_price=price)
    services.groupbuy_close(group_order_id=order.pk, user=host)

    def work(n: int) -> str:
        if n == round_ % 2:
            services.groupbuy_leave(group_order_id=order.pk, user=kim)
            return "left"
        services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
        return "placed"

    outcomes = in_parallel(2, work)
    order.refresh_from_db()
    assert order.status == GroupOrder.Status.ORDERED
    kim_row = Participation.objects.filter(group_order=order, user=kim).first()
    if outcomes == Counter({"left": 1, "placed": 1}):
        # Left first: everything back, nothing captured; Lee paid the larger fee share.
        assert kim_row is None
        assert cash(kim) == 50_000
        captures = Transfer.objects.filter(kind="capture", reference=order.ledger_ref)
        assert captures.count() == 1  # Lee's only
        assert cash(lee) == 50_000 - (6_000 + 3_000) - 1_000
    else:
        # Placed first: the leave is refused, Kim's share was captured, the deposit waits.
        assert outcomes == Counter({"not_editable": 1, "placed": 1}), outcomes
        assert kim_row is not None and kim_row.captured == 9_000 + 2_000
        assert kim_row.deposit_state == DepositState.HELD
        assert cash(kim) == 50_000 - 11_000 - 1_000
        assert not Transfer.objects.filter(kind="refund", reference=order.ledger_ref).exists()
    assert escrow(order) == held_in_rows(order)
    assert cash(host) == sum(p.captured for p in Participation.objects.filter(group_order=order))
    book_is_right()


def test_items_added_at_once_by_one_member_hold_the_final_share(regions_tx):
    host, kim = UserFactory(), UserFactory()
    fund(kim, 100_000)
    order = prepaid(host, target_count=3, delivery_fee=3_000, fee_split="proportional")
    services.groupbuy_join(group_order_id=order.pk, user=kim)

    def add(n: int) -> str:
        services.item_add(
            group_order_id=order.pk, user=kim, name=f"메뉴 {n}", unit_price=1_000 + 100 * n
        )
        return "added"

    assert in_parallel(12, add) == Counter({"added": 12})
    from mealbuddy.groupbuys.selectors import fee_breakdown

    order.refresh_from_db()
    share = fee_breakdown(order).share_for(kim.pk)
    row = Participation.objects.get(group_order=order, user=kim)
    assert share.items_subtotal == sum(1_000 + 100 * n for n in range(12))
    assert row.held_cash == share.total
    assert escrow(order) == share.total
    assert cash(kim) == 100_000 - share.total
    book_is_right()


@pytest.mark.parametrize("round_", range(3))
def test_two_staff_decisions_on_one_dispute_move_the_deposit_once(regions_tx, settings, round_):
    """Two admins (or a double click) decide the same disputed deposit at once, one each
    way: exactly one decision stands, the deposit moves once."""
    from mealbuddy.groupbuys import settlement

    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    host, kim, lee = UserFactory(), UserFactory(), UserFactory()
    fund(kim, 50_000)
    fund(lee, 50_000)
    order = prepaid(host, target_count=3, min_order_amount=0, noshow_deposit=5_000)
    for user in (kim, lee):
        services.groupbuy_join(group_order_id=order.pk, user=user)
    services.groupbuy_close(group_order_id=order.pk, user=host)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    settlement.groupbuy_arrived(group_order_id=order.pk, user=host)
    settlement.groupbuy_noshow(group_order_id=order.pk, user=host, target_user_id=kim.pk)
    settlement.groupbuy_dispute(group_order_id=order.pk, user=kim)
    row = Participation.objects.get(group_order=order, user=kim)
    host_before, kim_before = cash(host), cash(kim)

    def decide(n: int) -> str:
        to_host = n == round_ % 2
        settlement.deposit_resolve(participation_id=row.pk, to_host=to_host)
        return "to_host" if to_host else "to_member"

    outcomes = in_parallel(2, decide)
    assert outcomes["not_allowed"] == 1, outcomes
    assert (cash(host) - host_before) + (cash(kim) - kim_before) == 5_000
    assert escrow(order) == held_in_rows(order) == 5_000  # Lee's deposit, untouched
    book_is_right()


def test_points_first_joins_at_once_fall_back_to_cash(regions_tx):
    """One member joins several orders at once, points first: the points cover one share
    and cash the rest. A hold must never be refused while cash covers what points cannot."""
    from mealbuddy.wallet.services import points_award

    host, kim = UserFactory(), UserFactory()
    orders = [prepaid(host) for _ in range(6)]  # 3,000 a share
    fund(kim, 6 * 3_000)
    points_award(key="gift", user=kim, amount=3_000)

    def join(n: int) -> str:
        services.groupbuy_join(group_order_id=orders[n].pk, user=kim, use_points=True)
        return "joined"

    outcomes = in_parallel(6, join)
    assert outcomes == Counter({"joined": 6}), outcomes
    summary = wallet_summary(user=kim)
    assert (summary["cash"], summary["points"]) == (3_000, 0)
    for order in orders:
        assert escrow(order) == held_in_rows(order) == 3_000
    book_is_right()


def test_pickups_racing_the_handoff_job_return_each_deposit_once(regions_tx):
    from mealbuddy.groupbuys import settlement

    host = UserFactory()
    members = [UserFactory() for _ in range(3)]
    for user in members:
        fund(user, 20_000)
    order = prepaid(host, target_count=4, noshow_deposit=2_000)
    for user in members:
        services.groupbuy_join(group_order_id=order.pk, user=user)
    services.groupbuy_close(group_order_id=order.pk, user=host)
    services.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    GroupOrder.objects.filter(pk=order.pk).update(ordered_at=timezone.now() - timedelta(days=1))
    before = {user.pk: cash(user) for user in members}

    def work(n: int) -> str:
        if n < len(members):
            settlement.groupbuy_received(group_order_id=order.pk, user=members[n])
            return "received"
        return f"job:{settlement.groupbuys_handoff_due()}"

    outcomes = in_parallel(len(members) + 2, work)
    # Each member is settled once: by their own tap or by one of the jobs (a tap that comes
    # after the job is refused, "not_allowed").
    taps = outcomes["received"]
    by_jobs = sum(
        int(k.split(":")[1]) * runs for k, runs in outcomes.items() if str(k).startswith("job:")
    )  # two runs that each settled one are "job:1" twice
    assert taps + by_jobs == len(members), outcomes
    assert Transfer.objects.filter(kind="deposit_return").count() == len(members)
    assert all(cash(user) == before[user.pk] + 2_000 for user in members)
    order.refresh_from_db()
    assert order.status == GroupOrder.Status.DELIVERED
    assert escrow(order) == 0
    book_is_right()
