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


class CountingLayer:
    """Records every send and how many were in flight at once (each takes a little while)."""

    def __init__(self, *, failing: set[str] = frozenset()) -> None:
        self.sent: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.failing = failing

    async def group_send(self, group, event):
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)
            if group in self.failing:
                raise ConnectionError("Redis is down")
            self.sent.append(group)
        finally:
            self.in_flight -= 1


def test_many_broadcasts_go_out_together_after_commit_and_not_all_at_once(monkeypatch, settings):
    # 200 notices (an alert tick): every one is delivered, at most BROADCAST_CONCURRENCY at
    # a time (the Redis layer would open a connection per send in flight), in far less time
    # than one after another (200 × 10 ms), and nothing before the commit.
    layer = CountingLayer(failing={"user.7"})
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    messages = [(f"user.{n}", {"type": "notification.created"}) for n in range(200)]
    started = time.monotonic()
    with transaction.atomic():
        realtime.broadcast_many_on_commit(messages)
        assert layer.sent == []
    elapsed = time.monotonic() - started
    assert sorted(layer.sent) == sorted(f"user.{n}" for n in range(200) if n != 7)
    assert 1 < layer.most_in_flight <= realtime.BROADCAST_CONCURRENCY
    assert elapsed < 1.5


def test_a_rolled_back_batch_is_never_sent(monkeypatch):
    layer = CountingLayer()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: layer)
    with pytest.raises(RuntimeError), transaction.atomic():
        realtime.broadcast_many_on_commit([("user.1", {"type": "x"}), ("user.2", {"type": "x"})])
        raise RuntimeError("rolled back")
    assert layer.sent == []
