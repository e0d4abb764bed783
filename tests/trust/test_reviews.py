"""후기: who may rate whom, when, once; what the rated person sees; the 노쇼 auto-flag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mealbuddy.core.errors import Conflict, PermissionDenied
from mealbuddy.groupbuys import services as groupbuys
from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.notifications.models import Notification
from mealbuddy.trust import reviews
from mealbuddy.trust.errors import AccountRestricted, Blocked, ReviewRefused
from mealbuddy.trust.models import (
    MANNER_START_TENTHS,
    Block,
    ModerationAction,
    Report,
    Review,
    ReviewTag,
    Standing,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- helpers (the other review test modules import them) -------------------------------------


def order_with_members(count: int = 2, *, host=None, title: str = "치킨 같이 시켜요"):
    """A direct order with its host and ``count`` members, still recruiting."""
    host = host or UserFactory()
    order = groupbuys.groupbuy_create(
        host=host, title=title, category="치킨", target_count=max(count + 1, 2)
    )
    members = [UserFactory() for _ in range(count)]
    for member in members:
        groupbuys.groupbuy_join(group_order_id=order.pk, user=member)
    return order, host, members


def deliver(order: GroupOrder, host) -> GroupOrder:
    """Close, place and deliver (the host's moves on a "직접 정산" order)."""
    order.refresh_from_db()
    if order.status == GroupOrder.Status.RECRUITING:
        groupbuys.groupbuy_close(group_order_id=order.pk, user=host)
    groupbuys.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    groupbuys.groupbuy_status_change(group_order_id=order.pk, user=host, status="delivered")
    order.refresh_from_db()
    return order


def delivered_order(count: int = 2, **kwargs):
    order, host, members = order_with_members(count, **kwargs)
    return deliver(order, host), host, members


def rate(reviewer, order, reviewee, *, positive=True, tags=(), text=""):
    return reviews.review_create(
        reviewer=reviewer,
        group_order=order,
        reviewee=reviewee,
        positive=positive,
        tags=list(tags),
        text=text,
    )


def tenths(user) -> int:
    standing = Standing.objects.filter(user=user).first()
    return standing.manner_tenths if standing else MANNER_START_TENTHS


# --- who, when, how often --------------------------------------------------------------------


def test_members_rate_each_other_once_per_order_host_included():
    order, host, (kim, lee) = delivered_order(2)
    rate(kim, order, host, tags=[ReviewTag.ON_TIME])
    rate(host, order, kim)
    rate(lee, order, kim, positive=False, tags=[ReviewTag.UNREACHABLE])
    assert Review.objects.filter(group_order=order).count() == 3
    with pytest.raises(Conflict) as second:
        rate(kim, order, host, positive=False)
    assert second.value.status_code == 409 and second.value.code == "already_reviewed"
    # The first stays as it was; the score was moved once.
    assert Review.objects.get(reviewer=kim, reviewee=host).positive is True
    assert Standing.objects.get(user=host).reviews_received == 1


def test_the_same_pair_may_rate_again_on_another_order():
    first, host, (kim,) = delivered_order(1)
    second = deliver(*_join_existing(host, kim))
    rate(kim, first, host)
    rate(kim, second, host)
    assert Standing.objects.get(user=host).reviews_received == 2


def _join_existing(host, member):
    order = groupbuys.groupbuy_create(host=host, title="또 시켜요", category="치킨", target_count=2)
    groupbuys.groupbuy_join(group_order_id=order.pk, user=member)
    return order, host


def test_people_who_never_shared_the_order_can_neither_rate_nor_be_rated():
    order, host, (kim,) = delivered_order(1)
    stranger = UserFactory()
    with pytest.raises(PermissionDenied) as outsider:
        rate(stranger, order, host)
    assert outsider.value.code == "not_member"
    with pytest.raises(ReviewRefused) as not_member:
        rate(kim, order, stranger)
    assert not_member.value.field == "reviewee_id"
    with pytest.raises(ReviewRefused):
        rate(kim, order, kim)
    assert not Review.objects.exists()
    assert tenths(host) == tenths(stranger) == MANNER_START_TENTHS


def test_a_member_who_left_before_delivery_cannot_rate():
    order, host, (kim, lee) = order_with_members(2)
    groupbuys.groupbuy_leave(group_order_id=order.pk, user=lee)
    order = deliver(order, host)
    with pytest.raises(PermissionDenied):
        rate(lee, order, host)


def test_not_before_the_order_is_over():
    order, host, (kim,) = order_with_members(1)
    with pytest.raises(ReviewRefused) as early:
        rate(kim, order, host)
    assert early.value.code == "review_closed"
    assert "배달이 끝난 뒤" in early.value.message
    groupbuys.groupbuy_close(group_order_id=order.pk, user=host)
    groupbuys.groupbuy_status_change(group_order_id=order.pk, user=host, status="ordered")
    with pytest.raises(ReviewRefused):
        rate(kim, order, host)


def test_the_window_closes_seven_days_after_delivery(settings):
    order, host, (kim, lee) = delivered_order(2)
    ended = order.status_changed_at
    GroupOrder.objects.filter(pk=order.pk).update(
        status_changed_at=ended - timedelta(days=7) + timedelta(minutes=1)
    )
    order.refresh_from_db()
    rate(kim, order, host)  # one minute left
    GroupOrder.objects.filter(pk=order.pk).update(status_changed_at=ended - timedelta(days=7))
    order.refresh_from_db()
    with pytest.raises(ReviewRefused) as late:
        rate(lee, order, host)
    assert "7일 안에만" in late.value.message
    settings.TRUST_REVIEW_DAYS = 8
    rate(lee, order, host)


def _cancel(order, host) -> GroupOrder:
    groupbuys.groupbuy_status_change(group_order_id=order.pk, user=host, status="cancelled")
    order.refresh_from_db()
    return order


def test_a_cancelled_order_before_anyone_paid_cannot_be_reviewed():
    order, host, (kim,) = order_with_members(1)
    order = _cancel(order, host)
    with pytest.raises(ReviewRefused) as refused:
        rate(kim, order, host)
    assert "결제 전에 취소된" in refused.value.message
    assert reviews.review_entry(user=kim, group_order=order, is_member=True) is None


@pytest.mark.parametrize(
    "payment, paid",
    [
        ("direct", {"paid_at": True}),  # the host ticked "입금 확인"
        ("direct", {"sent_at": True}),  # the member said "송금했어요"
        ("prepaid", {"captured": 12_000}),  # the app captured the share
    ],
)
def test_a_cancelled_order_after_members_paid_can_be_reviewed(payment, paid):
    # Today's transitions cancel only before "주문완료", so the paid rows are written
    # directly: the rule must hold whichever path (staff, a job) cancels a paid order.
    order, host, (kim,) = order_with_members(1)
    order = _cancel(order, host)
    GroupOrder.objects.filter(pk=order.pk).update(payment=payment)
    order.refresh_from_db()
    now = timezone.now()
    fields = {k: (now if v is True else v) for k, v in paid.items()}
    Participation.objects.filter(group_order=order, user=kim).update(**fields)
    rate(kim, order, host)
    rate(host, order, kim)
    assert Review.objects.filter(group_order=order).count() == 2


def test_the_hosts_own_paid_row_does_not_open_a_cancelled_order():
    order, host, (kim,) = order_with_members(1)
    order = _cancel(order, host)
    Participation.objects.filter(group_order=order, user=host).update(paid_at=timezone.now())
    with pytest.raises(ReviewRefused):
        rate(kim, order, host)


def test_a_suspended_or_banned_person_cannot_review():
    order, host, (kim,) = delivered_order(1)
    Standing.objects.create(
        user=kim,
        restriction=Standing.Restriction.SUSPENDED,
        restricted_until=timezone.now() + timedelta(days=3),
    )
    with pytest.raises(AccountRestricted) as refused:
        rate(kim, order, host)
    assert refused.value.status_code == 403
    Standing.objects.create(user=host, restriction=Standing.Restriction.BANNED)
    with pytest.raises(AccountRestricted):
        rate(host, order, kim)
    # A lifted suspension lets them review again.
    Standing.objects.filter(user=kim).update(restricted_until=timezone.now() - timedelta(1))
    rate(kim, order, host)


@pytest.mark.parametrize("who_blocked", ["reviewer", "reviewee"])
def test_a_blocked_pair_cannot_rate_each_other(who_blocked):
    order, host, (kim, lee) = delivered_order(2)
    blocker, blocked = (kim, lee) if who_blocked == "reviewer" else (lee, kim)
    Block.objects.create(blocker=blocker, blocked=blocked)
    with pytest.raises(Blocked):
        rate(kim, order, lee)
    with pytest.raises(Blocked):
        rate(lee, order, kim)
    # Neither sees the other among the people to rate; both still rate the host.
    found = reviews.review_targets(user=kim, group_order=order)
    assert [t.user.pk for t in found.targets] == [host.pk]
    rate(kim, order, host)


# --- input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "positive, tags, field",
    [
        (True, ["noshow"], "tags"),  # a 👍 with a bad tag
        (False, ["kind"], "tags"),  # a 👎 with a good tag
        (True, ["made_up"], "tags"),
        (True, "on_time", "tags"),
        (True, [1], "tags"),
        ("yes", [], "positive"),
    ],
)
def test_tags_come_from_the_list_and_match_the_thumb(positive, tags, field):
    order, host, (kim,) = delivered_order(1)
    with pytest.raises(ReviewRefused) as refused:
        reviews.review_create(
            reviewer=kim, group_order=order, reviewee=host, positive=positive, tags=tags
        )
    assert refused.value.field == field
    assert not Review.objects.exists()


