"""Saved alerts ("치킨 모집 뜨면 알려줘") and weather nudges (issue 14)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from mealbuddy.groupbuys.models import CATEGORY_CHOICES

MAX_KEYWORD_LENGTH = 30
MAX_FEE_SHARE = 100_000


class SavedAlert(models.Model):
    """One person's standing question: tell me when a matching order opens near me.

    Every condition is optional (blank/null: any). The 동 is the person's own, read when an
    order opens (moving house moves the alerts with them); ``include_neighbours`` adds the
    bordering 동. Quiet hours are KST wall-clock times, ``[quiet_start, quiet_end)``, and may
    wrap midnight (22:00–07:00); both or neither are set.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_alerts"
    )
    category = models.CharField("카테고리", max_length=20, choices=CATEGORY_CHOICES, blank=True)
    keyword = models.CharField(
        "가게 이름·제목에 들어갈 말", max_length=MAX_KEYWORD_LENGTH, blank=True
    )
    # The host's delivery fee split among a full order: ceil(delivery_fee / target_count).
    max_fee_share = models.PositiveIntegerField("1인당 배달비 최대", null=True, blank=True)
    include_neighbours = models.BooleanField("이웃 동네 모집도", default=False)
    quiet_start = models.TimeField("방해 금지 시작", null=True, blank=True)
    quiet_end = models.TimeField("방해 금지 끝", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_start__isnull=True, quiet_end__isnull=True)
                | Q(quiet_start__isnull=False, quiet_end__isnull=False),
                name="saved_alert_quiet_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} of user {self.user_id}"


class AlertHit(models.Model):
    """An order that matched one of a person's alerts: at most one per (order, person).

    Made "pending" by the matcher (one INSERT … SELECT for every order that opened); the
    delivery step sends it when the alert is outside its quiet hours and the order is still
    open and visible, or marks why not (the daily cap was reached, the order closed or was
    hidden, the alert or the person is gone).

    The matcher writes tens of thousands of these a minute at the evening rush, so a hit is
    lean: no database foreign keys (their checks cost more than the insert itself), and only
    indexes that new rows reach at their right-hand end (the id, and (order, person) written
    in that order). The references hold because only the matcher writes hits, from rows it
    reads in the same statement; Django still cascades a deleted person or order; a deleted
    alert leaves its hits to delivery, which drops any hit whose alert, person or order is
    gone (``alerts_deliver``).
    """

    class State(models.TextChoices):
        PENDING = "pending", "대기"
        SENT = "sent", "보냄"
        CAPPED = "capped", "하루 한도 초과"
        DROPPED = "dropped", "모집이 끝나 보내지 않음"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    group_order = models.ForeignKey(
        "groupbuys.GroupOrder",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # (group_order, user) below leads with it
    )
    alert = models.ForeignKey(
        SavedAlert,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_day = models.DateField(null=True, blank=True)  # KST day it was sent (the daily cap)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group_order", "user"], name="alert_hit_once"),
        ]
        indexes = [
            models.Index(
                fields=["state", "id"], name="alert_hit_pending", condition=Q(state="pending")
            ),
            models.Index(
                fields=["user", "sent_day"], name="alert_hit_sent_day", condition=Q(state="sent")
            ),
        ]


class OrderScan(models.Model):
    """Which opening of an order was matched against the alerts: ``opened_at`` is the order's
    ``status_changed_at`` then, so a reopened order is matched again (new matches only)."""

    group_order = models.OneToOneField(
        "groupbuys.GroupOrder", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    opened_at = models.DateTimeField()


class AlertPreference(models.Model):
    """Per-person switches of this app (no row: the defaults)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    nudges = models.BooleanField("날씨 추천 받기", default=True)


class RegionWeather(models.Model):
    """The last weather condition seen for a 동 by the nudge job: a nudge goes out when it
    turns to rain, snow, heat or cold (and not again every tick while it stays so)."""

    region = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    condition = models.CharField(max_length=8)  # "" (nothing to nudge about) or a CONDITION
    changed_at = models.DateTimeField()


class Nudge(models.Model):
    """One weather nudge per person per KST day (the constraint backs overlapping runs)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    condition = models.CharField(max_length=8)
    category = models.CharField(max_length=20)
    group_order = models.ForeignKey(
        "groupbuys.GroupOrder", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="nudge_once_a_day"),
        ]
