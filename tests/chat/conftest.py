from __future__ import annotations

import pytest
from channels.layers import channel_layers


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A new in-memory layer per test: its queues belong to the test's event loop."""
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories hash DEFAULT_PASSWORD for every user; PBKDF2 would cost ~0.4 s each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
