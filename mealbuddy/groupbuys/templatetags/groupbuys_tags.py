"""Template helpers for group-order pages: won, time left."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone

register = template.Library()


@register.filter
def won(value) -> str:
    try:
        return f"{intcomma(int(value))}원"
    except (TypeError, ValueError):
        return ""


@register.filter
def time_left(deadline) -> str:
    """'35분 남음', '2시간 10분 남음' or '마감 시각 지남'."""
    seconds = int((deadline - timezone.now()).total_seconds())
    if seconds <= 0:
        return "마감 시각 지남"
    minutes = max(seconds // 60, 1)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}시간 {minutes}분 남음" if minutes else f"{hours}시간 남음"
    return f"{minutes}분 남음"
