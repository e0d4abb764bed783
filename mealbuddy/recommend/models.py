from __future__ import annotations

from django.conf import settings
from django.db import models


class ConversationTurn(models.Model):
    """One line of a user's "뭐 먹지?" conversation; a conversation lasts one KST day."""

    class Role(models.TextChoices):
        USER = "user", "사용자"
        ASSISTANT = "assistant", "추천"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="food_turns"
    )
    day = models.DateField()  # KST
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "day", "id"])]


class DailyUsage(models.Model):
    """Questions asked per user per KST day; resetting the conversation does not reset it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    questions = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="recommend_usage_user_day"),
        ]
