from __future__ import annotations

import pytest

from mealbuddy.groupbuys.services import groupbuy_create
from tests.factories import UserFactory


@pytest.fixture
def open_order(django_capture_on_commit_callbacks):
    """Post an order the way a person does: the after-commit hook runs the matcher."""

    def make(host, *, hook: bool = True, **fields):
        data = {"title": "치킨 같이 시켜요", "category": "치킨", "target_count": 4}
        data.update(fields)
        with django_capture_on_commit_callbacks(execute=hook):
            return groupbuy_create(host=host, **data)

    return make


@pytest.fixture
def host(seogyo):
    return UserFactory(username="방장", region=seogyo)


@pytest.fixture
def alice(seogyo):
    return UserFactory(username="앨리스", region=seogyo)


@pytest.fixture
def bob(hapjeong):
    return UserFactory(username="밥", region=hapjeong)
