"""Template helpers for group-order pages: won, time left, clock time, distance, category."""

from __future__ import annotations

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone

from mealbuddy.groupbuys.models import category_label as _category_label

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


@register.filter
def clock(moment) -> str:
    """A deadline as people say it: '19:40', '내일 09:10', or '12월 3일 19:40' (local time)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    days = (local.date() - timezone.localdate()).days
    hhmm = f"{local.hour:02d}:{local.minute:02d}"
    if days == 0:
        return hhmm
    if days == 1:
        return f"내일 {hhmm}"
    if days == -1:
        return f"어제 {hhmm}"
    return f"{local.month}월 {local.day}일 {hhmm}"


@register.filter
def metres(value) -> str:
    """'300m', '1.2km'."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        return ""
    if value < 1000:
        return f"{value}m"
    return f"{value / 1000:.1f}km".replace(".0km", "km")


@register.filter
def category_label(value) -> str:
    """The display label of a stored category ('페스트푸드' → '패스트푸드')."""
    return _category_label(value or "")
