"""Broadcasts after commit: a channel layer that fails or hangs never fails the write."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from django.db import transaction

from mealbuddy.core import realtime

pytestmark = pytest.mark.django_db(transaction=True)


class BrokenLayer:
    def __init__(self, *, hang: bool = False) -> None:
        self.hang = hang
        self.calls = 0

    async def group_send(self, group, event):
        self.calls += 1
        if self.hang:
            await asyncio.sleep(60)
        raise ConnectionError("Redis is down")


@pytest.mark.parametrize("hang", [False, True], ids=["refused", "hangs"])
def test_a_failing_layer_is_logged_and_the_transaction_stands(monkeypatch, settings, caplog, hang):
    from mealbuddy.chat.models import Message
    from tests.chat.helpers import minimal_region, room_with
    from tests.factories import UserFactory

    settings.BROADCAST_TIMEOUT = 0.3
    layer = BrokenLayer(hang=hang)
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    minimal_region()
    host = UserFactory()
    room = room_with(host)
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="mealbuddy.core.realtime"), transaction.atomic():
        message = Message.objects.create(room=room, user=host, text="저장은 된다")
        realtime.broadcast_on_commit("chat.room.1", {"type": "room.event"})
        realtime.broadcast_on_commit("user.1", {"type": "rooms.changed"})
    assert time.monotonic() - started < 5
    assert Message.objects.filter(pk=message.pk).exists()
    assert layer.calls == 2  # the first failure did not stop the second broadcast
    assert sum("broadcast to" in r.getMessage() for r in caplog.records) == 2
