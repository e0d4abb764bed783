from __future__ import annotations

import pytest

from mealbuddy.groupbuys.services import groupbuy_create
from tests.factories import UserFactory


def make_order(host=None, **fields):
    host = host or UserFactory()
    data = {"title": "치킨 같이 시켜요", "category": "치킨", "target_count": 4}
    data.update(fields)
    return groupbuy_create(host=host, **data)


@pytest.fixture
def host(db):
    return UserFactory(username="방장")


@pytest.fixture
def order(host):
    return make_order(host, delivery_fee=3000, min_order_amount=20000, restaurant="BBQ 서교점")
