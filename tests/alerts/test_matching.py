"""Saved alerts fire once per (person, order), for visible matching orders only, outside
quiet hours (held until they end while the order is open), up to the daily cap."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from mealbuddy.alerts import services
from mealbuddy.alerts.models import AlertHit, SavedAlert
from mealbuddy.alerts.selectors import in_quiet_hours, kst_now, outside_quiet_hours_q
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuy_close, groupbuy_reopen
from mealbuddy.notifications.models import Notification
from mealbuddy.trust.models import Block
from tests.factories import UserFactory


def alerts_of(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=Notification.Kind.ALERT))


def test_a_matching_order_notifies_once_in_app_with_a_link(host, alice, open_order):
    services.alert_create(user=alice, category="치킨")
    order = open_order(host, restaurant="교촌치킨 서교점")
    [notice] = alerts_of(alice)
    assert order.title in notice.text and "서교동" in notice.text
    assert notice.url == f"/groupbuys/{order.pk}/"
    # The job running again (and the matcher again) changes nothing.
    services.alerts_tick()
    services.alerts_match(group_order_ids=[order.pk])
    services.alerts_deliver()
    assert len(alerts_of(alice)) == 1
    assert AlertHit.objects.filter(user=alice, group_order=order).count() == 1


def test_two_alerts_of_one_person_matching_one_order_notify_once(host, alice, open_order):
    services.alert_create(user=alice, category="치킨")
    services.alert_create(user=alice, keyword="교촌")
    open_order(host, restaurant="교촌치킨")
    assert len(alerts_of(alice)) == 1


def test_conditions_category_keyword_and_fee_share(host, alice, open_order):
    services.alert_create(user=alice, category="피자")
    services.alert_create(user=alice, keyword="허니콤보")
    services.alert_create(user=alice, category="족발,보쌈", max_fee_share=1000)
    open_order(host, category="치킨", title="양념 반반")  # none of them
    open_order(host, category="족발,보쌈", delivery_fee=6000, target_count=4)  # 1,500 each
    assert alerts_of(alice) == []
    open_order(host, category="족발,보쌈", delivery_fee=4000, target_count=4)  # 1,000 each
    open_order(host, category="치킨", title="허니콤보 같이")
    open_order(host, category="피자")
    assert len(alerts_of(alice)) == 3


def test_my_own_order_never_notifies_me(host, open_order):
    services.alert_create(user=host, category="치킨")
    open_order(host)
    assert alerts_of(host) == []


def test_bordering_dong_only_when_chosen(host, alice, bob, far_region, open_order):
    services.alert_create(user=bob, category="치킨")  # 합정동, next to 서교동
    open_order(host)
    assert alerts_of(bob) == []
    services.alert_create(user=bob, category="치킨", include_neighbours=True)
    open_order(host)
    assert len(alerts_of(bob)) == 1
    far = UserFactory(region=far_region)
    services.alert_create(user=far, include_neighbours=True)
    open_order(host)
    assert alerts_of(far) == []


@pytest.mark.parametrize("who_blocks", ["alice", "host"])
def test_blocks_either_way_silence_the_alert(host, alice, open_order, who_blocks):
    services.alert_create(user=alice, category="치킨")
    if who_blocks == "alice":
        Block.objects.create(blocker=alice, blocked=host)
    else:
        Block.objects.create(blocker=host, blocked=alice)
    open_order(host)
    assert alerts_of(alice) == []


def test_hidden_cancelled_and_closed_orders_do_not_fire(host, alice, open_order):
    services.alert_create(user=alice, category="치킨")
    # Matched, then hidden by a moderator before the quiet hours end: dropped.
    order = open_order(host, hook=False)
    services.alerts_match(group_order_ids=[order.pk])
    GroupOrder.objects.filter(pk=order.pk).update(hidden_at=timezone.now())
    services.alerts_deliver()
    assert alerts_of(alice) == []
    assert AlertHit.objects.get(group_order=order).state == AlertHit.State.DROPPED
    # Hidden before it is matched: no hit at all.
    hidden = open_order(host, hook=False)
    GroupOrder.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    services.alerts_tick()
    assert not AlertHit.objects.filter(group_order=hidden).exists()
    # Cancelled between matching and delivery.
    cancelled = open_order(host, hook=False)
    services.alerts_match(group_order_ids=[cancelled.pk])
    GroupOrder.objects.filter(pk=cancelled.pk).update(status=GroupOrder.Status.CANCELLED)
    services.alerts_deliver()
    assert alerts_of(alice) == []


def test_the_tick_matches_orders_the_hook_missed_and_a_reopened_order_once(
    host, alice, open_order, django_capture_on_commit_callbacks
):
    order = open_order(host, hook=False)  # the worker was down when it opened
    services.alert_create(user=alice, category="치킨")
    services.alerts_tick()
    assert len(alerts_of(alice)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        groupbuy_close(group_order_id=order.pk, user=host)
    with django_capture_on_commit_callbacks(execute=True):
        groupbuy_reopen(group_order_id=order.pk, user=host)
    services.alerts_tick()
    assert len(alerts_of(alice)) == 1  # once per (person, order), reopened or not


def test_a_deleted_alert_sends_nothing_pending(host, alice, open_order):
    alert = services.alert_create(user=alice, category="치킨")
    order = open_order(host, hook=False)
    services.alerts_match(group_order_ids=[order.pk])
    services.alert_delete(user=alice, alert_id=alert.pk)
    services.alerts_deliver()
    assert alerts_of(alice) == []


def test_a_block_of_someone_else_does_not_silence_the_alert(host, alice, bob, open_order):
    services.alert_create(user=alice, category="치킨")
    Block.objects.create(blocker=alice, blocked=bob)  # not the host
    Block.objects.create(blocker=host, blocked=bob)
    open_order(host)
    assert len(alerts_of(alice)) == 1


def test_a_person_deactivated_or_gone_after_the_match_is_not_notified(
    host, alice, bob, seogyo, open_order
):
    carol = UserFactory(region=seogyo)
    for person in (alice, carol):
        services.alert_create(user=person, category="치킨")
    order = open_order(host, hook=False)
    services.alerts_match(group_order_ids=[order.pk])
    type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    carol.delete()  # the person's hits go with them
    assert services.alerts_deliver() == 0
    assert AlertHit.objects.get(group_order=order).state == AlertHit.State.DROPPED
    assert not Notification.objects.filter(kind=Notification.Kind.ALERT).exists()


def test_a_hit_whose_person_vanished_mid_match_is_dropped_and_the_rest_delivered(
    host, alice, open_order
):
    # Hits keep no database references (see AlertHit): a person deleted while the matcher ran
    # leaves a hit pointing at nobody. Delivery drops it and sends everyone else's.
    services.alert_create(user=alice, category="치킨")
    order = open_order(host, hook=False)
    services.alerts_match(group_order_ids=[order.pk])
    ghost = AlertHit.objects.create(
        user_id=10**9,
        group_order=order,
        alert=SavedAlert.objects.get(user=alice),
        created_at=timezone.now(),
    )
    assert services.alerts_deliver() == 1
    assert len(alerts_of(alice)) == 1
    ghost.refresh_from_db()
    assert ghost.state == AlertHit.State.DROPPED


# --- quiet hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, at, quiet",
    [
        (time(22), time(7), time(23, 30), True),  # wraps midnight
        (time(22), time(7), time(3), True),
        (time(22), time(7), time(7), False),  # the end is not quiet
        (time(22), time(7), time(21, 59), False),
        (time(22), time(7), time(22), True),
        (time(13), time(14), time(13, 30), True),
        (time(13), time(14), time(14), False),
        (time(13), time(14), time(12), False),
        (None, None, time(3), False),
        (time(9), time(9), time(9), False),
    ],
)
def test_quiet_hours_rule_and_its_database_form_agree(alice, start, end, at, quiet):
    assert in_quiet_hours(start=start, end=end, at=at) is quiet
    alert = SavedAlert.objects.create(user=alice, quiet_start=start, quiet_end=end)
    outside = SavedAlert.objects.filter(outside_quiet_hours_q(at=at), pk=alert.pk).exists()
    assert outside is not quiet


def test_quiet_hours_hold_the_notice_until_they_end_while_the_order_is_open(
    host, alice, open_order
):
    now = timezone.now()
    local = kst_now(now)
    services.alert_create(
        user=alice,
        category="치킨",
        quiet_start=(local - timedelta(hours=1)).time(),
        quiet_end=(local + timedelta(hours=1)).time(),
    )
    order = open_order(host, deadline=now + timedelta(hours=3))
    assert alerts_of(alice) == []
    assert AlertHit.objects.get(group_order=order).state == AlertHit.State.PENDING
    services.alerts_deliver(now=now + timedelta(minutes=30))
    assert alerts_of(alice) == []
    services.alerts_deliver(now=now + timedelta(hours=1, minutes=1))
    assert len(alerts_of(alice)) == 1


def test_quiet_hours_over_midnight_hold_then_drop_when_the_order_closed(host, alice, open_order):
    now = timezone.now()
    local = kst_now(now)
    # Quiet all day but the hour from +1 h to +2 h: a window that wraps midnight.
    services.alert_create(
        user=alice,
        category="치킨",
        quiet_start=(local + timedelta(hours=2)).time(),
        quiet_end=(local + timedelta(hours=1)).time(),
    )
    order = open_order(host, deadline=now + timedelta(minutes=30))
    assert alerts_of(alice) == []
    services.alerts_deliver(now=now + timedelta(hours=1, minutes=5))  # quiet over, order closed
    assert alerts_of(alice) == []
    assert AlertHit.objects.get(group_order=order).state == AlertHit.State.DROPPED


# --- daily cap ---------------------------------------------------------------------------------


def test_at_most_the_daily_cap_per_person_per_kst_day(host, alice, open_order, settings):
    settings.ALERTS_DAILY_CAP = 2
    services.alert_create(user=alice, category="치킨")
    for _ in range(3):
        open_order(host)
    assert len(alerts_of(alice)) == 2
    assert AlertHit.objects.filter(user=alice, state=AlertHit.State.CAPPED).count() == 1
    # The next KST day counts afresh.
    now = timezone.now()
    local = kst_now(now)
    next_day = local.replace(hour=0, minute=1, second=0, microsecond=0) + timedelta(days=1)
    order = open_order(host, hook=False)
    GroupOrder.objects.filter(pk=order.pk).update(deadline=next_day + timedelta(hours=1))
    services.alerts_match(group_order_ids=[order.pk], now=now)
    services.alerts_deliver(now=next_day)
    assert len(alerts_of(alice)) == 3
    assert AlertHit.objects.get(group_order=order).sent_day == next_day.date()


def test_the_cap_counts_per_person(host, alice, bob, open_order, settings):
    settings.ALERTS_DAILY_CAP = 1
    services.alert_create(user=alice, category="치킨")
    services.alert_create(user=bob, category="치킨", include_neighbours=True)
    open_order(host)
    open_order(host)
    assert len(alerts_of(alice)) == 1
    assert len(alerts_of(bob)) == 1


def test_a_person_with_a_quiet_and_a_loud_alert_hears_at_once(host, alice, open_order):
    local = kst_now()
    services.alert_create(
        user=alice,
        category="치킨",
        quiet_start=(local - timedelta(hours=1)).time(),
        quiet_end=(local + timedelta(hours=1)).time(),
    )
    services.alert_create(user=alice, keyword="치킨")
    open_order(host)
    assert len(alerts_of(alice)) == 1


def test_the_word_is_a_literal_and_case_blind(host, alice, open_order):
    services.alert_create(user=alice, keyword="%")
    services.alert_create(user=alice, keyword="bbq")
    open_order(host, restaurant="교촌치킨")  # "%" is not a wildcard
    assert alerts_of(alice) == []
    open_order(host, restaurant="BBQ 서교점")
    open_order(host, title="50% 할인 같이")
    assert len(alerts_of(alice)) == 2
