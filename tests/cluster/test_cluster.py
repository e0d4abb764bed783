"""An order's life across the cluster: created through web process 1 (gunicorn), its
deadline notice and its closing reach a member's socket held by socket process 2 (uvicorn) and the member's browser as a
Web Push (once each, at a local push service that checks VAPID and decrypts), with only the
worker and the scheduler doing the work (no request triggers it)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.notifications.models import Notification
from tests.chat.helpers import token
from tests.cluster.conftest import CLUSTER_ENV
from tests.factories import UserFactory
from tests.push_service import PushService

NOTICE_TIMEOUT = 30.0  # a 2 s tick, a 0.2 s worker poll and two busy cores


async def next_notification(ws, *, kind: str, timeout: float = NOTICE_TIMEOUT) -> dict:
    """The next ``notification`` event of ``kind`` on a notification socket (counts and
    other kinds pass by)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), deadline - loop.time()))
        if frame["type"] == "notification" and frame["notification"]["kind"] == kind:
            return frame["notification"]


def order_payload(**overrides) -> dict:
    return {
        "title": "클러스터 치킨",
        "category": "치킨",
        "target_count": 4,
        "restaurant": "BBQ 서교점",
        "min_order_amount": 20000,
        "delivery_fee": 4000,
        # The API accepts 10 minutes to 24 hours; the test moves the clock below.
        "deadline": (timezone.now() + timedelta(minutes=30)).isoformat(),
        "pickup_spot": "서교동 주민센터 앞",
        "fee_split": "equal",
        **overrides,
    }


@database_sync_to_async
def move_deadline(order_id: int, *, seconds: float) -> None:
    """Time passes: the deadline is ``seconds`` from now (the API refuses < 10 minutes)."""
    GroupOrder.objects.filter(pk=order_id).update(
        deadline=timezone.now() + timedelta(seconds=seconds)
    )


@database_sync_to_async
def notices(order_id: int, kind: str) -> list[tuple[int, int]]:
    return sorted(
        Notification.objects.filter(group_order_id=order_id, kind=kind).values_list(
            "user_id", "group_order_id"
        )
    )


@pytest.fixture
def push_service():
    with PushService(vapid_public_key=settings.VAPID_PUBLIC_KEY) as service:
        yield service
    assert not service.rejected, service.rejected


@pytest.fixture
def cluster_env(push_service) -> dict[str, str]:
    # Every process signs with the same VAPID key and may push to the local service.
    return {
        **CLUSTER_ENV,
        "PUSH_HTTP_HOSTS": "127.0.0.1",
        "VAPID_PRIVATE_KEY": settings.VAPID_PRIVATE_KEY,
        "VAPID_PUBLIC_KEY": settings.VAPID_PUBLIC_KEY,
    }


@pytest.fixture
def host_and_member(regions_tx):
    host, member = UserFactory(), UserFactory()
    return host, member, token(host), token(member)


async def test_an_order_expires_and_its_notices_cross_the_cluster(
    cluster, host_and_member, push_service
):
    from websockets.asyncio.client import connect

    web1, web2 = cluster.web
    _, ws2 = cluster.ws
    host, member, host_token, member_token = host_and_member
    browser = push_service.subscription()

    async with httpx.AsyncClient(timeout=10) as http:
        # The member's browser subscribes to pushes (through process 2).
        subscribed = await http.post(
            f"{web2.url}/api/push/subscriptions/",
            json=browser.as_json(),
            headers={"Authorization": f"token {member_token}"},
        )
        assert subscribed.status_code == 201, subscribed.text
        created = await http.post(
            f"{web1.url}/api/groupbuys/",
            json=order_payload(),
            headers={"Authorization": f"token {host_token}"},
        )
        assert created.status_code == 201, created.text
        order_id = created.json()["id"]
        # The member joins through the proxy (either process answers).
        joined = await http.post(
            f"{cluster.proxy.url}/api/groupbuys/{order_id}/join/",
            headers={"Authorization": f"token {member_token}"},
        )
        assert joined.status_code in (200, 201), joined.text

    async with (
        connect(f"{ws2.ws_url}/ws/notifications/?token={member_token}") as member_on_2,
        # The host listens through nginx: the WebSocket upgrade crosses the proxy.
        connect(f"{cluster.proxy.ws_url}/ws/notifications/?token={host_token}") as host_via_proxy,
    ):
        for ws in (member_on_2, host_via_proxy):
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "unread"

        await move_deadline(order_id, seconds=9 * 60)  # inside the 10-minute notice window
        notice = await next_notification(member_on_2, kind="deadline")
        assert notice["group_order_id"] == order_id and "분 뒤 마감" in notice["text"], notice
        assert (await next_notification(host_via_proxy, kind="deadline"))[
            "group_order_id"
        ] == order_id

        await move_deadline(order_id, seconds=2)
        closed = await next_notification(member_on_2, kind="closed")
        assert closed["group_order_id"] == order_id, closed
        assert (await next_notification(host_via_proxy, kind="closed"))[
            "group_order_id"
        ] == order_id

    # Closed by the deadline, as every process reads it; each notice went out once.
    async with httpx.AsyncClient(timeout=10) as http:
        for base in (web1.url, web2.url, cluster.proxy.url):
            detail = await http.get(
                f"{base}/api/groupbuys/{order_id}/",
                headers={"Authorization": f"token {member_token}"},
            )
            assert detail.status_code == 200
            assert detail.json()["status"] == "closed", detail.json()
    order = await database_sync_to_async(GroupOrder.objects.get)(pk=order_id)
    assert order.status == GroupOrder.Status.CLOSED and order.closed_reason == "deadline"
    both = sorted([(host.pk, order_id), (member.pk, order_id)])
    assert await notices(order_id, "deadline") == both, cluster.logs()
    assert await notices(order_id, "closed") == both, cluster.logs()

    # The worker pushed each notice to the member's browser exactly once.
    pushes = await asyncio.to_thread(push_service.wait_for, browser, 2, NOTICE_TIMEOUT)
    await asyncio.sleep(2)  # a duplicate would arrive within the next worker polls
    pushes = push_service.received(browser)
    assert len(pushes) == 2, (pushes, cluster.logs())
    assert len({p["tag"] for p in pushes}) == 2, pushes  # two notices, not one twice
    assert any("분 뒤 마감" in p["body"] for p in pushes), pushes
