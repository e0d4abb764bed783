"""`make run` shows 매너 점수 other than 36.5: the demo has a delivered, reviewed order."""

from __future__ import annotations

import pytest

from mealbuddy.accounts import demo as accounts_demo
from mealbuddy.accounts.models import User
from mealbuddy.groupbuys import demo as groupbuys_demo
from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.trust import demo
from mealbuddy.trust.models import MANNER_START_TENTHS, Review, Standing


@pytest.mark.django_db
def test_demo_reviews_are_seeded_once_and_move_scores():
    accounts_demo.seed()
    groupbuys_demo.seed()
    assert demo.seed() == "4 demo reviews created"
    assert demo.seed() == "0 demo reviews created"
    order = GroupOrder.objects.get(title=demo.REVIEWED_TITLE)
    assert order.status == GroupOrder.Status.DELIVERED
    assert Review.objects.filter(group_order=order).count() == 4
    host = User.objects.get(email="demo@mealbuddy.kr")
    neighbour = User.objects.get(email="neighbour@mealbuddy.kr")
    assert Standing.objects.get(user=host).manner_tenths > MANNER_START_TENTHS
    assert Standing.objects.get(user=neighbour).manner_tenths != MANNER_START_TENTHS
    # The other demo orders are untouched (their own test counts them).
    assert GroupOrder.objects.exclude(pk=order.pk).count() == len(groupbuys_demo.DEMO_ORDERS)


@pytest.mark.django_db
def test_demo_reviews_need_the_demo_accounts():
    assert demo.seed() == ""
