from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from mealbuddy.chat.models import ChatRoom, Message
from mealbuddy.core.errors import NotFound
from mealbuddy.groupbuys import errors
from mealbuddy.groupbuys.models import Ban, GroupOrder, OrderItem, Participation
from mealbuddy.groupbuys.services import (
    groupbuy_ban,
    groupbuy_close,
    groupbuy_delete,
    groupbuy_join,
    groupbuy_leave,
    groupbuy_reopen,
    groupbuy_status_change,
    groupbuy_update,
    item_add,
    item_delete,
    item_update,
)
from mealbuddy.notifications.models import Notification
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order

Status = GroupOrder.Status
pytestmark = pytest.mark.django_db


def _refresh(order):
    order.refresh_from_db()
    return order


def _expire(order):
    GroupOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    return _refresh(order)


def _system_texts(order):
    return list(
        Message.objects.filter(room__group_order=order, user=None).values_list("text", flat=True)
    )


# --- create ---------------------------------------------------------------------------------


def test_create_makes_room_and_host_is_first_member(host):
    order = make_order(host)
    assert order.member_count == 1
    assert order.region_id == host.region_id
    assert order.status == Status.RECRUITING
    assert ChatRoom.objects.filter(group_order=order).exists()
    assert list(order.participations.values_list("user_id", flat=True)) == [host.pk]
    ahead = order.deadline - timezone.now()
    assert timedelta(minutes=59) < ahead <= timedelta(hours=1)
    assert (order.delivery_fee, order.min_order_amount, order.restaurant) == (0, 0, "")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "가" * 31}, "title"),
        ({"category": "햄버거"}, "category"),
        ({"target_count": 1}, "target_count"),
        ({"target_count": 11}, "target_count"),
        ({"delivery_fee": -1}, "delivery_fee"),
        ({"min_order_amount": "많이"}, "min_order_amount"),
        ({"deadline": "내일"}, "deadline"),
    ],
)
def test_create_refuses_bad_fields_with_korean_field_errors(host, fields, field):
    with pytest.raises(errors.GroupOrderValidationError) as caught:
        make_order(host, **fields)
    assert field in caught.value.as_errors()
    assert not GroupOrder.objects.exists()


@pytest.mark.parametrize("ahead", [timedelta(minutes=5), timedelta(hours=25), -timedelta(hours=1)])
def test_deadline_must_be_10_minutes_to_24_hours_ahead(host, ahead):
    with pytest.raises(errors.GroupOrderValidationError) as caught:
        make_order(host, deadline=timezone.now() + ahead)
    assert "10분" in caught.value.as_errors()["deadline"][0]


def test_create_reports_every_bad_field_at_once(host):
    with pytest.raises(errors.GroupOrderValidationError) as caught:
        make_order(host, title="", category="x", target_count=99)
    assert set(caught.value.as_errors()) == {"title", "category", "target_count"}


def test_create_needs_a_neighbourhood(db):
    homeless = UserFactory(region=None, address="", lat=None, lon=None)
    with pytest.raises(errors.NoRegion):
        make_order(homeless)


# --- status -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ([Status.CLOSED], Status.CLOSED),
        ([Status.CANCELLED], Status.CANCELLED),
        ([Status.CLOSED, Status.RECRUITING], Status.RECRUITING),
        ([Status.CLOSED, Status.ORDERED], Status.ORDERED),
        ([Status.CLOSED, Status.CANCELLED], Status.CANCELLED),
        ([Status.CLOSED, Status.ORDERED, Status.DELIVERED], Status.DELIVERED),
    ],
)
def test_allowed_status_moves(order, host, path, expected):
    for status in path:
        groupbuy_status_change(group_order_id=order.pk, user=host, status=status)
    assert _refresh(order).status == expected
    assert _system_texts(order)[-1]  # every move is told in the chat


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], Status.ORDERED),
        ([], Status.DELIVERED),
        ([Status.CLOSED], Status.DELIVERED),
        ([Status.CLOSED, Status.ORDERED], Status.CANCELLED),
        ([Status.CLOSED, Status.ORDERED], Status.RECRUITING),
        ([Status.CLOSED, Status.ORDERED], Status.CLOSED),
        ([Status.CLOSED, Status.ORDERED, Status.DELIVERED], Status.ORDERED),
        ([Status.CLOSED, Status.ORDERED, Status.DELIVERED], Status.CANCELLED),
        ([Status.CANCELLED], Status.RECRUITING),
        ([Status.CANCELLED], Status.CLOSED),
        ([Status.CANCELLED], Status.ORDERED),
    ],
)
def test_refused_status_moves_explain_why(order, host, path, refused):
    for status in path:
        groupbuy_status_change(group_order_id=order.pk, user=host, status=status)
    before = _refresh(order).status
    with pytest.raises(errors.InvalidStatusChange) as caught:
        groupbuy_status_change(group_order_id=order.pk, user=host, status=refused)
    assert caught.value.message.endswith("요.")
    assert _refresh(order).status == before


