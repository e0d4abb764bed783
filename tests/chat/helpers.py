"""Chat test helpers: rooms with members made through the ORM, sockets through the real
ASGI application (Origin guard + router), session cookies like a browser's."""

from __future__ import annotations

from datetime import timedelta

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from mealbuddy.accounts.tokens import tokens_for_user
from mealbuddy.chat.models import ChatRoom
from mealbuddy.groupbuys.models import GroupOrder, Participation
from mealbuddy.regions.models import Region
from tests.conftest import SEOGYO

ORIGIN = (b"origin", b"http://testserver")
# Every real handshake names its host; the Origin check compares the two.
HOST = (b"host", b"testserver")


def minimal_region() -> Region:
    """One 읍면동 row for transactional tests (loading all regions takes seconds)."""
    region, _ = Region.objects.get_or_create(
        code=SEOGYO,
        defaults={
            "level": Region.Level.EMD,
            "sido": "서울특별시",
            "sigungu": "마포구",
            "name": "서교동",
            "full_name": "서울특별시 마포구 서교동",
            "lat": 37.555,
            "lon": 126.92,
        },
    )
    return region


def room_with(host, *members, title="치킨 같이 시켜요", target=5) -> ChatRoom:
    order = GroupOrder.objects.create(
        host=host,
        title=title,
        category="치킨",
        target_count=target,
        member_count=1 + len(members),
        deadline=timezone.now() + timedelta(hours=1),
        region_id=host.region_id,
    )
    for user in (host, *members):
        Participation.objects.create(group_order=order, user=user)
    return ChatRoom.objects.create(group_order=order)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def token(user) -> str:
    return tokens_for_user(user)["token"]


def communicator(path: str, *, origin: bool = True, cookie: str | None = None, extra=()):
    from config.asgi import application

    headers = [HOST, ORIGIN] if origin else [HOST]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    headers.extend(extra)
    return WebsocketCommunicator(application, path, headers=headers)


async def connected(path: str, **kwargs) -> WebsocketCommunicator:
    comm = communicator(path, **kwargs)
    ok, _ = await comm.connect()
    assert ok, f"refused: {path}"
    return comm


db = database_sync_to_async
atoken = database_sync_to_async(token)
