"""The production topology, measured through the proxy: which server should run the app?

Every request goes through Caddy running deploy/Caddyfile (plain HTTP on 127.0.0.1, admin
off), as compose.yaml runs it; only the upstream addresses differ. Two app processes per
server kind, on the bench database (PostgreSQL + Redis for the figures that count):

- ``uvicorn``: uvicorn (ASGI, config.asgi) for everything, ``--workers 2``;
- ``gunicorn``: gunicorn (WSGI, config.wsgi, gthread workers) for HTTP, ``--workers 2
  --threads BENCH_GUNICORN_THREADS``; uvicorn ``--workers 2`` only for ``/ws/``;
- ``granian``: granian (ASGI, config.asgi) for everything, ``--workers 2``;
- ``granian-wsgi``: granian (WSGI, config.wsgi) for HTTP, uvicorn for ``/ws/``.

Scenarios, each checked answer by answer (``BenchContext.http_load``): feed page 1
(``/api/post/?page=1``), detail (500 posts), chat room GET (1,000 messages, answers the
latest 100), and the chat fan-out over WebSockets through the proxy (20 rooms × 5 members,
paced). Data comes from the feed and chat scenarios' own setup. ``BENCH_TOPOLOGIES`` picks
(default: all four, comma-separated); the load average is recorded with every run.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager

from bench.common import RESULTS, ROOT, BenchFailure, expect_json, wait_healthy
from bench.scenarios import chat, feed

TARGETS = {
    "feed_rps": 400.0,
    "detail_rps": 800.0,
    "http_p99_ms": 100.0,
    "room_get_rps": 300.0,
    "delivered_per_s": 3000.0,
    "fan_out_p99_ms": 100.0,
}
WORKERS = 2
TOPOLOGIES = ("uvicorn", "gunicorn", "granian", "granian-wsgi")


def _uvicorn(port: int) -> list[str]:
    # The flags `manage.py serve --server uvicorn` uses.
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--no-access-log",
        "--no-proxy-headers",
        "--lifespan",
        "off",
        "--log-level",
        "warning",
        "--ws-per-message-deflate",
        "false",
    ]


def _gunicorn(port: int) -> list[str]:
    from mealbuddy.core.management.commands.serve import gunicorn_argv

    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", "0")) or None
    return gunicorn_argv(host="127.0.0.1", port=port, workers=WORKERS, threads=threads)


def _granian(port: int, interface: str) -> list[str]:
    target = "config.asgi:application" if interface == "asginl" else "config.wsgi:application"
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        interface,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if interface == "wsgi":
        argv += ["--blocking-threads", os.environ.get("BENCH_GUNICORN_THREADS", "4")]
    return [*argv, target]


def _commands(topology: str) -> tuple[dict, int, int]:
    """``{name: (argv, health url)}``, the HTTP upstream's port, the WebSocket upstream's."""
    from tests.servers import free_port

    http_port = free_port()

    def health(port: int) -> str:
        return f"http://127.0.0.1:{port}/healthz"

    if topology == "uvicorn":
        return {"uvicorn": (_uvicorn(http_port), health(http_port))}, http_port, http_port
    if topology == "granian":
        argv = _granian(http_port, "asginl")
        return {"granian": (argv, health(http_port))}, http_port, http_port
    ws_port = free_port()
    http = _gunicorn(http_port) if topology == "gunicorn" else _granian(http_port, "wsgi")
    return (
        {
            topology: (http, health(http_port)),
            "uvicorn-ws": (_uvicorn(ws_port), health(ws_port)),
        },
        http_port,
        ws_port,
    )


@contextmanager
def caddy(*, http_port: int, ws_port: int):
    """deploy/Caddyfile on a free loopback port, in front of the given upstreams."""

    from tests.servers import free_port

    binary = shutil.which("caddy")
    if binary is None:
        raise RuntimeError("the topology bench needs Caddy (apt-get install caddy; make proxy)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="mb-caddy-") as home:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_CONFIG_HOME": f"{home}/config",
            "SITE_ADDRESS": f":{port}",
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(http_port),
            "WS_HOST": "127.0.0.1",
            "WS_PORT": str(ws_port),
            "MEDIA_DIR": home,
            "CADDY_ADMIN": "off",
        }
        log_path = RESULTS / "caddy.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [binary, "run", "--config", str(ROOT / "deploy" / "Caddyfile")]
                + ["--adapter", "caddyfile"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                url = f"http://127.0.0.1:{port}"
                wait_healthy(
                    f"{url}/healthz", process=process, log_path=log_path, name="caddy", timeout=20
                )
                yield url
            finally:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _cpu(processes) -> float:
    return sum(chat._cpu_seconds(p.pid) for p in processes)


def _http(ctx, url: str, paths: list[str], authorization: str, check, processes) -> dict:
    before = _cpu(processes)
    try:
        result = ctx.http_load(url, paths, authorization=authorization, concurrency=16, check=check)
    except BenchFailure as exc:
        return {"failed": str(exc).splitlines()}
    # The figure a busy shared machine does not distort: app-server CPU per answer (the
    # warm-up and sample check are included in both counts, a few dozen requests).
    result["server_cpu_ms_per_request"] = round(
        (_cpu(processes) - before) * 1000 / max(1, result["requests"]), 2
    )
    result["load_average_1m"] = _load()
    return result


def _measure(ctx, topology: str, data: dict) -> dict:
    commands, http_port, ws_port = _commands(topology)
    env = {
        # Caddy is the one proxy in front: trust its X-Forwarded-For, as compose.yaml does.
        "TRUSTED_PROXY_COUNT": "1",
        # The fan-out offers each member more than one person's flood budget.
        "CHAT_BURST": "100000",
        # Redis pub/sub is server-wide: keep other runs' broadcasts (a test closing "account
        # 21's sockets") away from these sockets.
        "CACHE_PREFIX": f"mb-bench-{os.getpid()}",
    }
    out: dict = {
        "servers": {name: shlex.join(["python", *argv[1:]]) for name, (argv, _) in commands.items()}
    }
    with (
        ctx.processes(commands, env=env) as processes,
        caddy(http_port=http_port, ws_port=ws_port) as url,
    ):
        out["feed_page1"] = _http(
            ctx, url, ["/api/post/?page=1"], data["feed_auth"], data["feed_check"], processes
        )
        out["detail"] = _http(
            ctx,
            url,
            [f"/api/post/detail/{pk}/" for pk in data["ids"]],
            data["feed_auth"],
            data["detail_check"],
            processes,
        )
        out["room_get"] = _http(
            ctx,
            url,
            [f"/api/chat/{data['history_room'].pk}/"],
            f"token {data['tokens'][data['reader'].pk]}",
            data["room_check"],
            processes,
        )
        interval = float(os.environ.get("BENCH_CHAT_INTERVAL", "0.15"))
        ws_url = url.replace("http://", "ws://")
        before = _cpu(processes)
        try:
            fan_out = asyncio.run(chat._fan_out(ws_url, data["rooms"], data["tokens"], interval))
            cpu = _cpu(processes) - before
            fan_out["server_cpu_ms_per_message"] = round(cpu * 1000 / fan_out["sent"], 2)
            fan_out["load_average_1m"] = _load()
        except BenchFailure as exc:
            fan_out = {"failed": str(exc).splitlines()}
        out["fan_out"] = fan_out
    out["meets_targets"] = _verdicts(out)
    return out


def _verdicts(out: dict) -> dict:
    def http(name: str, rps: float) -> bool:
        r = out[name]
        return r.get("rps", 0) >= rps and r.get("p99_ms", 1e9) < TARGETS["http_p99_ms"]

    f = out["fan_out"]
    return {
        "feed_page1 >= 400/s, p99 < 100 ms": http("feed_page1", TARGETS["feed_rps"]),
        "detail >= 800/s, p99 < 100 ms": http("detail", TARGETS["detail_rps"]),
        "room_get >= 300/s": out["room_get"].get("rps", 0) >= TARGETS["room_get_rps"],
        "fan_out >= 3000/s, p99 < 100 ms": f.get("delivered_per_s", 0) >= TARGETS["delivered_per_s"]
        and f.get("p99_ms", 1e9) < TARGETS["fan_out_p99_ms"],
    }


def run(ctx) -> dict:
    if not ctx.redis_url or not ctx.database_url.startswith(("postgres://", "postgresql://")):
        # The production shape only: split topologies meet through Redis (a gunicorn process
        # cannot reach a uvicorn process's in-memory layer), and SQLite is not what runs
        # behind the proxy. Said plainly, not failed: `make bench` on the embedded default.
        message = "skipped: needs DATABASE_URL=postgres://… and REDIS_URL (the production shape)"
        print(f"   topology {message}", flush=True)
        return {"skipped": message}
    reader, ids = feed._setup()
    rooms, tokens, history_room, room_reader = chat._setup()
    feed_check = expect_json("posts", "paginator", predicate=lambda path, d: d["posts"])
    data = {
        "feed_auth": ctx.authorization_for(reader),
        "ids": ids,
        "feed_check": feed_check,
        "detail_check": expect_json(
            "id", "title", predicate=lambda path, d: path == f"/api/post/detail/{d['id']}/"
        ),
        "rooms": rooms,
        "tokens": tokens,
        "history_room": history_room,
        "reader": room_reader,
        "room_check": expect_json(
            "messages", "title", predicate=lambda path, d: len(d["messages"]) == 100
        ),
    }
    chosen = [
        t.strip() for t in os.environ.get("BENCH_TOPOLOGIES", ",".join(TOPOLOGIES)).split(",")
    ]
    unknown = [t for t in chosen if t not in TOPOLOGIES]
    if unknown:
        raise BenchFailure(f"unknown topology {unknown}; choose from {list(TOPOLOGIES)}")
    result: dict = {"targets": TARGETS, "app_processes": WORKERS, "proxy": "caddy"}
    failed = []
    for topology in chosen:
        print(f"   topology {topology} (load {_load()})", flush=True)
        result[topology] = _measure(ctx, topology, data)
        print(f"   {topology}: {result[topology]}", flush=True)
        failed += [
            f"{topology} {name}: {result[topology][name]['failed'][0]}"
            for name in ("feed_page1", "detail", "room_get", "fan_out")
            if "failed" in result[topology][name]
        ]
    if failed:
        # Print every figure first (above), then fail the run: a wrong answer has no rate.
        raise BenchFailure("\n".join(failed))
    return result