def test_unknown_status_is_refused(order, host):
    with pytest.raises(errors.InvalidStatusChange):
        groupbuy_status_change(group_order_id=order.pk, user=host, status="lost")


def test_only_the_host_moves_the_status(order):
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    with pytest.raises(errors.NotHost) as caught:
        groupbuy_status_change(group_order_id=order.pk, user=member, status=Status.CLOSED)
    assert caught.value.status_code == 403
    assert _refresh(order).status == Status.RECRUITING


def test_status_moves_notify_the_other_members(order, host):
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    groupbuy_close(group_order_id=order.pk, user=host)
    groupbuy_status_change(group_order_id=order.pk, user=host, status=Status.ORDERED)
    kinds = list(Notification.objects.filter(user=member).values_list("kind", flat=True))
    assert Notification.Kind.CLOSED in kinds and Notification.Kind.STATUS in kinds
    assert "주문이 완료됐어요." in _system_texts(order)


def test_past_deadline_is_closed_everywhere(order, host):
    _expire(order)
    assert order.status == Status.RECRUITING  # the row, until close_expired runs
    assert order.current_status() == Status.CLOSED
    assert not order.is_recruiting
    with pytest.raises(errors.DeadlinePassed):
        groupbuy_join(group_order_id=order.pk, user=UserFactory())
    # The host can go straight on to ordering: it already counts as closed.
    groupbuy_status_change(group_order_id=order.pk, user=host, status=Status.ORDERED)
    assert _refresh(order).status == Status.ORDERED


def test_reopen_refused_after_the_deadline_or_when_full(host):
    expired = make_order(host)
    groupbuy_close(group_order_id=expired.pk, user=host)
    _expire(expired)
    with pytest.raises(errors.InvalidStatusChange, match="마감 시각"):
        groupbuy_reopen(group_order_id=expired.pk, user=host)

    full = make_order(host, target_count=2)
    groupbuy_join(group_order_id=full.pk, user=UserFactory())
    with pytest.raises(errors.InvalidStatusChange, match="자리"):
        groupbuy_reopen(group_order_id=full.pk, user=host)


def test_close_expired_closes_in_bulk_and_tells_members(host):
    expired = make_order(host)
    member = UserFactory()
    groupbuy_join(group_order_id=expired.pk, user=member)
    fresh = make_order(host)
    _expire(expired)
    call_command("close_expired")
    expired.refresh_from_db()
    assert (expired.status, expired.closed_reason) == (Status.CLOSED, "deadline")
    assert _refresh(fresh).status == Status.RECRUITING
    assert Notification.objects.filter(user=member, kind=Notification.Kind.CLOSED).exists()
    call_command("close_expired")  # idempotent
    assert Notification.objects.filter(kind=Notification.Kind.CLOSED).count() == 2


# --- join -------------------------------------------------------------------------------------


def test_join_adds_member_message_and_notifies_host(order, host):
    member = UserFactory(username="옆집")
    participation = groupbuy_join(group_order_id=order.pk, user=member)
    assert participation.user == member
    assert _refresh(order).member_count == 2
    assert "옆집 님이 입장했습니다." in _system_texts(order)
    assert Notification.objects.filter(user=host, kind=Notification.Kind.JOINED).count() == 1


def test_joining_again_is_a_no_op(order):
    member = UserFactory()
    first = groupbuy_join(group_order_id=order.pk, user=member)
    again = groupbuy_join(group_order_id=order.pk, user=member)
    assert first.pk == again.pk
    assert _refresh(order).member_count == 2
    host_again = groupbuy_join(group_order_id=order.pk, user=order.host)
    assert host_again.user_id == order.host_id
    assert _refresh(order).member_count == 2


