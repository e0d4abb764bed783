"""Subscribers are joined through the join service itself: bans, blocks, sanctions, full
orders, the prepaid hold and balance and the member's spending cap all decide, and someone
refused is told why and tried again next time."""

from __future__ import annotations

from datetime import time

import pytest

from mealbuddy.groupbuys.models import Ban, GroupOrder, Participation
from mealbuddy.notifications.models import Notification
from mealbuddy.series import services
from mealbuddy.series.models import AutoJoin, Occurrence
from mealbuddy.trust.models import Block, Standing
from mealbuddy.wallet.selectors import ledger_problems
from tests.factories import UserFactory
from tests.series.conftest import CHICKEN, kst
from tests.wallet.conftest import fund


def friday_series(clock, host, **extra):
    clock.set(2026, 12, 1, 10)
    fields = {**CHICKEN, **extra}
    return services.series_create(
        host=host, **fields, weekdays=[4], deadline_time=time(19, 0), open_before=180
    )


def open_friday(clock, day: int = 4) -> GroupOrder:
    """The tick, and after its commit the join task (run inline by the test backend)."""
    from django.test import TestCase

    clock.set(2026, 12, day, 16)
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = services.series_tick()
    assert result["opened"] == 1
    return Occurrence.objects.get(pk=result["occurrences"][0]).group_order


def series_notes(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind="series")
        .order_by("id")
        .values_list("text", flat=True)
    )


def members(order) -> set[int]:
    return set(Participation.objects.filter(group_order=order).values_list("user_id", flat=True))


def test_a_subscriber_is_joined_and_told(clock, host, alice, bob):
    series = friday_series(clock, host)
    services.subscription_create(user=alice, series_id=series.pk)
    services.subscription_create(user=bob, series_id=series.pk)  # 합정동: next door
    order = open_friday(clock)
    order.refresh_from_db()
    assert members(order) == {host.pk, alice.pk, bob.pk}
    assert order.member_count == 3
    assert series_notes(alice) == ["정기 모집 '금요일 치킨 열차'에 자동으로 참여했어요."]
    assert "자동 참여 2명" in series_notes(host)[0]
    # A retry of the job changes nothing and tells nobody twice.
    occurrence = order.series_occurrence
    assert services.occurrence_join_subscribers(occurrence_id=occurrence.pk)["joined"] == 0
    assert len(series_notes(alice)) == 1


def test_skipping_one_week_then_joined_the_next(clock, host, alice):
    series = friday_series(clock, host)
    services.subscription_create(user=alice, series_id=series.pk)
    assert services.skip_set(user=alice, series_id=series.pk) == kst(2026, 12, 4, 19)
    first = open_friday(clock, 4)
    assert alice.pk not in members(first)
    assert AutoJoin.objects.get(user=alice, occurrence__group_order=first).result == "skipped"
    second = open_friday(clock, 11)
    assert alice.pk in members(second)


def test_an_unsubscribed_neighbour_is_not_joined(clock, host, alice):
    series = friday_series(clock, host)
    services.subscription_create(user=alice, series_id=series.pk)
    assert services.subscription_delete(user=alice, series_id=series.pk) is True
    assert alice.pk not in members(open_friday(clock))


def test_a_block_refuses_the_join_and_says_so(clock, host, alice):
    series = friday_series(clock, host)
    services.subscription_create(user=alice, series_id=series.pk)
    Block.objects.create(blocker=host, blocked=alice)
    order = open_friday(clock)
    assert alice.pk not in members(order)
    assert "차단" in series_notes(alice)[0]
    assert AutoJoin.objects.get(user=alice).code == "blocked"


def test_a_ban_from_the_order_refuses_the_join(
    clock, host, alice, django_capture_on_commit_callbacks
):
    series = friday_series(clock, host)
    services.subscription_create(user=alice, series_id=series.pk)
    clock.set(2026, 12, 4, 16)
    with django_capture_on_commit_callbacks(execute=False):
        result = services.series_tick()
    occurrence = Occurrence.objects.get(pk=result["occurrences"][0])
    Ban.objects.create(group_order=occurrence.group_order, user=alice)
    counts = services.occurrence_join_subscribers(occurrence_id=occurrence.pk)
    assert counts["refused"] == 1
    assert AutoJoin.objects.get(user=alice).code == "banned"
    assert len(series_notes(alice)) == 1


