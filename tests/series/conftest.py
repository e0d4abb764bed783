from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from mealbuddy.series.schedule import KST
from tests.factories import UserFactory


class Clock:
    """``timezone.now()`` for the whole code base (models' auto_now included), set by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def set(self, *args) -> datetime:
        self.at = datetime(*args, tzinfo=KST)
        return self.at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock)
    return clock


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


@pytest.fixture
def host(seogyo):
    return UserFactory(username="치킨방장", region=seogyo)


@pytest.fixture
def alice(seogyo):
    return UserFactory(username="앨리스", region=seogyo)


@pytest.fixture
def bob(hapjeong):
    return UserFactory(username="밥", region=hapjeong)


CHICKEN = {
    "title": "금요일 치킨 열차",
    "category": "치킨",
    "restaurant": "바삭치킨 서교점",
    "target_count": 4,
    "delivery_fee": 4000,
    "min_order_amount": 20000,
    "pickup_spot": "서교동 주민센터 앞",
}
