"""Recurring group orders ("금요일 치킨 열차", issue 14).

A ``Series`` is a host's order template plus a schedule (KST wall clock: weekly on chosen
weekdays at a time, or every N days from a start date). Each occurrence is an ordinary
``GroupOrder``, linked through an ``Occurrence`` row whose unique (series, deadline) pair is
what makes opening idempotent: a tick run twice, or two schedulers at once, open it once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from mealbuddy.groupbuys.models import CATEGORY_CHOICES, MAX_TARGET, MIN_TARGET, GroupOrder

# Korean weekday names, Monday first (``date.weekday()`` order; bit i of ``weekdays``).
WEEKDAY_NAMES = ["월", "화", "수", "목", "금", "토", "일"]
MIN_OPEN_BEFORE = 30  # minutes: an order must open at least 10 minutes before its deadline
MAX_OPEN_BEFORE = 24 * 60  # a group order's deadline is at most 24 hours ahead
MAX_INTERVAL_DAYS = 30


class Series(models.Model):
    class Kind(models.TextChoices):
        WEEKLY = "weekly", "매주"
        EVERY_N_DAYS = "days", "며칠마다"

    class State(models.TextChoices):
        ACTIVE = "active", "모집 중"
        PAUSED = "paused", "일시정지"
        ENDED = "ended", "끝남"

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hosted_series"
    )
    # --- the order template (what every occurrence copies) ---
    title = models.CharField("제목", max_length=30)
    description = models.TextField("내용", blank=True, max_length=2000)
    category = models.CharField("카테고리", max_length=20, choices=CATEGORY_CHOICES)
    restaurant = models.CharField("가게 이름", max_length=50, blank=True)
    min_order_amount = models.PositiveBigIntegerField("최소주문금액", default=0)
    delivery_fee = models.PositiveBigIntegerField("배달비", default=0)
    target_count = models.PositiveSmallIntegerField("모집 인원")
    pickup_spot = models.CharField("수령 장소", max_length=100, blank=True)
    fee_split = models.CharField(
        max_length=12, choices=GroupOrder.FeeSplit.choices, default=GroupOrder.FeeSplit.EQUAL
    )
    payment = models.CharField(
        "결제 방식",
        max_length=8,
        choices=GroupOrder.Payment.choices,
        default=GroupOrder.Payment.DIRECT,
    )
    noshow_deposit = models.PositiveIntegerField("노쇼 보증금", default=0)
    settle_account = models.CharField("정산 받을 계좌", max_length=100, blank=True)
    verified_only = models.BooleanField("동네인증한 이웃만", default=False)
    # The 동 the series recruits in (the host's when it was made): who may subscribe.
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    # --- the schedule (KST) ---
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.WEEKLY)
    weekdays = models.PositiveSmallIntegerField("요일", default=0)  # bit 0 = 월 … bit 6 = 일
    interval_days = models.PositiveSmallIntegerField("며칠마다", default=7)
    start_date = models.DateField("시작일")  # every-N-days anchor; weekly: first possible day
    deadline_time = models.TimeField("마감 시각")
    open_before = models.PositiveIntegerField("마감 몇 분 전에 열기", default=180)
    state = models.CharField(max_length=6, choices=State.choices, default=State.ACTIVE)
    # The next occurrence not opened yet, and when it opens (deadline − open_before): the
    # tick's one indexed read. Null once ended.
    next_deadline = models.DateTimeField(null=True, blank=True)
    next_open_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["next_open_at"], name="series_due", condition=Q(state="active")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_count__gte=MIN_TARGET) & Q(target_count__lte=MAX_TARGET),
                name="series_target_range",
            ),
            models.CheckConstraint(
                condition=Q(open_before__gte=MIN_OPEN_BEFORE) & Q(open_before__lte=MAX_OPEN_BEFORE),
                name="series_open_before_range",
            ),
            models.CheckConstraint(
                condition=Q(kind="days", interval_days__gte=1, interval_days__lte=MAX_INTERVAL_DAYS)
                | Q(kind="weekly", weekdays__gte=1, weekdays__lte=127),
                name="series_schedule_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Occurrence(models.Model):
    """One opening of a series: its deadline (the unique key) and the group order it opened."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="occurrences")
    deadline = models.DateTimeField()
    group_order = models.OneToOneField(
        "groupbuys.GroupOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="series_occurrence",
    )
    joins_done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deadline"]
        constraints = [
            models.UniqueConstraint(fields=["series", "deadline"], name="occurrence_once"),
        ]
        indexes = [
            # The tick's sweep for opened occurrences whose join task never ran.
            models.Index(
                fields=["created_at"],
                name="occurrence_joins_pending",
                condition=Q(joins_done_at__isnull=True, group_order__isnull=False),
            ),
        ]


class Subscription(models.Model):
    """ "매주 참여": join every occurrence automatically, through the join service."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="series_subscriptions"
    )
    use_points = models.BooleanField("포인트 먼저 쓰기", default=False)
    spending_cap = models.PositiveBigIntegerField("내 한도", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "user"], name="subscription_once"),
        ]


class Skip(models.Model):
    """ "이번 주 건너뛰기": a subscriber sits out the occurrence with this deadline."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="skips")
    deadline = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "deadline"], name="skip_once"),
        ]


class AutoJoin(models.Model):
    """What happened when a subscriber was joined to an occurrence: once per (occurrence,
    person), so a retried job neither joins twice nor tells them twice why it could not."""

    class Result(models.TextChoices):
        JOINED = "joined", "참여함"
        REFUSED = "refused", "참여하지 못함"
        SKIPPED = "skipped", "건너뜀"

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="joins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result = models.CharField(max_length=8, choices=Result.choices)
    code = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "user"], name="auto_join_once"),
        ]