def test_the_join_that_fills_closes_recruitment_and_tells_everyone(host):
    order = make_order(host, target_count=2)
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    order.refresh_from_db()
    assert (order.status, order.closed_reason, order.member_count) == (Status.CLOSED, "full", 2)
    filled = Notification.objects.filter(kind=Notification.Kind.FILLED)
    assert set(filled.values_list("user_id", flat=True)) == {host.pk, member.pk}
    with pytest.raises(errors.GroupOrderFull) as caught:
        groupbuy_join(group_order_id=order.pk, user=UserFactory())
    assert caught.value.code == "full"


def test_join_refused_when_host_closed(order, host):
    groupbuy_close(group_order_id=order.pk, user=host)
    with pytest.raises(errors.GroupOrderClosed) as caught:
        groupbuy_join(group_order_id=order.pk, user=UserFactory())
    assert caught.value.code == "closed"
    assert "마감" in caught.value.message


@pytest.mark.parametrize("status", [Status.CANCELLED])
def test_join_refused_when_cancelled(order, host, status):
    groupbuy_status_change(group_order_id=order.pk, user=host, status=status)
    with pytest.raises(errors.GroupOrderClosed):
        groupbuy_join(group_order_id=order.pk, user=UserFactory())


def test_join_refused_from_far_away(order, far_region):
    with pytest.raises(errors.NotNeighbour) as caught:
        groupbuy_join(group_order_id=order.pk, user=UserFactory(region=far_region))
    assert caught.value.code == "not_neighbour"
    assert _refresh(order).member_count == 1


def test_join_allowed_from_a_bordering_neighbourhood(order, hapjeong):
    groupbuy_join(group_order_id=order.pk, user=UserFactory(region=hapjeong))
    assert _refresh(order).member_count == 2


def test_join_refused_without_a_neighbourhood(order):
    with pytest.raises(errors.NoRegion):
        groupbuy_join(
            group_order_id=order.pk, user=UserFactory(region=None, address="", lat=None, lon=None)
        )


def test_join_missing_order_is_not_found(db):
    with pytest.raises(NotFound):
        groupbuy_join(group_order_id=999999, user=UserFactory())


# --- leave and ban -----------------------------------------------------------------------------


def test_leave_frees_the_place_and_reopens_a_full_order(host):
    order = make_order(host, target_count=2)
    member = UserFactory(username="떠날사람")
    groupbuy_join(group_order_id=order.pk, user=member)
    item_add(group_order_id=order.pk, user=member, name="콜라", unit_price=2000)
    assert groupbuy_leave(group_order_id=order.pk, user=member) is True
    order.refresh_from_db()
    assert (order.member_count, order.status, order.closed_reason) == (1, Status.RECRUITING, "")
    assert not OrderItem.objects.exists()
    assert "떠날사람 님이 퇴장했습니다." in _system_texts(order)
    assert groupbuy_leave(group_order_id=order.pk, user=member) is False  # harmless
    assert _refresh(order).member_count == 1


def test_leave_does_not_reopen_what_the_host_closed(order, host):
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    groupbuy_close(group_order_id=order.pk, user=host)
    groupbuy_leave(group_order_id=order.pk, user=member)
    assert _refresh(order).status == Status.CLOSED


def test_leave_does_not_reopen_after_the_deadline(host):
    order = make_order(host, target_count=2)
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    _expire(order)
    groupbuy_leave(group_order_id=order.pk, user=member)
    assert _refresh(order).current_status() == Status.CLOSED


def test_host_cannot_leave(order, host):
    with pytest.raises(errors.HostCannotLeave):
        groupbuy_leave(group_order_id=order.pk, user=host)
    assert Participation.objects.filter(group_order=order, user=host).exists()


def test_ban_removes_for_good(order, host):
    member = UserFactory(username="말썽")
    groupbuy_join(group_order_id=order.pk, user=member)
    groupbuy_ban(group_order_id=order.pk, host=host, target_user_id=member.pk)
    assert _refresh(order).member_count == 1
    assert Ban.objects.filter(group_order=order, user=member).exists()
    assert "말썽 님이 내보내졌어요." in _system_texts(order)
    assert Notification.objects.filter(user=member, kind=Notification.Kind.BANNED).exists()
    with pytest.raises(errors.Banned) as caught:
        groupbuy_join(group_order_id=order.pk, user=member)
    assert caught.value.code == "banned"
    groupbuy_ban(group_order_id=order.pk, host=host, target_user_id=member.pk)  # again: no-op