def test_text_is_at_most_300_characters():
    order, host, (kim, lee) = delivered_order(2)
    with pytest.raises(ReviewRefused) as long:
        rate(kim, order, host, text="가" * 301)
    assert long.value.field == "text"
    review = rate(kim, order, host, text="  " + "가" * 300 + "  ")
    assert review.text == "가" * 300
    # Duplicate tags collapse; their order is the list's.
    review = rate(lee, order, host, tags=["kind", "on_time", "kind"])
    assert review.tags == ["on_time", "kind"]


# --- the score and the notice -----------------------------------------------------------------


def test_a_review_moves_the_score_in_the_same_transaction():
    order, host, (kim, lee) = delivered_order(2)
    rate(kim, order, host, tags=[ReviewTag.ON_TIME, ReviewTag.QUICK_SETTLE])
    up = tenths(host)
    assert up > MANNER_START_TENTHS
    rate(lee, order, host, positive=False, tags=[ReviewTag.NOSHOW])
    assert tenths(host) < up
    standing = Standing.objects.get(user=host)
    assert standing.reviews_received == 2
    # Recomputed from the reviews, not drifted: the same number again.
    assert reviews.manner_recompute(user_id=host.pk).manner_tenths == standing.manner_tenths


def test_the_daily_job_applies_ageing():
    order, host, (kim,) = delivered_order(1)
    rate(kim, order, host)
    fresh = tenths(host)
    Review.objects.update(created_at=timezone.now() - timedelta(days=400))
    assert reviews.manner_refresh_all() == 1
    aged = tenths(host)
    assert MANNER_START_TENTHS < aged < fresh
    # Faded out, even after the job missed many days: back to the start, then left alone.
    Review.objects.update(created_at=timezone.now() - timedelta(days=1000))
    assert reviews.manner_refresh_all() == 1
    assert tenths(host) == MANNER_START_TENTHS
    assert reviews.manner_refresh_all() == 0
    assert tenths(host) == MANNER_START_TENTHS


