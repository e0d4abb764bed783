"""후기 and 매너 점수: neighbours rate each other after an order they shared (issue 12).

The rules, written once here and asked by REST, the pages and the order page's entry:

- The order is over: delivered, or cancelled after members had paid (money captured on a
  prepaid order, or "입금 확인" / "송금했어요" on a direct one).
- The window: ``TRUST_REVIEW_DAYS`` (7) days from that end (``status_changed_at``).
- Reviewer and reviewee were both members (the host counts); never oneself.
- Once per pair per order (the database constraint stands behind it: 409).
- Tags from ``ReviewTag``, on the matching side (👍 with the good ones, 👎 with the bad
  ones); text at most 300 characters, read only by the rated person.
- A suspended or banned reviewer is refused; so is a pair where either blocked the other.

Each review recomputes the reviewee's 매너 점수 from all their reviews (``manner_tenths``)
on the locked Standing row, so the score is exact and reproducible; a daily job applies
ageing. Three 노쇼 tags from different orders within ``TRUST_NOSHOW_FLAG_DAYS`` put the
person in the moderation queue (an automatic Report and an audit row).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from mealbuddy.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.notifications.models import Notification
from mealbuddy.notifications.services import notifications_send
from mealbuddy.trust.errors import Blocked, ReviewRefused
from mealbuddy.trust.models import (
    MANNER_MAX_TENTHS,
    MANNER_START_TENTHS,
    NEGATIVE_TAGS,
    POSITIVE_TAGS,
    ModerationAction,
    Report,
    Review,
    ReviewTag,
    Standing,
)
from mealbuddy.trust.selectors import block_between, blocked_ids, restriction_check

Status = GroupOrder.Status
REVIEW_TEXT_MAX = 300
RECEIVED_URL = "/reviews/received/"


def review_page_url(group_order_id: int) -> str:
    return f"/groupbuys/{group_order_id}/reviews/"


# --- 매너 점수: the one formula ----------------------------------------------------------------

# Points one review is worth before ageing.
THUMB_POINTS = {True: 1.0, False: -1.0}
TAG_POINTS = {
    ReviewTag.ON_TIME: 0.5,
    ReviewTag.QUICK_SETTLE: 0.5,
    ReviewTag.KIND: 0.5,
    ReviewTag.UNREACHABLE: -1.0,
    ReviewTag.NOSHOW: -3.0,
}
# How many (aged) points take the score halfway from 36.5 to its bound (99 up, 0 down).
HALFWAY_POINTS = 50.0
# Ageing: full weight now, half at one year, nothing from 18 months on.
YEAR_DAYS = 365
FADE_OUT_DAYS = 545


def review_points(*, positive: bool, tags: Iterable[str]) -> float:
    """What one review says, before ageing: 👍 +1 / 👎 −1, each good tag +0.5,
    "연락이 안 돼요" −1, "노쇼" −3 (a 👍 carries only good tags, a 👎 only bad ones)."""
    return THUMB_POINTS[bool(positive)] + sum(TAG_POINTS.get(tag, 0.0) for tag in set(tags))


def review_weight(*, age_days: float) -> float:
    """How much a review of this age still counts: 1 when new, falling linearly to 0.5 at one
    year, then to 0 at 18 months. The last 12 months count most, older ones little or not."""
    age = max(age_days, 0.0)
    if age <= YEAR_DAYS:
        return 1.0 - 0.5 * age / YEAR_DAYS
    if age < FADE_OUT_DAYS:
        return 0.5 * (FADE_OUT_DAYS - age) / (FADE_OUT_DAYS - YEAR_DAYS)
    return 0.0


def manner_tenths(reviews: Iterable[tuple[bool, Iterable[str], datetime]], *, now) -> int:
    """The 매너 점수 (in tenths, 365 = 36.5) from every review a person received.

    ``reviews`` are ``(positive, tags, created_at)``. Each review's points
    (``review_points``) are multiplied by its age weight (``review_weight``) and summed to
    ``S``. The score moves from the start 36.5 towards 99 when ``S > 0`` and towards 0 when
    ``S < 0``, covering ``|S| / (|S| + HALFWAY_POINTS)`` of the way: the first reviews move
    it most, it can approach but never pass the bounds, and it grows with every 👍 added.
    Rounded to the nearest tenth and clamped to 0..990. A pure function of its inputs:
    the same reviews at the same moment always give the same score.
    """
    total = math.fsum(  # exact, so the order of the reviews never changes the result
        review_weight(age_days=(now - created_at).total_seconds() / 86400)
        * review_points(positive=positive, tags=tags)
        for positive, tags, created_at in reviews
    )
    start = MANNER_START_TENTHS / 10
    share = abs(total) / (abs(total) + HALFWAY_POINTS)
    score = start + (99.0 - start) * share if total >= 0 else start - start * share
    return min(max(math.floor(score * 10 + 0.5), 0), MANNER_MAX_TENTHS)


def manner_recompute(*, user_id: int, now=None) -> Standing:
    """Recompute ``user_id``'s 매너 점수 and count of received reviews from their reviews, on
    the locked Standing row (created if missing). Call inside a transaction."""
    now = now or timezone.now()
    Standing.objects.get_or_create(user_id=user_id)
    standing = Standing.objects.select_for_update().get(user_id=user_id)
    rows = list(
        Review.objects.filter(reviewee_id=user_id).values_list("positive", "tags", "created_at")
    )
    standing.manner_tenths = manner_tenths(rows, now=now)
    standing.reviews_received = len(rows)
    standing.save(update_fields=["manner_tenths", "reviews_received", "updated_at"])
    return standing


def manner_refresh_all(*, now=None) -> int:
    """The daily job: recompute everyone whose reviews are still ageing (any review younger
    than the fade-out, with a week's margin), and anyone whose score still shows reviews
    that have all faded out since (a scheduler that was down for a while catches up).
    Idempotent; returns how many scores were recomputed."""
    now = now or timezone.now()
    since = now - timedelta(days=FADE_OUT_DAYS + 7)
    ageing = set(Review.objects.filter(created_at__gte=since).values_list("reviewee_id", flat=True))
    stale = set(
        Standing.objects.exclude(manner_tenths=MANNER_START_TENTHS)
        .exclude(user_id__in=ageing)
        .filter(user__reviews_received__isnull=False)
        .values_list("user_id", flat=True)
    )
    user_ids = sorted(ageing | stale)
    for user_id in user_ids:
        with transaction.atomic():
            manner_recompute(user_id=user_id, now=now)
    return len(user_ids)


# --- the window ---------------------------------------------------------------------------------


def _members_paid(group_order: GroupOrder) -> bool:
    """Had members paid before the order was cancelled? Captured money on a prepaid order;
    "입금 확인" or "송금했어요" on a direct one (the host's own row does not count)."""
    paid = (
        Q(captured__gt=0)
        if group_order.is_prepaid
        else Q(paid_at__isnull=False) | Q(sent_at__isnull=False)
    )
    return (
        Participation.objects.filter(group_order_id=group_order.pk)
        .exclude(user_id=group_order.host_id)
        .filter(paid)
        .exists()
    )


@dataclass(frozen=True)
class ReviewWindow:
    """Whether the order can be reviewed now, until when, or why not."""

    open: bool
    ends_at: datetime | None = None
    reason: str = ""

    def days_left(self, now=None) -> int | None:
        """Whole days left (0 on the last day: "오늘까지")."""
        if not self.open or self.ends_at is None:
            return None
        remaining = self.ends_at - (now or timezone.now())
        return max(math.floor(remaining.total_seconds() / 86400), 0)


def review_window(*, group_order: GroupOrder, now=None) -> ReviewWindow:
    """When the members of ``group_order`` may rate each other (at most one query)."""
    now = now or timezone.now()
    if group_order.status == Status.DELIVERED:
        pass
    elif group_order.status == Status.CANCELLED:
        if not _members_paid(group_order):
            return ReviewWindow(False, reason="결제 전에 취소된 주문이라 후기를 남길 수 없어요.")
    else:
        return ReviewWindow(False, reason="배달이 끝난 뒤에 후기를 남길 수 있어요.")
    ends_at = group_order.status_changed_at + timedelta(days=settings.TRUST_REVIEW_DAYS)
    if ends_at <= now:
        days = settings.TRUST_REVIEW_DAYS
        return ReviewWindow(
            False, ends_at=ends_at, reason=f"후기는 주문이 끝나고 {days}일 안에만 남길 수 있어요."
        )
    return ReviewWindow(True, ends_at=ends_at)


# --- whom the viewer may rate ------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewTarget:
    """One co-member on the review page: can I rate them, and what I already gave."""

    user: object
    allowed: bool
    reason: str = ""
    given: Review | None = None

    @property
    def given_labels(self) -> list[str]:
        return [t["label"] for t in tag_labels(self.given.tags)] if self.given else []


@dataclass(frozen=True)
class ReviewTargets:
    window: ReviewWindow
    is_member: bool
    targets: list[ReviewTarget] = field(default_factory=list)

    @property
    def left(self) -> int:
        return sum(1 for t in self.targets if t.allowed)

    @property
    def open(self) -> bool:
        return self.is_member and self.window.open


NOT_MEMBER = "이 주문에 함께한 사람만 후기를 남길 수 있어요."
ALREADY = "이미 후기를 남겼어요."
BLOCKED = "차단한 사이에서는 후기를 남길 수 없어요."


def review_pair_refusal(
    *,
    window: ReviewWindow,
    reviewer_id: int,
    reviewee_id: int,
    member_ids: set[int],
    blocked: bool,
) -> ApplicationError | None:
    """Why ``reviewer_id`` may not rate ``reviewee_id`` on this order now (None: allowed).
    The one rule ``review_targets`` (what the pages offer) and ``review_create`` (what is
    enforced) both ask; once per pair is the database constraint's (see ``review_create``)."""
    if reviewer_id not in member_ids:
        return PermissionDenied(NOT_MEMBER, code="not_member")
    if reviewee_id == reviewer_id:
        return ReviewRefused("자기 자신에게는 후기를 남길 수 없어요.", field="reviewee_id")
    if reviewee_id not in member_ids:
        return ReviewRefused(
            "이 주문에 함께한 사람에게만 후기를 남길 수 있어요.", field="reviewee_id"
        )
    if not window.open:
        return ReviewRefused(window.reason, code="review_closed")
    if blocked:
        return Blocked(BLOCKED)
    return None


def _members(group_order: GroupOrder) -> list[Participation]:
    return list(
        Participation.objects.filter(group_order_id=group_order.pk)
        .select_related("user")
        .order_by("joined_at", "id")
    )


def review_targets(
    *, user, group_order: GroupOrder, members: list[Participation] | None = None, now=None
) -> ReviewTargets:
    """Which co-members ``user`` may still rate on ``group_order``, until when, and the
    reviews they already gave there. A fixed number of queries whatever the headcount:
    members (none when ``members``, Participations with ``user``, are passed), my reviews,
    blocks, and for a cancelled order whether members had paid."""
    now = now or timezone.now()
    if members is None:
        members = _members(group_order)
    if user is None or user.pk not in {m.user_id for m in members}:
        return ReviewTargets(
            window=review_window(group_order=group_order, now=now), is_member=False
        )
    window = review_window(group_order=group_order, now=now)
    given = {
        r.reviewee_id: r
        for r in Review.objects.filter(group_order_id=group_order.pk, reviewer_id=user.pk)
    }
    hidden = blocked_ids(user=user)
    member_ids = {m.user_id for m in members}
    targets = []
    for member in members:
        if member.user_id == user.pk:
            continue
        mine = given.get(member.user_id)
        if mine is not None:
            targets.append(ReviewTarget(member.user, False, ALREADY, mine))
            continue
        if member.user_id in hidden:
            continue  # a blocked person is not shown at all
        refusal = review_pair_refusal(
            window=window,
            reviewer_id=user.pk,
            reviewee_id=member.user_id,
            member_ids=member_ids,
            blocked=False,
        )
        targets.append(
            ReviewTarget(member.user, refusal is None, refusal.message if refusal else "")
        )
    return ReviewTargets(window=window, is_member=True, targets=targets)


@dataclass(frozen=True)
class ReviewEntry:
    """The order page's "후기 남기기" entry: where, how many left, how many days left."""

    url: str
    left: int
    days_left: int


def review_entry(
    *,
    user,
    group_order: GroupOrder,
    is_member: bool,
    members: list[Participation] | None = None,
    now=None,
) -> ReviewEntry | None:
    """The "후기 남기기" entry for the order page, or None when there is nothing to rate.
    No query unless the order is over and ``user`` is a member; then two (my reviews,
    blocks) with the page's ``members``, one more on a cancelled order."""
    if not is_member or group_order.status not in (Status.DELIVERED, Status.CANCELLED):
        return None
    now = now or timezone.now()
    found = review_targets(user=user, group_order=group_order, members=members, now=now)
    if not found.open or found.left == 0:
        return None
    return ReviewEntry(
        url=review_page_url(group_order.pk),
        left=found.left,
        days_left=found.window.days_left(now) or 0,
    )


# --- writing a review -------------------------------------------------------------------------


def _clean_tags(tags, *, positive: bool) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str) or not isinstance(tags, (list, tuple)):
        raise ReviewRefused("태그를 목록으로 보내 주세요.", field="tags")
    cleaned: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or tag not in ReviewTag.values:
            raise ReviewRefused("고를 수 없는 태그예요.", field="tags")
        if tag not in cleaned:
            cleaned.append(tag)
    side = POSITIVE_TAGS if positive else NEGATIVE_TAGS
    if any(tag not in side for tag in cleaned):
        message = (
            "좋았어요에는 좋은 점 태그만 고를 수 있어요."
            if positive
            else "아쉬웠어요에는 아쉬운 점 태그만 고를 수 있어요."
        )
        raise ReviewRefused(message, field="tags")
    return [tag for tag in ReviewTag.values if tag in cleaned]


def _clean_text(text) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ReviewRefused("글로 적어 주세요.", field="text")
    text = text.strip()
    if "\x00" in text:
        raise ReviewRefused("쓸 수 없는 문자가 있어요.", field="text")
    if len(text) > REVIEW_TEXT_MAX:
        raise ReviewRefused(f"하고 싶은 말은 {REVIEW_TEXT_MAX}자까지 쓸 수 있어요.", field="text")
    return text


def _reviewee(reviewee) -> object:
    if isinstance(reviewee, get_user_model()):
        return reviewee
    try:
        return get_user_model().objects.get(pk=int(reviewee))
    except (TypeError, ValueError, OverflowError, get_user_model().DoesNotExist):
        raise ReviewRefused("후기를 남길 사람을 찾을 수 없어요.", field="reviewee_id") from None


@transaction.atomic
def review_create(
    *,
    reviewer,
    group_order: GroupOrder,
    reviewee,
    positive: bool,
    tags: Iterable[str] | None = None,
    text: str | None = "",
) -> Review:
    """``reviewer`` rates ``reviewee`` (a user or their id) for ``group_order``.

    Raises ``AccountRestricted`` (403) for a suspended/banned reviewer, ``ReviewRefused``
    (400, with the field) for bad input, a closed window or a reviewee who was not a
    member, ``PermissionDenied`` (403) when the reviewer was not a member, ``Blocked``
    (403) for a blocked pair, ``Conflict`` (409, code ``already_reviewed``) the second time.
    The reviewee's 매너 점수 is recomputed in the same transaction; they are notified.
    """
    restriction_check(user=reviewer)
    if not isinstance(positive, bool):
        raise ReviewRefused("좋았는지 아쉬웠는지 골라 주세요.", field="positive")
    clean_tags = _clean_tags(tags, positive=positive)
    clean_text = _clean_text(text)
    reviewee = _reviewee(reviewee)
    member_ids = set(
        Participation.objects.filter(group_order_id=group_order.pk).values_list(
            "user_id", flat=True
        )
    )
    refusal = review_pair_refusal(
        window=review_window(group_order=group_order),
        reviewer_id=reviewer.pk,
        reviewee_id=reviewee.pk,
        member_ids=member_ids,
        blocked=reviewer.pk in member_ids
        and block_between(user_id=reviewer.pk, other_id=reviewee.pk),
    )
    if refusal is not None:
        raise refusal
    try:
        with transaction.atomic():
            review = Review.objects.create(
                group_order_id=group_order.pk,
                reviewer=reviewer,
                reviewee=reviewee,
                positive=positive,
                tags=clean_tags,
                text=clean_text,
            )
    except IntegrityError:
        raise Conflict(ALREADY, code="already_reviewed") from None
    manner_recompute(user_id=reviewee.pk)
    if ReviewTag.NOSHOW in clean_tags:
        noshow_flag_check(user_id=reviewee.pk)
    notifications_send(
        users=[reviewee],
        kind=Notification.Kind.REVIEW,
        text=f"새 후기가 도착했어요. {reviewer.display_name} 님이 남겼어요."[:200],
        group_order=group_order,
        url=RECEIVED_URL,
    )
    return review


# --- the automatic 노쇼 flag -------------------------------------------------------------------


def noshow_flag_check(*, user_id: int, now=None) -> Report | None:
    """Three 노쇼 tags from different orders within ``TRUST_NOSHOW_FLAG_DAYS`` put the person
    in the moderation queue: one automatic Report (and its audit row), unless an automatic
    report about them is still open. Call with their Standing row locked (``review_create``
    does), so two reviews at once flag once. Returns the new report, or None."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.TRUST_NOSHOW_FLAG_DAYS)
    rows = (
        Review.objects.filter(reviewee_id=user_id, positive=False, created_at__gte=since)
        .select_related("group_order")
        .order_by("-created_at", "-id")
    )
    orders: dict[int, dict] = {}
    for review in rows:
        if ReviewTag.NOSHOW in review.tags and review.group_order_id not in orders:
            orders[review.group_order_id] = {
                "id": review.group_order_id,
                "title": review.group_order.title,
                "review_id": review.pk,
                "reviewed_at": review.created_at.isoformat(),
            }
    needed = settings.TRUST_NOSHOW_FLAG_ORDERS
    if len(orders) < needed:
        return None
    open_auto = Report.objects.filter(
        target_user_id=user_id, source=Report.Source.AUTO, status=Report.Status.OPEN
    )
    if open_auto.exists():
        return None
    days = settings.TRUST_NOSHOW_FLAG_DAYS
    why = f"{days}일 안에 서로 다른 주문 {len(orders)}건에서 노쇼 후기를 받았어요."
    reviewee = get_user_model().objects.get(pk=user_id)
    report = Report.objects.create(
        reporter=None,
        target=Report.Target.USER,
        target_user_id=user_id,
        reason=Report.Reason.FRAUD,
        text=why,
        source=Report.Source.AUTO,
        snapshot={
            "kind": "noshow_reviews",
            "user": {"id": user_id, "nickname": reviewee.display_name},
            "days": days,
            "orders": list(orders.values()),
        },
    )
    ModerationAction.objects.create(
        staff=None,
        kind=ModerationAction.Kind.FLAG,
        target_user_id=user_id,
        report=report,
        reason=why,
    )
    return report


# --- reading ---------------------------------------------------------------------------------


def review_access_order(*, user, id) -> GroupOrder:
    """The group order ``id`` for the review page and API (404 for a missing or hidden one)."""
    try:
        group_order = GroupOrder.objects.select_related("host").get(pk=int(id))
    except (GroupOrder.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("주문을 찾을 수 없어요.") from None
    if group_order.hidden_at is not None and group_order.host_id != getattr(user, "pk", None):
        raise NotFound("주문을 찾을 수 없어요.")
    return group_order


def reviews_received(*, user, limit: int, offset: int = 0) -> list[Review]:
    """The reviews ``user`` received, newest first, with the order and the reviewer (two
    joins, one query). Only ever called for the signed-in person: it includes the texts."""
    return list(
        Review.objects.filter(reviewee_id=user.pk)
        .select_related("reviewer", "group_order")
        .order_by("-created_at", "-id")[offset : offset + limit]
    )


def tag_labels(tags: Iterable[str]) -> list[dict]:
    return [{"code": tag, "label": ReviewTag(tag).label} for tag in tags if tag in ReviewTag.values]