def test_ban_rules(order, host):
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    with pytest.raises(errors.NotHost):
        groupbuy_ban(group_order_id=order.pk, host=member, target_user_id=host.pk)
    with pytest.raises(errors.NotMember):
        groupbuy_ban(group_order_id=order.pk, host=host, target_user_id=UserFactory().pk)
    with pytest.raises(errors.ApplicationError):
        groupbuy_ban(group_order_id=order.pk, host=host, target_user_id=host.pk)
    assert _refresh(order).member_count == 2


def test_ban_reopens_a_full_order(host):
    order = make_order(host, target_count=2)
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    groupbuy_ban(group_order_id=order.pk, host=host, target_user_id=member.pk)
    assert _refresh(order).status == Status.RECRUITING


# --- update and delete --------------------------------------------------------------------------


def test_target_cannot_go_below_headcount(order, host):
    groupbuy_join(group_order_id=order.pk, user=UserFactory())
    groupbuy_join(group_order_id=order.pk, user=UserFactory())
    with pytest.raises(errors.GroupOrderValidationError) as caught:
        groupbuy_update(group_order_id=order.pk, user=host, target_count=2)
    assert "3명" in caught.value.as_errors()["target_count"][0]
    groupbuy_update(group_order_id=order.pk, user=host, target_count=3)
    order.refresh_from_db()
    assert (order.target_count, order.status) == (3, Status.CLOSED)
    groupbuy_update(group_order_id=order.pk, user=host, target_count=5)
    assert _refresh(order).status == Status.RECRUITING


def test_nothing_but_status_changes_once_ordered(order, host):
    groupbuy_close(group_order_id=order.pk, user=host)
    groupbuy_status_change(group_order_id=order.pk, user=host, status=Status.ORDERED)
    with pytest.raises(errors.NotEditable):
        groupbuy_update(group_order_id=order.pk, user=host, title="바꿈")
    with pytest.raises(errors.NotEditable):
        item_add(group_order_id=order.pk, user=host, name="치킨", unit_price=20000)


def test_only_the_host_edits_or_deletes(order):
    other = UserFactory()
    with pytest.raises(errors.NotHost):
        groupbuy_update(group_order_id=order.pk, user=other, title="내 거")
    with pytest.raises(errors.NotHost):
        groupbuy_delete(group_order_id=order.pk, user=other)
    assert _refresh(order).title == "치킨 같이 시켜요"


def test_delete_removes_room_and_tells_members(order, host):
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    groupbuy_delete(group_order_id=order.pk, user=host)
    assert not GroupOrder.objects.filter(pk=order.pk).exists()
    assert not ChatRoom.objects.exists()
    assert Notification.objects.filter(user=member, kind=Notification.Kind.CANCELLED).exists()


# --- items ---------------------------------------------------------------------------------------


def test_items_belong_to_their_member(order, host):
    member = UserFactory()
    groupbuy_join(group_order_id=order.pk, user=member)
    item = item_add(group_order_id=order.pk, user=member, name="후라이드", unit_price=18000)
    item_update(item_id=item.pk, user=member, quantity=2)
    item.refresh_from_db()
    assert (item.quantity, item.unit_price) == (2, 18000)
    with pytest.raises(NotFound):
        item_update(item_id=item.pk, user=host, quantity=9)
    with pytest.raises(NotFound):
        item_delete(item_id=item.pk, user=host)
    item_delete(item_id=item.pk, user=member)
    assert not OrderItem.objects.exists()


def test_items_only_for_members_and_validated(order):
    with pytest.raises(errors.NotMember):
        item_add(group_order_id=order.pk, user=UserFactory(), name="콜라", unit_price=2000)
    with pytest.raises(errors.GroupOrderValidationError) as caught:
        item_add(group_order_id=order.pk, user=order.host, name="", unit_price=-5, quantity=0)
    assert set(caught.value.as_errors()) == {"name", "unit_price", "quantity"}
