"""Writes: the "뭐 먹지?" conversation and its daily question quota."""

from __future__ import annotations

import zlib
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mealbuddy.core.errors import ApplicationError, RateLimited
from mealbuddy.recommend.grid import latlon_to_grid
from mealbuddy.recommend.llm import llm_answer
from mealbuddy.recommend.models import ConversationTurn, DailyUsage
from mealbuddy.recommend.selectors import (
    conversation_today,
    kst_today,
    recommendation_for_user,
    recommendation_text,
)
from mealbuddy.recommend.weather import weather_at

MAX_QUESTION_LENGTH = 300


def quota_message(limit: int) -> str:
    return f"메뉴 질문은 하루 {limit}번까지 할 수 있어요. 내일(자정 이후) 다시 물어봐 주세요."


def usage_take(*, user, now: datetime | None = None) -> int:
    """Count one question for today (KST) or raise 429; returns the questions used."""
    limit = settings.LLM_DAILY_LIMIT
    day = kst_today(now)
    with transaction.atomic():
        usage, _ = DailyUsage.objects.get_or_create(user=user, day=day)
        # A conditional UPDATE: two requests at once can never both take the last question.
        taken = DailyUsage.objects.filter(pk=usage.pk, questions__lt=limit).update(
            questions=F("questions") + 1
        )
    if not taken:
        raise RateLimited(quota_message(limit))
    return DailyUsage.objects.values_list("questions", flat=True).get(pk=usage.pk)


def conversation_ask(
    *,
    user,
    message: str,
    lat: float | None = None,
    lon: float | None = None,
    now: datetime | None = None,
) -> list[dict[str, str]]:
    """Answer a question (the LLM if on and sane, else the engine); returns the conversation."""
    message = " ".join((message or "").split())
    if not message:
        raise ApplicationError("무엇이 먹고 싶은지 입력해 주세요.", field="message")
    if len(message) > MAX_QUESTION_LENGTH:
        raise ApplicationError(
            f"질문은 {MAX_QUESTION_LENGTH}자까지 입력할 수 있어요.", field="message"
        )
    used = usage_take(user=user, now=now)
    day = kst_today(now)
    ConversationTurn.objects.filter(user=user, day__lt=day).delete()
    history = conversation_today(user=user, now=now)
    # Each question of the day gets its own seed, so asking again gives other dishes.
    seed = zlib.crc32(f"{user.pk}:{day}:{used}".encode()) & 0x7FFFFFFF
    recommendation = recommendation_for_user(
        user=user, wish=message, seed=seed, lat=lat, lon=lon, now=now
    )
    answer = llm_answer(recommendation=recommendation, history=history, question=message)
    if answer is None:
        answer = recommendation_text(recommendation)
    ConversationTurn.objects.bulk_create(
        [
            ConversationTurn(user=user, day=day, role=ConversationTurn.Role.USER, content=message),
            ConversationTurn(
                user=user, day=day, role=ConversationTurn.Role.ASSISTANT, content=answer
            ),
        ]
    )
    return [
        *history,
        {"role": "user", "content": message},
        {"role": "assistant", "content": answer},
    ]


def conversation_reset(*, user) -> None:
    ConversationTurn.objects.filter(user=user).delete()


def weather_warm(*, now: datetime | None = None) -> int:
    """Fetch the weather for every 기상청 grid cell with a recruiting order, so the first
    neighbour who opens "뭐 먹지?" this hour does not wait for a provider; returns how many
    cells have weather now. Cells already cached cost one cache read, no provider call."""
    from mealbuddy.groupbuys.models import GroupOrder

    if not settings.WEATHER_WARM:
        return 0
    now = now or timezone.now()
    points = (
        GroupOrder.objects.filter(status=GroupOrder.Status.RECRUITING, deadline__gt=now)
        .values_list("region__lat", "region__lon")
        .distinct()
    )
    cells: dict[tuple[int, int], tuple[float, float]] = {}
    for lat, lon in points:
        cells.setdefault(latlon_to_grid(lat, lon), (lat, lon))
    return sum(weather_at(lat=lat, lon=lon) is not None for lat, lon in cells.values())