def test_the_job_is_registered_daily():
    from mealbuddy.jobs.registry import periodic_jobs

    job = {j.name: j for j in periodic_jobs()}["trust.manner_refresh"]
    assert job.every_minutes == 24 * 60


def test_the_rated_person_is_notified_with_the_nickname_only(django_capture_on_commit_callbacks):
    order, host, (kim,) = delivered_order(1)
    with django_capture_on_commit_callbacks(execute=True):
        rate(kim, order, host, positive=False, tags=["unreachable"], text="비밀 메시지")
    notice = Notification.objects.get(user=host, kind=Notification.Kind.REVIEW)
    assert notice.text.startswith("새 후기가 도착했어요")
    assert kim.display_name in notice.text
    assert "비밀" not in notice.text and "연락" not in notice.text
    assert notice.url == "/reviews/received/"
    assert not Notification.objects.filter(user=kim, kind=Notification.Kind.REVIEW).exists()


# --- the 노쇼 auto-flag -------------------------------------------------------------------------


def _noshow_orders(target, count: int):
    """``count`` delivered orders hosted by ``target``, each with one member who rates them
    노쇼."""
    made = []
    for _ in range(count):
        order, host, (member,) = delivered_order(1, host=target)
        made.append((order, member))
    return made


def test_three_noshow_tags_from_different_orders_flag_the_person_once():
    target = UserFactory()
    orders = _noshow_orders(target, 4)
    for order, member in orders[:2]:
        rate(member, order, target, positive=False, tags=["noshow"])
    assert not Report.objects.exists()
    order, member = orders[2]
    rate(member, order, target, positive=False, tags=["noshow", "unreachable"])
    report = Report.objects.get()
    assert report.source == Report.Source.AUTO
    assert report.reason == Report.Reason.FRAUD
    assert report.target == Report.Target.USER
    assert report.target_user == target and report.status == Report.Status.OPEN
    assert report.reporter is None
    assert sorted(o["id"] for o in report.snapshot["orders"]) == sorted(o.pk for o, _ in orders[:3])
    action = ModerationAction.objects.get()
    assert action.kind == ModerationAction.Kind.FLAG and action.staff is None
    assert action.report == report and action.target_user == target
    # A fourth while that report is open: no second report.
    order, member = orders[3]
    rate(member, order, target, positive=False, tags=["noshow"])
    assert Report.objects.count() == 1
    # Once staff handled it, the next 노쇼 flags again.
    Report.objects.update(status=Report.Status.DISMISSED)
    extra_order, extra_member = _noshow_orders(target, 1)[0]
    rate(extra_member, extra_order, target, positive=False, tags=["noshow"])
    assert Report.objects.filter(status=Report.Status.OPEN).count() == 1


