from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

# 매너 점수 is kept in tenths (365 = 36.5) so it is exact and sorts as an integer.
MANNER_START_TENTHS = 365
MANNER_MAX_TENTHS = 990


class ReviewTag(models.TextChoices):
    """What a neighbour can say about another in one tap; ``NOSHOW`` feeds the auto-flag."""

    ON_TIME = "on_time", "시간 약속을 잘 지켜요"
    QUICK_SETTLE = "quick_settle", "정산이 빨라요"
    KIND = "kind", "친절해요"
    UNREACHABLE = "unreachable", "연락이 안 돼요"
    NOSHOW = "noshow", "노쇼"


POSITIVE_TAGS = frozenset({ReviewTag.ON_TIME, ReviewTag.QUICK_SETTLE, ReviewTag.KIND})
NEGATIVE_TAGS = frozenset({ReviewTag.UNREACHABLE, ReviewTag.NOSHOW})


class Standing(models.Model):
    """One person's standing with the neighbours, read with ``select_related`` on lists.

    A row appears the first time something is recorded (verification, review, sanction);
    ``selectors.standing_of`` answers with the defaults for someone who has none.
    """

    class Restriction(models.TextChoices):
        NONE = "", "없음"
        SUSPENDED = "suspended", "이용 정지"
        BANNED = "banned", "영구 정지"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="standing",
    )
    manner_tenths = models.PositiveSmallIntegerField("매너 점수 (×10)", default=MANNER_START_TENTHS)
    reviews_received = models.PositiveIntegerField("받은 후기", default=0)
    # 동네인증: valid while ``verified_region`` is still the person's 동 and before the end.
    verified_region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_until = models.DateTimeField(null=True, blank=True)
    restriction = models.CharField(
        max_length=10, choices=Restriction.choices, blank=True, default=Restriction.NONE
    )
    # None with BANNED: for good. With SUSPENDED: the moment it lifts by itself.
    restricted_until = models.DateTimeField(null=True, blank=True, db_index=True)
    restriction_reason = models.CharField(max_length=200, blank=True)
    warnings = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(manner_tenths__lte=MANNER_MAX_TENTHS), name="standing_manner_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} standing"

    @property
    def manner_score(self) -> Decimal:
        return Decimal(self.manner_tenths) / 10


class VerificationAttempt(models.Model):
    """One "동네 인증하기" try. The position itself is never stored: only which 동 it fell
    in and how far it was from the claimed 동, enough to judge later attempts."""

    class Outcome(models.TextChoices):
        VERIFIED = "verified", "인증됨"
        FAR = "far", "동네에서 멀어요"
        JUMP = "jump", "짧은 시간에 먼 곳"
        OUTSIDE = "outside", "국내가 아님"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_attempts"
    )
    claimed_region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    found_region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    distance_m = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]


class Review(models.Model):
    """One member's rating of another after an order they shared."""

    group_order = models.ForeignKey(
        "groupbuys.GroupOrder", on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_given"
    )
    reviewee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_received"
    )
    positive = models.BooleanField("좋았어요")
    tags = models.JSONField(default=list, blank=True)
    # Only the rated person sees it.
    text = models.CharField("하고 싶은 말", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group_order", "reviewer", "reviewee"], name="review_once_per_order"
            ),
            models.CheckConstraint(
                condition=~Q(reviewer=models.F("reviewee")), name="review_not_self"
            ),
        ]
        indexes = [models.Index(fields=["reviewee", "-created_at"])]


class Block(models.Model):
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"])]


class Report(models.Model):
    """A report of a person, an order, a chat message, or a 동네생활 post or comment, with
    what it said at the time."""

    class Target(models.TextChoices):
        USER = "user", "사용자"
        ORDER = "order", "모집글"
        MESSAGE = "message", "채팅 메시지"
        POST = "post", "동네생활 글"
        COMMENT = "comment", "댓글"

    class Reason(models.TextChoices):
        FRAUD = "fraud", "사기/노쇼"
        ABUSE = "abuse", "욕설"
        SPAM = "spam", "스팸"
        OTHER = "other", "기타"

    class Source(models.TextChoices):
        USER = "user", "신고"
        AUTO = "auto", "자동 감지"

    class Status(models.TextChoices):
        OPEN = "open", "처리 전"
        DISMISSED = "dismissed", "기각"
        ACTIONED = "actioned", "조치함"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_made",
    )
    target = models.CharField(max_length=8, choices=Target.choices)
    # The person the report is about: the user, the order's host, the message's author.
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_received"
    )
    group_order = models.ForeignKey(
        "groupbuys.GroupOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "chat.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 동네생활 (the community app sits above trust: only these references name it).
    post = models.ForeignKey(
        "community.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        "community.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=8, choices=Reason.choices)
    text = models.CharField("내용", max_length=1000, blank=True)
    # The reported content as it was when reported (title, text, author...).
    snapshot = models.JSONField(default=dict)
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.USER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["target_user", "status"]),
        ]


class ModerationAction(models.Model):
    """The audit log: every staff decision (and every automatic lift), who, when, why."""

    class Kind(models.TextChoices):
        DISMISS = "dismiss", "기각"
        HIDE_ORDER = "hide_order", "모집글 숨김"
        HIDE_MESSAGE = "hide_message", "메시지 숨김"
        HIDE_POST = "hide_post", "동네생활 글 숨김"
        HIDE_COMMENT = "hide_comment", "댓글 숨김"
        WARN = "warn", "경고"
        SUSPEND = "suspend", "이용 정지"
        BAN = "ban", "영구 정지"
        LIFT = "lift", "제재 해제"
        FLAG = "flag", "자동 신고"

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_actions",
    )
    kind = models.CharField(max_length=14, choices=Kind.choices)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group_order = models.ForeignKey(
        "groupbuys.GroupOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        "chat.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        "community.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        "community.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    reason = models.CharField("사유", max_length=500)
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
