"""Thousands of WebSocket connects and disconnects against one server process: its memory
and open file descriptors come back to where they started (nothing held per closed socket:
no consumer, group membership, socket slot task or database connection left behind).

``WS_CHURN_COUNT`` sets the number of sockets (default 1,500 in the suite, ~20 s on two busy
cores; the issue's 10,000 is ``WS_CHURN_COUNT=10000``). The figures print with ``-s``.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time

import pytest

from tests.chat.helpers import token
from tests.cluster.conftest import HASHERS
from tests.factories import UserFactory
from tests.servers import LiveServer, process_figures

CHURN = int(os.environ.get("WS_CHURN_COUNT", "1500"))
WARM_UP = 300
CLIENTS = 8
# After warm-up, allocator arenas and caches may still settle a little; a leak of even a
# few KiB per socket would be tens of MiB here.
RSS_TOLERANCE_KIB = 12 * 1024
# The database and Redis pools may keep a few more connections open for reuse after the
# concurrency they saw (bounded by their sizes); a leak would be one per socket.
FD_TOLERANCE = 10


async def _churn(url: str, count: int) -> None:
    from websockets.asyncio.client import connect

    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def client() -> None:
        while not queue.empty():
            queue.get_nowait()
            async with connect(url, compression=None, open_timeout=10) as ws:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert frame["type"] == "unread", frame

    await asyncio.gather(*(client() for _ in range(CLIENTS)))


class Sampler(threading.Thread):
    """Peak RSS and fd count of a process, sampled every 0.1 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = self.peak_fds = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            rss, fds = process_figures(self.pid)
            self.peak_rss, self.peak_fds = max(self.peak_rss, rss), max(self.peak_fds, fds)


@pytest.fixture
def listener(regions_tx):
    return token(UserFactory())


async def test_many_socket_connects_leave_memory_and_descriptors_where_they_were(listener):
    with LiveServer(env=HASHERS, log_name="ws-churn") as server:
        pid = server.process.pid
        url = f"{server.ws_url}/ws/notifications/?token={listener}"
        await _churn(url, WARM_UP)
        await asyncio.sleep(1)
        start_rss, start_fds = process_figures(pid)
        sampler = Sampler(pid)
        sampler.start()
        began = time.monotonic()
        await _churn(url, CHURN)
        seconds = time.monotonic() - began
        await asyncio.sleep(2)  # closing handshakes and slot releases finish
        sampler.stop.set()
        sampler.join()
        end_rss, end_fds = process_figures(pid)
        print(  # noqa: T201 - the figures for the report
            f"\nws churn: {CHURN} sockets in {seconds:.1f} s ({CHURN / seconds:.0f}/s), "
            f"{CLIENTS} clients; RSS KiB start {start_rss} peak {sampler.peak_rss} "
            f"end {end_rss}; fds start {start_fds} peak {sampler.peak_fds} end {end_fds}"
        )
        assert end_fds <= start_fds + FD_TOLERANCE, (start_fds, end_fds)
        assert end_rss <= start_rss + RSS_TOLERANCE_KIB, (start_rss, end_rss)
        assert server.process.poll() is None
