"""Chat fan-out and the original client's room endpoint.

1. Fan-out: 20 rooms × 5 members, every member connected over a real WebSocket
   (``?token=``, like the original client); every member sends 20 messages. Each message
   carries its send time, so every receiver (the sender's echo included) records
   send→receive latency. Reported: delivered messages/s and latency p50/p95/p99, for
   - ``paced``: each member sends one message every ``BENCH_CHAT_INTERVAL`` s (default
     0.15 s, i.e. ~667 messages/s offered, ~3,300 deliveries/s), the load the targets
     speak of (p99 < 100 ms at ≥ 3,000 delivered/s);
   - ``burst``: all 2,000 messages sent at once (the throughput ceiling; latency then is
     mostly queueing).
2. ``GET /api/chat/<room>/`` on a room with 1,000 messages (answers the latest 100):
   requests/s with 16 concurrent clients (target ≥ 300).

Both run on the in-memory channel layer (one uvicorn worker: the only shape where it is
correct) and, when ``REDIS_URL`` is set, on the Redis layer (one and two workers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from datetime import timedelta

from bench.common import BenchFailure, expect_json, latency_summary

ROOMS = 20
MEMBERS = 5
MESSAGES_EACH = 20
HISTORY = 1000
TITLE = "bench-chat"
TARGETS = {"p99_ms": 100.0, "delivered_per_s": 3000.0, "room_get_rps": 300.0}


def _setup():
    from django.utils import timezone

    from mealbuddy.accounts.models import User
    from mealbuddy.accounts.tokens import tokens_for_user
    from mealbuddy.chat.models import ChatRoom, Message
    from mealbuddy.groupbuys.models import GroupOrder, Participation
    from mealbuddy.regions.models import Region

    GroupOrder.objects.filter(title__startswith=TITLE).delete()
    region = Region.objects.get(code="11440120")
    users = []
    for n in range(ROOMS * MEMBERS):
        user = User.objects.filter(email=f"bench-chat-{n}@example.com").first()
        if user is None:
            user = User.objects.create_user(
                f"bench-chat-{n}@example.com",
                f"bench-chat-{n}",
                "bench-password-2024",
                region=region,
            )
        users.append(user)
    rooms = []
    for r in range(ROOMS + 1):
        members = users[r * MEMBERS : (r + 1) * MEMBERS] if r < ROOMS else users[:MEMBERS]
        order = GroupOrder.objects.create(
            host=members[0],
            title=f"{TITLE} {r}",
            category="치킨",
            target_count=MEMBERS,
            member_count=MEMBERS,
            deadline=timezone.now() + timedelta(hours=2),
            region=region,
        )
        Participation.objects.bulk_create(
            [Participation(group_order=order, user=u) for u in members]
        )
        rooms.append((ChatRoom.objects.create(group_order=order), members))
    history_room, history_members = rooms.pop()
    Message.objects.bulk_create(
        [
            Message(room=history_room, user=history_members[i % MEMBERS], text=f"기록 {i}")
            for i in range(HISTORY)
        ]
    )
    tokens = {u.pk: tokens_for_user(u)["token"] for u in users}
    return rooms, tokens, history_room, history_members[1]


async def _fan_out(ws_url: str, rooms, tokens, interval: float) -> dict:
    from websockets.asyncio.client import connect

    latencies: list[float] = []
    errors: list[str] = []
    # Every (receiving socket, message) pair once: a duplicate is an error, not a delivery.
    delivered: set[tuple[int, int]] = set()
    duplicates = 0
    expected = ROOMS * MEMBERS * MESSAGES_EACH * MEMBERS
    done = asyncio.Event()
    last_receive = 0.0

    sockets = []
    for room, members in rooms:
        for user in members:
            ws = await connect(
                f"{ws_url}/ws/chat/{room.pk}/?token={tokens[user.pk]}", max_queue=None
            )
            sockets.append(ws)

    async def reader(ws, index):
        nonlocal last_receive, duplicates
        async for raw in ws:
            data = json.loads(raw)
            if data["type"] != "chat.message":
                errors.append(f"{data['type']}: {data.get('code')} {data.get('message')}")
                continue
            key = (index, data["message"]["id"])
            if key in delivered:
                duplicates += 1
                continue
            delivered.add(key)
            sent_at = float(data["message"]["message"].rsplit(" ", 1)[1])
            now = time.perf_counter()
            latencies.append(now - sent_at)
            last_receive = now
            if len(delivered) >= expected:
                done.set()

    async def writer(ws, index):
        # Spread the first sends so members do not all fire on the same tick.
        await asyncio.sleep(interval * (index % MEMBERS) / MEMBERS)
        for n in range(MESSAGES_EACH):
            await ws.send(json.dumps({"message": f"m{index}-{n} {time.perf_counter()}"}))
            if interval:
                await asyncio.sleep(interval)

    readers = [asyncio.create_task(reader(ws, i)) for i, ws in enumerate(sockets)]
    first_send = time.perf_counter()
    await asyncio.gather(*(writer(ws, i) for i, ws in enumerate(sockets)))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout=120)
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    if errors or duplicates or len(delivered) != expected:
        raise BenchFailure(
            f"chat fan-out (interval {interval} s): delivered {len(delivered)} of {expected}, "
            f"{len(errors)} error events, {duplicates} duplicates"
            + "".join(f"\n  e.g. {e}" for e in errors[:5])
        )
    elapsed = max(last_receive - first_send, 1e-9)
    summary = latency_summary(latencies)
    return {
        "interval_s": interval,
        "sent": ROOMS * MEMBERS * MESSAGES_EACH,
        "delivered": len(delivered),
        "expected": expected,
        "seconds": round(elapsed, 2),
        "delivered_per_s": round(len(latencies) / elapsed, 1),
        **{k: summary[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")},
    }


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a server process and its direct children (workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _measured_fan_out(server, ws_url, rooms, tokens, interval) -> dict:
    before = _cpu_seconds(server.process.pid)
    result = asyncio.run(_fan_out(ws_url, rooms, tokens, interval))
    cpu = _cpu_seconds(server.process.pid) - before
    # Load-independent cost: server CPU per sent message (each fanned out to 5 sockets).
    result["server_cpu_ms_per_message"] = round(cpu * 1000 / result["sent"], 2)
    return result


def _measure(ctx, label: str, env: dict, workers: int, rooms, tokens, history_room, reader):
    interval = float(os.environ.get("BENCH_CHAT_INTERVAL", "0.15"))
    out: dict = {"workers": workers}
    with ctx.server(workers=workers, env=env) as server:
        ws_url = server.url.replace("http://", "ws://")
        out["paced"] = _measured_fan_out(server, ws_url, rooms, tokens, interval)
        out["burst"] = _measured_fan_out(server, ws_url, rooms, tokens, 0.0)
        out["room_get"] = ctx.http_load(
            server.url,
            [f"/api/chat/{history_room.pk}/"],
            authorization=f"token {tokens[reader.pk]}",
            concurrency=16,
            check=expect_json(
                "messages", "title", predicate=lambda path, data: len(data["messages"]) == 100
            ),
        )
    paced, get = out["paced"], out["room_get"]
    out["meets_targets"] = {
        "p99_under_100ms": paced["p99_ms"] < TARGETS["p99_ms"],
        "delivered_3000_per_s": paced["delivered_per_s"] >= TARGETS["delivered_per_s"],
        "room_get_300_rps": get["rps"] >= TARGETS["room_get_rps"],
    }
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(f"   chat {label}: {json.dumps(out, ensure_ascii=False)}", flush=True)
    return out


def run(ctx) -> dict:
    from django.conf import settings

    rooms, tokens, history_room, reader = _setup()
    # Tokens are signed here and carry a fingerprint keyed by SECRET_KEY: the servers must
    # use this process's keys.
    keys = {
        "SECRET_KEY": settings.SECRET_KEY,
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
    }
    # The bench offers each member more than one person's flood budget (20 lines in 3 s,
    # then 20 at once); flood control is tested in tests/chat, not measured here.
    keys["CHAT_BURST"] = "100000"
    result: dict = {"targets": TARGETS}
    result["in_memory"] = _measure(
        ctx, "in-memory", {**keys, "REDIS_URL": ""}, 1, rooms, tokens, history_room, reader
    )
    if ctx.redis_url:
        for workers in (1, 2):
            result[f"redis_{workers}w"] = _measure(
                ctx, f"redis {workers}w", keys, workers, rooms, tokens, history_room, reader
            )
    return result
