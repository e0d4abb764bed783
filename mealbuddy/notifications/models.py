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
