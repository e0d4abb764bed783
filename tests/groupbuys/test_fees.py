"""The fee split: whole won, always adding up, leftover won in the documented order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.groupbuys.selectors import fee_breakdown, fee_shares, would_be_share
from mealbuddy.groupbuys.services import groupbuy_join, groupbuy_update, item_add
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

EQUAL = GroupOrder.FeeSplit.EQUAL
PROPORTIONAL = GroupOrder.FeeSplit.PROPORTIONAL

fees = st.integers(min_value=0, max_value=1_000_000)
subtotal_lists = st.lists(st.integers(min_value=0, max_value=2_000_000), min_size=1, max_size=10)


@settings(max_examples=400, deadline=None)
@given(fee=fees, subtotals=subtotal_lists)
def test_equal_split_adds_up_and_extra_won_go_to_the_first(fee, subtotals):
    shares = fee_shares(delivery_fee=fee, fee_split=EQUAL, subtotals=subtotals)
    assert sum(shares) == fee
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)  # host first, then join order


@settings(max_examples=400, deadline=None)
@given(fee=fees, subtotals=subtotal_lists)
def test_proportional_split_adds_up_and_stays_within_one_won(fee, subtotals):
    shares = fee_shares(delivery_fee=fee, fee_split=PROPORTIONAL, subtotals=subtotals)
    assert sum(shares) == fee
    assert all(share >= 0 for share in shares)
    total = sum(subtotals)
    if total == 0:
        assert max(shares) - min(shares) <= 1
        return
    for share, subtotal in zip(shares, subtotals, strict=True):
        exact = fee * subtotal / total
        assert abs(share - exact) < 1
        if subtotal == 0:
            assert share == 0


@settings(max_examples=200, deadline=None)
@given(fee=fees, members=st.integers(1, 9), target_extra=st.integers(0, 9))
def test_would_be_share_matches_the_real_split_after_joining(fee, members, target_extra):
    target = min(max(members + target_extra, 2), 10)
    members = min(members, target)
    order = GroupOrder(delivery_fee=fee, member_count=members, target_count=target)
    estimate = would_be_share(order)
    full = fee_shares(delivery_fee=fee, fee_split=EQUAL, subtotals=[0] * target)
    assert estimate.when_full == full[-1]
    if members < target:
        after = fee_shares(delivery_fee=fee, fee_split=EQUAL, subtotals=[0] * (members + 1))
        assert estimate.now == after[-1]
    else:
        assert estimate.now is None


@pytest.mark.django_db
def test_breakdown_lists_host_first_then_join_order(host):
    order = make_order(host, delivery_fee=1000, min_order_amount=50000)
    first, second = UserFactory(), UserFactory()
    groupbuy_join(group_order_id=order.pk, user=first)
    groupbuy_join(group_order_id=order.pk, user=second)
    # Join times tie-break by id; make the second joiner "earlier" in id order impossible.
    Participation.objects.filter(group_order=order, user=second).update(
        joined_at=Participation.objects.get(group_order=order, user=first).joined_at
        + timedelta(seconds=1)
    )
    item_add(group_order_id=order.pk, user=second, name="피자", unit_price=30000)
    item_add(group_order_id=order.pk, user=first, name="콜라", unit_price=2000, quantity=5)
    breakdown = fee_breakdown(order)
    assert [m.user.pk for m in breakdown.members] == [host.pk, first.pk, second.pk]
    assert [m.fee_share for m in breakdown.members] == [334, 333, 333]
    assert [m.items_subtotal for m in breakdown.members] == [0, 10000, 30000]
    assert breakdown.items_total == 40000 and breakdown.missing_amount == 10000
    assert [m.total for m in breakdown.members] == [334, 10333, 30333]
    groupbuy_update(group_order_id=order.pk, user=host, fee_split=PROPORTIONAL)
    order.refresh_from_db()
    breakdown = fee_breakdown(order)
    assert [m.fee_share for m in breakdown.members] == [0, 250, 750]
    assert breakdown.fee_total == 1000
