"""Redis pub/sub ignores the database number: the channel layer's prefix keeps apart two
deployments (or test runs) that share one Redis server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from tests.servers import ROOT

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL")


def layer_config(prefix: str) -> dict:
    """The channel layer settings.py builds for ``CACHE_PREFIX=prefix``."""
    code = "from django.conf import settings; print(repr(settings.CHANNEL_LAYERS['default']))"
    env = {**os.environ, "CACHE_PREFIX": prefix, "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return eval(out)  # noqa: S307 - our own repr of a dict of strings


async def test_two_prefixes_on_one_redis_do_not_hear_each_other():
    from channels_redis.pubsub import RedisPubSubChannelLayer

    # Different database numbers, as two deployments might pick: pub/sub is server-wide.
    a_config = layer_config("deploy-a")["CONFIG"]
    b_config = layer_config("deploy-b")["CONFIG"]
    a = RedisPubSubChannelLayer(**a_config)
    b = RedisPubSubChannelLayer(
        hosts=[REDIS_URL.rsplit("/", 1)[0] + "/3"], prefix=b_config["prefix"]
    )
    same = RedisPubSubChannelLayer(**a_config)
    try:
        listener_b = await b.new_channel()
        listener_a = await same.new_channel()
        await b.group_add("account.21", listener_b)
        await same.group_add("account.21", listener_a)
        await asyncio.sleep(0.2)
        await a.group_send("account.21", {"type": "account.revoked"})
        assert (await asyncio.wait_for(same.receive(listener_a), 3))["type"] == "account.revoked"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(b.receive(listener_b), 0.5)
    finally:
        for layer in (a, b, same):
            await layer.flush()
