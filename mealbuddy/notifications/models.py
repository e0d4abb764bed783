from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        JOINED = "joined", "새 참여자"
        FILLED = "filled", "모집 완료"
        CLOSED = "closed", "모집 마감"
        BANNED = "banned", "강퇴"
        STATUS = "status", "주문 상태 변경"
        CANCELLED = "cancelled", "주문 취소"
        DEADLINE = "deadline", "마감 임박"
        ARRIVED = "arrived", "음식 도착"
        MONEY = "money", "정산·환불·포인트"
        REVIEW = "review", "새 후기"
        NOTICE = "notice", "운영 알림"
        # 동네생활 (issue 13)
        COMMUNITY_COMMENT = "comment", "내 글에 새 댓글"
        COMMUNITY_REPLY = "reply", "내 댓글에 새 답글"
        # Saved alerts and weather nudges (issue 14)
        ALERT = "alert", "모집 알림"
        NUDGE = "nudge", "날씨 추천"
        SERIES = "series", "정기 모집"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.CharField(max_length=200)
    url = models.CharField(max_length=200, blank=True)
    group_order = models.ForeignKey(
        "groupbuys.GroupOrder", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            # notify_deadlines may run every minute: one deadline notice per order and user.
            models.UniqueConstraint(
                fields=["user", "group_order"],
                condition=models.Q(kind="deadline"),
                name="notification_deadline_once",
            ),
        ]


# --- Web Push ----------------------------------------------------------------------------------


class PushKind(models.TextChoices):
    """What a user can switch off for pushes (the in-app list always shows everything)."""

    JOINED = "joined", "새 참여자"
    FULL = "full", "모집 완료"
    DEADLINE = "deadline", "마감 임박"
    STATUS = "status", "주문 상태 변경 (마감·취소·강퇴 포함)"
    CHAT = "chat", "자리를 비운 사이 온 채팅"
    COMMUNITY = "community", "동네생활 댓글·답글"
    ALERT = "alert", "저장한 조건의 새 모집 (모집 알림)"
    NUDGE = "nudge", "날씨에 맞는 메뉴 추천"


# Which push switch governs each in-app notification kind.
PUSH_KIND_OF = {
    Notification.Kind.JOINED: PushKind.JOINED,
    Notification.Kind.FILLED: PushKind.FULL,
    Notification.Kind.DEADLINE: PushKind.DEADLINE,
    Notification.Kind.STATUS: PushKind.STATUS,
    Notification.Kind.CLOSED: PushKind.STATUS,
    Notification.Kind.CANCELLED: PushKind.STATUS,
    Notification.Kind.BANNED: PushKind.STATUS,
    Notification.Kind.ARRIVED: PushKind.STATUS,
    Notification.Kind.MONEY: PushKind.STATUS,
    Notification.Kind.COMMUNITY_COMMENT: PushKind.COMMUNITY,
    Notification.Kind.COMMUNITY_REPLY: PushKind.COMMUNITY,
    Notification.Kind.ALERT: PushKind.ALERT,
    Notification.Kind.NUDGE: PushKind.NUDGE,
    # Recurring orders (issue 14): "joined you to this week's order" or why it could not.
    Notification.Kind.SERIES: PushKind.STATUS,
}

# Real endpoints (FCM, Mozilla autopush, Apple) are 150-500 characters; this leaves room.
PUSH_ENDPOINT_MAX_LENGTH = 1024


class PushSubscription(models.Model):
    """One browser's Web Push subscription (PushSubscription.toJSON() in the page)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.CharField(max_length=PUSH_ENDPOINT_MAX_LENGTH, unique=True)
    # The browser's P-256 public key (65 bytes) and auth secret (16 bytes), base64url.
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Refusals (4xx other than 404/410) in a row; the subscription is dropped at the limit.
    failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"push {self.pk} of user {self.user_id}"

    def info(self) -> dict:
        """What pywebpush takes (the same shape as the browser's toJSON())."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushOptOut(models.Model):
    """A kind of push the user switched off (no row: the kind is on)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_opt_outs"
    )
    kind = models.CharField(max_length=12, choices=PushKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="push_opt_out_once"),
        ]


class PushChatMark(models.Model):
    """The newest chat message a member was pushed about, per room: one "away" push per
    stretch of unread messages. ``room_id`` is chat's room id (chat calls us, we never
    import chat)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    room_id = models.BigIntegerField()
    message_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "room_id"], name="push_chat_mark_once"),
        ]