def test_a_suspended_account_is_not_joined_and_the_next_week_tries_again(clock, host, alice):
    series = friday_series(clock, host)
    services.subscription_create(user=alice, series_id=series.pk)
    Standing.objects.create(user=alice, restriction=Standing.Restriction.BANNED)
    assert alice.pk not in members(open_friday(clock, 4))
    assert AutoJoin.objects.get(user=alice).code == "account_restricted"
    Standing.objects.filter(user=alice).update(restriction="")
    assert alice.pk in members(open_friday(clock, 11))


def test_a_full_order_refuses_the_last_subscribers(clock, host, alice, bob):
    series = friday_series(clock, host, target_count=2)
    services.subscription_create(user=alice, series_id=series.pk)
    services.subscription_create(user=bob, series_id=series.pk)
    order = open_friday(clock)
    assert members(order) == {host.pk, alice.pk}  # first subscribed, first joined
    assert AutoJoin.objects.get(user=bob).code == "full"
    assert "다 찼" in series_notes(bob)[0] or "마감" in series_notes(bob)[0]


def test_prepaid_takes_the_hold_or_says_the_balance_is_short(clock, host, alice, bob):
    series = friday_series(clock, host, payment="prepaid", delivery_fee=6000, noshow_deposit=1000)
    fund(alice, 10_000)
    services.subscription_create(user=alice, series_id=series.pk)
    services.subscription_create(user=bob, series_id=series.pk)  # no money
    order = open_friday(clock, 4)
    alice_part = Participation.objects.get(group_order=order, user=alice)
    # Two members: a 3,000 won fee share, plus the 1,000 won no-show deposit.
    assert (alice_part.held_cash, alice_part.deposit_held) == (3000, 1000)
    assert bob.pk not in members(order)
    assert (
        AutoJoin.objects.get(user=bob, occurrence__group_order=order).code == "insufficient_funds"
    )
    assert "자동으로 참여하지 못했어요" in series_notes(bob)[0]
    assert ledger_problems() == []
    # Topped up: next Friday bob is in, his hold taken.
    fund(bob, 10_000)
    second = open_friday(clock, 11)
    assert Participation.objects.get(group_order=second, user=bob).held_cash > 0


def test_the_spending_cap_refuses_a_share_beyond_it(clock, host, alice):
    series = friday_series(clock, host, delivery_fee=6000)
    services.subscription_create(user=alice, series_id=series.pk, spending_cap=2000)
    order = open_friday(clock)
    # Two members: 3,000 won fee share each, more than alice's 2,000 won cap.
    assert alice.pk not in members(order)
    order.refresh_from_db()
    assert order.member_count == 1
    assert "한도(2,000원)" in series_notes(alice)[0]
    services.subscription_create(user=alice, series_id=series.pk, spending_cap=5000)
    second = open_friday(clock, 11)
    assert Participation.objects.get(group_order=second, user=alice).spending_cap == 5000


def test_who_may_subscribe(clock, host, alice, far_region):
    series = friday_series(clock, host, verified_only=True)
    far = UserFactory(region=far_region)
    with pytest.raises(Exception) as refused:
        services.subscription_create(user=far, series_id=series.pk)
    assert refused.value.code == "not_neighbour"
    with pytest.raises(Exception) as refused:
        services.subscription_create(user=alice, series_id=series.pk)
    assert refused.value.code == "not_verified"
    with pytest.raises(Exception) as refused:
        services.subscription_create(user=host, series_id=series.pk)
    assert refused.value.code == "host"
    blocked = UserFactory(region=host.region)
    Block.objects.create(blocker=blocked, blocked=host)
    with pytest.raises(Exception) as refused:
        services.subscription_create(user=blocked, series_id=series.pk)
    assert refused.value.code == "not_found"


def test_a_lost_join_task_is_run_again_by_a_later_tick(clock, host, alice):
    from django.test import TestCase

    series = friday_series(clock, host)
    services.subscription_create(user=alice, series_id=series.pk)
    clock.set(2026, 12, 4, 16)
    with TestCase.captureOnCommitCallbacks(execute=False):  # the enqueue is lost
        occurrence_id = services.series_tick()["occurrences"][0]
    order = Occurrence.objects.get(pk=occurrence_id).group_order
    assert alice.pk not in members(order)
    clock.set(2026, 12, 4, 16, 6)
    services.series_tick()
    assert alice.pk in members(order)
    assert len(series_notes(alice)) == 1
    clock.set(2026, 12, 4, 16, 12)
    services.series_tick()  # done: nothing again
    assert len(series_notes(alice)) == 1
