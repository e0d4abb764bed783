"""Room fixtures shared by the chat and notification tests (registered in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def region_tx(transactional_db):
    from tests.chat.helpers import minimal_region

    return minimal_region()


@pytest.fixture
def people(region_tx):
    """host, guest (both members of ``room``) and an outsider."""
    from tests.factories import UserFactory

    return UserFactory(), UserFactory(), UserFactory()


@pytest.fixture
def room(people):
    from tests.chat.helpers import room_with

    host, guest, _ = people
    return room_with(host, guest)
