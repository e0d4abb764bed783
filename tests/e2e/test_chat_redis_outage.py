"""The chat page through a Redis outage, in Chromium: the socket is closed (1013) when the
server loses its channel layer, the page keeps retrying, and once Redis is back it
reconnects with ``?after=<last id>`` and shows every message saved meanwhile."""

from __future__ import annotations

import os

import httpx
import pytest
from playwright.sync_api import expect

from mealbuddy.chat.models import ChatRoom
from mealbuddy.groupbuys.services import groupbuy_create, groupbuy_join
from tests.chat.helpers import token
from tests.conftest import ensure_regions
from tests.e2e.test_chat_journey import login
from tests.factories import UserFactory
from tests.servers import LiveServer, RedisServer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (
            os.environ.get("DATABASE_URL", "").startswith("postgres")
            and os.environ.get("REDIS_URL", "").startswith("redis")
        ),
        reason="needs PostgreSQL + Redis (second CI pass): a Redis outage under a real server",
    ),
]


@pytest.fixture
def redis():
    with RedisServer() as server:
        yield server


@pytest.fixture
def live_server_url(regions_tx, redis):
    """The page's server on a Redis of this test's own, which the test stops and restarts."""
    ensure_regions()
    with LiveServer(env={"REDIS_URL": redis.url}, log_name="e2e-redis-outage") as server:
        yield server.url


def test_chat_page_reconnects_after_redis_comes_back_and_misses_nothing(
    new_page, live_server_url, redis
):
    host, guest = UserFactory(username="방장"), UserFactory(username="손님")
    order = groupbuy_create(host=host, title="레디스 치킨", category="치킨", target_count=4)
    groupbuy_join(group_order_id=order.pk, user=guest)
    room = ChatRoom.objects.get(group_order=order)
    api = httpx.Client(
        base_url=live_server_url, headers={"Authorization": f"token {token(host)}"}, timeout=15
    )

    def post(text: str) -> None:
        response = api.post(f"/api/chats/{room.pk}/messages/", json={"message": text})
        assert response.status_code == 201, response.text

    page = new_page()
    login(page, live_server_url, guest)
    page.goto(f"/chats/{room.pk}/")
    chat = page.locator("[data-chat-room]")
    expect(chat).to_have_attribute("data-connected", "true")
    post("레디스 있을 때")
    theirs = page.locator(".msg-other .msg-text")
    expect(theirs).to_have_text(["레디스 있을 때"])

    redis.stop()
    expect(chat).to_have_attribute("data-connected", "false", timeout=20_000)
    post("없는 동안 1")
    post("없는 동안 2")
    redis.start()
    expect(theirs).to_have_text(["레디스 있을 때", "없는 동안 1", "없는 동안 2"], timeout=40_000)
    expect(chat).to_have_attribute("data-connected", "true")
    post("돌아온 뒤")
    expect(theirs.last).to_have_text("돌아온 뒤")
    api.close()