def test_three_noshow_tags_on_one_order_do_not_flag():
    order, host, members = delivered_order(3)
    for member in members:
        rate(member, order, host, positive=False, tags=["noshow"])
    assert not Report.objects.exists()
    assert not ModerationAction.objects.exists()


def test_noshow_tags_older_than_thirty_days_do_not_count():
    target = UserFactory()
    orders = _noshow_orders(target, 3)
    first, member = orders[0]
    rate(member, first, target, positive=False, tags=["noshow"])
    Review.objects.update(created_at=timezone.now() - timedelta(days=31))
    for order, member in orders[1:]:
        rate(member, order, target, positive=False, tags=["noshow"])
    assert not Report.objects.exists()


def test_other_bad_tags_do_not_flag():
    target = UserFactory()
    for order, member in _noshow_orders(target, 3):
        rate(member, order, target, positive=False, tags=["unreachable"])
    assert not Report.objects.exists()


# --- what the viewer may still do --------------------------------------------------------------


def test_targets_say_who_is_left_and_until_when():
    order, host, (kim, lee) = delivered_order(2)
    found = reviews.review_targets(user=kim, group_order=order)
    assert found.open and found.left == 2
    assert found.window.ends_at == order.status_changed_at + timedelta(days=7)
    assert found.window.days_left() == 6
    rate(kim, order, host, text="고마워요")
    found = reviews.review_targets(user=kim, group_order=order)
    assert found.left == 1
    given = {t.user.pk: t.given for t in found.targets}
    assert given[host.pk].text == "고마워요" and given[lee.pk] is None
    # Someone else's view never carries what kim wrote.
    other = reviews.review_targets(user=lee, group_order=order)
    assert all(t.given is None for t in other.targets)
    stranger = reviews.review_targets(user=UserFactory(), group_order=order)
    assert not stranger.open and stranger.targets == []


def test_order_page_entry_only_for_members_of_a_finished_order():
    order, host, (kim,) = order_with_members(1)
    assert reviews.review_entry(user=kim, group_order=order, is_member=True) is None
    order = deliver(order, host)
    entry = reviews.review_entry(user=kim, group_order=order, is_member=True)
    assert entry.left == 1 and entry.days_left == 6
    assert entry.url == f"/groupbuys/{order.pk}/reviews/"
    assert reviews.review_entry(user=UserFactory(), group_order=order, is_member=False) is None
    rate(kim, order, host)
    assert reviews.review_entry(user=kim, group_order=order, is_member=True) is None
