"""The prepaid journey through the services, end to end: join holds, items re-hold, placing
captures, handoff returns deposits and pays points; failures refund."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mealbuddy.groupbuys import services, settlement
from mealbuddy.groupbuys.errors import (
    InvalidStatusChange,
    NotEditable,
    ShareNotCovered,
    SpendingCapExceeded,
)
from mealbuddy.groupbuys.models import DepositState, GroupOrder, Participation
from mealbuddy.wallet.selectors import ledger_problems, wallet_summary
from mealbuddy.wallet.services import escrow_account
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order
from tests.wallet.conftest import fund

pytestmark = pytest.mark.django_db


def cash(user) -> int:
    return wallet_summary(user=user)["cash"]


def escrow(order) -> int:
    return escrow_account(order_ref=order.ledger_ref).balance


@pytest.fixture
def prepaid(host):
    return make_order(
        host,
        delivery_fee=3000,
        min_order_amount=20000,
        target_count=3,
        payment="prepaid",
        noshow_deposit=1000,
    )


def neighbour(amount: int = 0):
    user = UserFactory()
    if amount:
        fund(user, amount)
    return user


def test_join_holds_fee_share_and_deposit_and_items_rehold(prepaid):
    kim = neighbour(50_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim)
    # Two members: 1,500 fee share + 1,000 deposit.
    assert cash(kim) == 50_000 - 2_500
    assert escrow(prepaid) == 2_500
    item = services.item_add(group_order_id=prepaid.pk, user=kim, name="치킨", unit_price=18_000)
    assert cash(kim) == 50_000 - 20_500
    services.item_delete(item_id=item.pk, user=kim)
    assert cash(kim) == 50_000 - 2_500
    assert ledger_problems() == []


def test_join_without_enough_money_joins_nobody(prepaid):
    poor = neighbour(2_000)
    with pytest.raises(ShareNotCovered) as refused:
        services.groupbuy_join(group_order_id=prepaid.pk, user=poor)
    assert refused.value.extra["missing"] == 500
    assert "충전" in refused.value.message
    assert not Participation.objects.filter(group_order=prepaid, user=poor).exists()
    prepaid.refresh_from_db()
    assert prepaid.member_count == 1
    assert cash(poor) == 2_000


def test_place_captures_to_host_then_handoff_returns_deposit_and_pays_points(prepaid, host):
    kim, lee = neighbour(50_000), neighbour(50_000)
    for user, price in ((kim, 12_000), (lee, 9_000)):
        services.groupbuy_join(group_order_id=prepaid.pk, user=user)
        services.item_add(group_order_id=prepaid.pk, user=user, name="메뉴", unit_price=price)
    services.groupbuy_close(group_order_id=prepaid.pk, user=host)
    services.groupbuy_status_change(group_order_id=prepaid.pk, user=host, status="ordered")
    # Three members: fee 1,000 each. Kim 13,000, Lee 10,000 to the host; deposits stay.
    assert cash(host) == 23_000
    assert cash(kim) == 50_000 - 13_000 - 1_000
    assert escrow(prepaid) == 2_000
    with pytest.raises(NotEditable):  # the cart is locked once ordered
        services.item_add(group_order_id=prepaid.pk, user=kim, name="추가", unit_price=1)
    settlement.groupbuy_arrived(group_order_id=prepaid.pk, user=host)
    settlement.groupbuy_received(group_order_id=prepaid.pk, user=kim)
    assert cash(kim) == 50_000 - 13_000
    settlement.groupbuy_received(group_order_id=prepaid.pk, user=lee)
    prepaid.refresh_from_db()
    assert prepaid.status == GroupOrder.Status.DELIVERED
    assert escrow(prepaid) == 0
    assert wallet_summary(user=kim)["points"] == 130
    assert wallet_summary(user=lee)["points"] == 100
    assert ledger_problems() == []
    call_command("wallet_check")


def test_placing_short_of_minimum_is_refused(prepaid, host):
    kim = neighbour(50_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim)
    services.groupbuy_close(group_order_id=prepaid.pk, user=host)
    with pytest.raises(InvalidStatusChange) as refused:
        services.groupbuy_status_change(group_order_id=prepaid.pk, user=host, status="ordered")
    assert "최소주문금액" in str(refused.value)


def test_leave_ban_cancel_refund_everything(prepaid, host):
    kim, lee, park = neighbour(30_000), neighbour(30_000), neighbour(30_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim)
    services.groupbuy_join(group_order_id=prepaid.pk, user=lee)
    services.item_add(group_order_id=prepaid.pk, user=kim, name="a", unit_price=5_000)
    services.groupbuy_leave(group_order_id=prepaid.pk, user=kim)
    assert cash(kim) == 30_000
    services.groupbuy_ban(group_order_id=prepaid.pk, host=host, target_user_id=lee.pk)
    assert cash(lee) == 30_000
    services.groupbuy_join(group_order_id=prepaid.pk, user=park)
    services.groupbuy_status_change(group_order_id=prepaid.pk, user=host, status="cancelled")
    assert cash(park) == 30_000
    assert escrow(prepaid) == 0
    assert ledger_problems() == []


def test_deadline_short_of_minimum_refunds_once(prepaid):
    kim = neighbour(30_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim)
    GroupOrder.objects.filter(pk=prepaid.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    assert services.groupbuys_refunds_due() == 1
    assert services.groupbuys_refunds_due() == 0
    prepaid.refresh_from_db()
    assert prepaid.status == GroupOrder.Status.CANCELLED
    assert cash(kim) == 30_000
    assert ledger_problems() == []


def test_spending_cap_refuses_items_beyond_it(prepaid):
    kim = neighbour(50_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim)
    services.member_prefs_set(group_order_id=prepaid.pk, user=kim, spending_cap=10_000)
    with pytest.raises(SpendingCapExceeded):
        services.item_add(group_order_id=prepaid.pk, user=kim, name="a", unit_price=9_000)
    services.item_add(group_order_id=prepaid.pk, user=kim, name="a", unit_price=8_000)


def test_points_pay_part_of_a_share(prepaid, host):
    from mealbuddy.wallet.services import points_award

    kim = neighbour(50_000)
    points_award(key="gift", user=kim, amount=1_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim, use_points=True)
    services.item_add(group_order_id=prepaid.pk, user=kim, name="a", unit_price=20_000)
    p = Participation.objects.get(group_order=prepaid, user=kim)
    assert p.held_points == 1_000 and p.held_cash == 21_500 - 1_000
    assert wallet_summary(user=kim)["points"] == 0


def test_noshow_unanswered_goes_to_host(prepaid, host, settings):
    settings.GROUPBUYS_NOSHOW_AFTER_MINUTES = 0
    settings.GROUPBUYS_DISPUTE_HOURS = 0
    kim = neighbour(50_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim)
    services.item_add(group_order_id=prepaid.pk, user=kim, name="a", unit_price=20_000)
    services.groupbuy_close(group_order_id=prepaid.pk, user=host)
    services.groupbuy_status_change(group_order_id=prepaid.pk, user=host, status="ordered")
    settlement.groupbuy_arrived(group_order_id=prepaid.pk, user=host)
    settlement.groupbuy_noshow(group_order_id=prepaid.pk, user=host, target_user_id=kim.pk)
    assert settlement.groupbuys_handoff_due() == 1
    p = Participation.objects.get(group_order=prepaid, user=kim)
    assert p.deposit_state == DepositState.FORFEITED
    prepaid.refresh_from_db()
    assert prepaid.status == GroupOrder.Status.DELIVERED
    assert cash(host) == 21_500 + 1_000
    assert ledger_problems() == []


def test_settlement_view_follows_the_rules(prepaid, host):
    from mealbuddy.groupbuys.selectors import group_order_settlement

    kim = neighbour(50_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim)
    services.item_add(group_order_id=prepaid.pk, user=kim, name="a", unit_price=20_000)
    view = group_order_settlement(group_order=prepaid, user=kim)
    assert view.mine.held == 21_500 and not view.mine.paid
    assert view.prefs.allowed and not view.received.allowed
    services.groupbuy_close(group_order_id=prepaid.pk, user=host)
    services.groupbuy_status_change(group_order_id=prepaid.pk, user=host, status="ordered")
    prepaid.refresh_from_db()
    host_view = group_order_settlement(group_order=prepaid, user=host)
    assert host_view.arrived.allowed and not host_view.remind.allowed
    assert all(r.paid for r in host_view.rows)
    assert group_order_settlement(group_order=prepaid, user=kim).received.allowed


def test_deleting_the_account_while_holding_escrow_is_refused_and_nothing_changes(prepaid):
    from mealbuddy.accounts.services import user_deactivate
    from mealbuddy.core.errors import Conflict
    from tests.factories import DEFAULT_PASSWORD

    kim = neighbour(10_000)
    services.groupbuy_join(group_order_id=prepaid.pk, user=kim)
    with pytest.raises(Conflict) as refused:
        user_deactivate(user=kim, password=DEFAULT_PASSWORD)
    assert "출금" in refused.value.message
    kim.refresh_from_db()
    assert kim.is_active
    assert Participation.objects.filter(group_order=prepaid, user=kim).exists()
    assert cash(kim) == 10_000 - 2_500


@pytest.mark.parametrize("fee_split", ["equal", "proportional"])
def test_the_previewed_join_hold_is_what_joining_holds(host, fee_split):
    from mealbuddy.groupbuys.selectors import fee_breakdown, join_hold

    order = make_order(
        host,
        delivery_fee=3_001,
        min_order_amount=0,
        target_count=4,
        payment="prepaid",
        noshow_deposit=500,
        fee_split=fee_split,
    )
    kim, lee = neighbour(50_000), neighbour(50_000)
    services.groupbuy_join(group_order_id=order.pk, user=kim)
    services.item_add(group_order_id=order.pk, user=kim, name="a", unit_price=7_000)
    order.refresh_from_db()
    preview = join_hold(order, fee_breakdown(order))
    services.groupbuy_join(group_order_id=order.pk, user=lee)
    assert cash(lee) == 50_000 - preview.total
    if fee_split == "proportional":
        assert preview.fee == 0  # nothing ordered yet, so no share of the fee yet


def test_a_joined_prepaid_order_fee_can_fall_but_not_rise(prepaid, host):
    from mealbuddy.groupbuys.errors import GroupOrderValidationError

    services.groupbuy_join(group_order_id=prepaid.pk, user=neighbour(50_000))
    with pytest.raises(GroupOrderValidationError) as refused:
        services.groupbuy_update(group_order_id=prepaid.pk, user=host, delivery_fee=4_000)
    assert "배달비를 올릴 수 없어요" in refused.value.as_errors()["delivery_fee"][0]
    with pytest.raises(GroupOrderValidationError) as refused:
        services.groupbuy_update(group_order_id=prepaid.pk, user=host, fee_split="proportional")
    assert "fee_split" in refused.value.as_errors()
    services.groupbuy_update(group_order_id=prepaid.pk, user=host, delivery_fee=2_000)
