"""The benchmark harness behind `make bench`.

A scenario is a module in bench/scenarios/ with ``run(ctx: BenchContext) -> dict``. It
creates its data through the ORM (``ctx`` has already pointed Django at the bench database
and migrated it), starts servers with ``ctx.server(...)`` and measures with
``ctx.http_load(...)`` (wrk when installed, else an asyncio/httpx client) or its own
client (WebSockets). What it returns is printed and written to bench/results/.

The bench database is ``DATABASE_URL`` when set (PostgreSQL in production), otherwise
``bench/results/bench.sqlite3``. ``REDIS_URL`` switches servers to the Redis layer/cache.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def latency_summary(seconds: list[float]) -> dict:
    """p50/p95/p99/max in milliseconds, rounded."""
    ms = [s * 1000 for s in seconds]
    return {
        "count": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
    }


class BenchFailure(Exception):
    """A measurement saw wrong answers or lost messages: there is no rate to report."""


# A check looks at one answer and says what is wrong with it (None: it is right).
Check = Callable[[str, int, bytes], "str | None"]


def expect_json(*keys: str, predicate: Callable[[str, Any], bool] | None = None) -> Check:
    """2xx, a JSON object with ``keys``, and ``predicate(path, data)`` true when given."""

    def check(path: str, status: int, body: bytes) -> str | None:
        if not 200 <= status < 300:
            return f"status {status}: {body[:200]!r}"
        try:
            data = json.loads(body)
        except ValueError:
            return f"not JSON: {body[:200]!r}"
        if keys and (not isinstance(data, dict) or any(k not in data for k in keys)):
            return f"missing {[k for k in keys if not isinstance(data, dict) or k not in data]}"
        if predicate is not None and not predicate(path, data):
            return f"unexpected body: {body[:200]!r}"
        return None

    return check


def failure_report(what: str, total: int, failures: dict[str, int], examples: list[str]) -> str:
    parts = ", ".join(f"{count} {kind}" for kind, count in failures.items() if count)
    lines = [f"{what}: {parts} out of {total} answers"]
    lines += [f"  e.g. {example}" for example in examples[:5]]
    return "\n".join(lines)


# wrk reports only status >= 400 as errors; response() counts everything outside 2xx
# (redirects included), per thread, and done() adds the threads up.
_WRK_SCRIPT = r"""
local paths = {}
local headers = {}
local i = 0
local threads = {}
non2xx = 0
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  for line in io.lines(args[1]) do table.insert(paths, line) end
  if args[2] ~= nil and args[2] ~= "" then headers["Authorization"] = args[2] end
end
function request()
  i = i + 1
  local path = paths[(i % #paths) + 1]
  return wrk.format("GET", path, headers)
end
function response(status, hdrs, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  io.write(string.format(
    "JSON {\"requests\": %d, \"duration_us\": %d, \"non2xx\": %d, \"errors\": %d, " ..
    "\"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
    summary.requests, summary.duration, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class BenchServer:
    url: str
    process: subprocess.Popen
    log_path: Path


@dataclass
class BenchContext:
    database_url: str
    redis_url: str
    duration: float = 10.0
    results: dict = field(default_factory=dict)

    def _server_env(self, extra: dict[str, str] | None) -> dict[str, str]:
        """The production environment every app process of the bench gets: the bench
        database and Redis, DEBUG off, this process's keys (tokens minted here are valid
        there), and no request log lines (writing them would be measured too)."""
        from django.conf import settings

        env = dict(os.environ)
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "DEBUG": "0",
                "SECRET_KEY": settings.SECRET_KEY,
                "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "SECURE_SSL_REDIRECT": "0",
                "LOG_LEVEL": "ERROR",
                "LOG_REQUESTS": "0",
                "DJANGO_SETTINGS_MODULE": "config.settings",
            }
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        else:
            env.pop("REDIS_URL", None)
        env.update(extra or {})
        return env

    @contextmanager
    def server(self, *, workers: int = 2, env: dict[str, str] | None = None):
        """uvicorn with ``workers`` processes on the bench database; yields a BenchServer."""
        from tests.servers import free_port

        refresh_planner_statistics()

        port = free_port()
        RESULTS.mkdir(parents=True, exist_ok=True)
        log_path = RESULTS / f"server-{port}.log"
        server_env = self._server_env(env)
        log = open(log_path, "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
                "--no-proxy-headers",
                # Chat frames are ~200 bytes: compressing them costs more CPU than it saves.
                "--ws-per-message-deflate",
                "false",
            ],
            cwd=ROOT,
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(f"{url}/healthz", process=process, log_path=log_path, name="bench server")
            yield BenchServer(url=url, process=process, log_path=log_path)
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()

    @contextmanager
    def processes(self, commands: dict[str, list[str]], *, env: dict[str, str] | None = None):
        """Start app servers (``name: argv``, each ending on its own port) on the bench
        database, wait until every ``/healthz`` answers, yield, then stop them all.

        Same production environment as ``server()``; request log lines off (LOG_REQUESTS=0):
        writing them would be measured too.
        """
        refresh_planner_statistics()
        server_env = self._server_env(env)
        RESULTS.mkdir(parents=True, exist_ok=True)
        started: list[tuple[subprocess.Popen, Any, Path]] = []
        try:
            for name, (argv, health_url) in commands.items():
                log_path = RESULTS / f"{name}.log"
                log = open(log_path, "wb")  # noqa: SIM115
                process = subprocess.Popen(
                    argv, cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT
                )
                started.append((process, log, log_path))
                wait_healthy(health_url, process=process, log_path=log_path, name=name)
            yield [process for process, _, _ in started]
        finally:
            for process, _, _ in reversed(started):
                process.terminate()
            for process, log, _ in started:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                log.close()

    def http_load(
        self,
        base_url: str,
        paths: list[str],
        *,
        authorization: str = "",
        concurrency: int = 16,
        duration: float | None = None,
        check: Check | None = None,
        tool: str | None = None,
    ) -> dict:
        """GET ``paths`` round-robin with ``concurrency`` connections for ``duration`` s.

        Only correct answers count. ``check`` (default: 2xx and JSON) is applied to a sample
        of every path before loading, and to every answer with the httpx loader; wrk can
        only see statuses, so there every non-2xx is counted. Any wrong answer, refused
        connection or timeout raises ``BenchFailure`` with what failed, instead of a rate.
        ``tool`` forces "wrk" or "httpx" (default: wrk when installed).
        """
        duration = duration or self.duration
        check = check or expect_json()
        verify_sample(base_url, paths, authorization, check)
        # A short warm-up so first-request costs (imports, pools) are not measured.
        self._httpx_load(base_url, paths[:50], authorization, min(concurrency, 4), 1.0, check)
        tool = tool or ("wrk" if shutil.which("wrk") else "httpx")
        if tool == "wrk":
            result = self._wrk_load(base_url, paths, authorization, concurrency, duration)
        else:
            result = self._httpx_load(base_url, paths, authorization, concurrency, duration, check)
        failures = {
            "wrong answers": result.pop("wrong", 0),
            "non-2xx": result["non_2xx"],
            "connection errors/timeouts": result["socket_errors"],
        }
        if any(failures.values()):
            raise BenchFailure(
                failure_report(
                    f"GET {base_url}{paths[0]}"
                    + (f" (+{len(paths) - 1} paths)" if paths[1:] else ""),
                    result["requests"],
                    failures,
                    result.pop("examples", []),
                )
            )
        result.pop("examples", None)
        return result

    def _wrk_load(self, base_url, paths, authorization, concurrency, duration) -> dict:
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "bench.lua"
            script.write_text(_WRK_SCRIPT)
            path_file = Path(tmp) / "paths.txt"
            path_file.write_text("\n".join(paths) + "\n")
            out = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{concurrency}",
                    f"-d{max(1, int(duration))}s",
                    "--timeout",
                    "5s",
                    "-s",
                    str(script),
                    base_url,
                    "--",
                    str(path_file),
                    authorization,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        data = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))
        seconds = data["duration_us"] / 1e6
        return {
            "tool": "wrk",
            "concurrency": concurrency,
            "requests": data["requests"],
            "rps": round(data["requests"] / seconds, 1),
            "p50_ms": round(data["p50_us"] / 1000, 2),
            "p95_ms": round(data["p95_us"] / 1000, 2),
            "p99_ms": round(data["p99_us"] / 1000, 2),
            "max_ms": round(data["max_us"] / 1000, 2),
            "non_2xx": data["non2xx"],
            "socket_errors": data["errors"],
            "body_checked": "sample",
        }

    def _httpx_load(self, base_url, paths, authorization, concurrency, duration, check) -> dict:
        import httpx

        latencies: list[float] = []
        counts = {"wrong": 0, "non_2xx": 0, "socket_errors": 0}
        examples: list[str] = []

        async def worker(client: httpx.AsyncClient, offset: int, stop_at: float) -> None:
            i = offset
            while time.monotonic() < stop_at:
                path = paths[i % len(paths)]
                i += concurrency
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                except httpx.HTTPError as exc:
                    counts["socket_errors"] += 1
                    examples.append(f"GET {path}: {exc.__class__.__name__}")
                    continue
                latencies.append(time.perf_counter() - started)
                problem = check(path, response.status_code, response.content)
                if problem is not None:
                    kind = "wrong" if 200 <= response.status_code < 300 else "non_2xx"
                    counts[kind] += 1
                    examples.append(f"GET {path}: {problem}")

        async def main() -> float:
            headers = {"Authorization": authorization} if authorization else {}
            limits = httpx.Limits(max_connections=concurrency)
            async with httpx.AsyncClient(
                base_url=base_url, headers=headers, limits=limits, timeout=10
            ) as client:
                started = time.monotonic()
                stop_at = started + duration
                await asyncio.gather(*(worker(client, n, stop_at) for n in range(concurrency)))
                return time.monotonic() - started

        elapsed = asyncio.run(main())
        summary = latency_summary(latencies)
        return {
            "tool": "httpx",
            "concurrency": concurrency,
            "requests": summary["count"] + counts["socket_errors"],
            "rps": round(summary["count"] / elapsed, 1),
            "p50_ms": summary["p50_ms"],
            "p95_ms": summary["p95_ms"],
            "p99_ms": summary["p99_ms"],
            "max_ms": summary["max_ms"],
            "non_2xx": counts["non_2xx"],
            "socket_errors": counts["socket_errors"],
            "wrong": counts["wrong"],
            "examples": examples,
            "body_checked": "every answer",
        }

    @staticmethod
    def authorization_for(user) -> str:
        """The original client's header value for ``user`` (a 30-minute access token)."""
        from mealbuddy.accounts.tokens import tokens_for_user

        return f"token {tokens_for_user(user)['token']}"


def verify_sample(base_url: str, paths: list[str], authorization: str, check: Check) -> None:
    """Before loading: up to 20 paths (spread over the list) must answer correctly."""
    import httpx

    step = max(1, len(paths) // 20)
    sample = list(dict.fromkeys(paths[::step]))[:20]
    headers = {"Authorization": authorization} if authorization else {}
    problems = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
        for path in sample:
            try:
                response = client.get(path)
            except httpx.HTTPError as exc:
                problems.append(f"GET {path}: {exc.__class__.__name__}")
                continue
            problem = check(path, response.status_code, response.content)
            if problem is not None:
                problems.append(f"GET {path}: {problem}")
    if problems:
        raise BenchFailure(
            failure_report(
                f"sample check before loading {base_url}",
                len(sample),
                {"wrong answers": len(problems)},
                problems,
            )
        )


def wait_healthy(
    url: str, *, process: subprocess.Popen, log_path: Path, name: str, timeout: float = 60
) -> None:
    """Wait until ``url`` answers 200; fail with the log's tail if ``process`` exits or
    ``timeout`` seconds pass first."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log_path.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start: {log_path.read_text()[-3000:]}")
        time.sleep(0.3)


def refresh_planner_statistics() -> None:
    """VACUUM ANALYZE the bench database after a scenario has loaded or reset its rows.

    A production database has statistics and cleaned-up tables from autovacuum; a freshly
    seeded one has no statistics yet (PostgreSQL would plan the feed as a bitmap scan plus
    sort, 5 ms, instead of a walk of the feed index, 0.1 ms), and one a scenario has just
    reset holds the dead rows of everything it deleted or updated, which a live database's
    minute never starts with. SQLite gets ANALYZE only.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def _create_postgres_database(database_url: str) -> None:
    """Create the bench database when it does not exist yet (PostgreSQL only)."""
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str) -> None:
    """Point this process's Django at the bench database, migrate it and load regions."""
    if database_url.startswith(("postgres://", "postgresql://")):
        _create_postgres_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from mealbuddy.regions.loader import regions_load

    regions_load()


def drain_task_queue() -> None:
    """Run the queued tasks to the end in this process (``db_worker --batch``), keeping the
    harness's own signal handlers (the worker installs its own)."""
    import signal

    from django.core.management import call_command

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


# --- Writes: each request sent once ---------------------------------------------------------


@dataclass(frozen=True)
class OneShot:
    """One write to send exactly once: ``method path`` with ``headers`` (a join, a payment).

    Writes are not repeatable like the GETs of ``http_load``: joining twice is a no-op, so a
    load that looped over its list would count answers that moved no money."""

    path: str
    headers: dict[str, str]
    method: str = "POST"


def http_once_load(
    base_url: str,
    requests: list[OneShot],
    *,
    concurrency: int = 16,
    duration: float = 10.0,
    warmup: int = 0,
    check: Check | None = None,
) -> dict:
    """Send ``requests`` in order, each once, from ``concurrency`` clients (httpx, one
    keep-alive connection each) until the list ends or ``duration`` seconds have passed.

    The first ``warmup`` requests go first with 4 clients and are not measured (their
    answers are checked all the same). Every answer is checked (``check``, default 2xx and
    JSON); any wrong answer, non-2xx, refused connection or timeout raises ``BenchFailure``
    with what failed, instead of a rate. Returns the rate and latencies of the measured part
    and ``sent``: how many requests went out in all (warm-up included), so the caller can
    verify exactly what those requests did.
    """
    import httpx

    check = check or expect_json()
    counts = {"wrong": 0, "non_2xx": 0, "socket_errors": 0}
    examples: list[str] = []
    sent = 0

    async def phase(todo: list[OneShot], clients: int, seconds: float) -> tuple[list, float]:
        nonlocal sent
        latencies: list[float] = []
        queue = iter(todo)

        async def worker(client: httpx.AsyncClient, stop_at: float) -> None:
            nonlocal sent
            for one in queue:  # one shared iterator: every request is taken once
                if time.monotonic() >= stop_at:
                    return
                sent += 1
                started = time.perf_counter()
                try:
                    response = await client.request(one.method, one.path, headers=one.headers)
                except httpx.HTTPError as exc:
                    counts["socket_errors"] += 1
                    examples.append(f"{one.method} {one.path}: {exc.__class__.__name__}")
                    continue
                latencies.append(time.perf_counter() - started)
                problem = check(one.path, response.status_code, response.content)
                if problem is not None:
                    kind = "wrong" if 200 <= response.status_code < 300 else "non_2xx"
                    counts[kind] += 1
                    examples.append(f"{one.method} {one.path}: {problem}")

        clients_list = [
            httpx.AsyncClient(base_url=base_url, timeout=10, limits=httpx.Limits(max_connections=1))
            for _ in range(clients)
        ]
        try:
            started = time.monotonic()
            stop_at = started + seconds
            await asyncio.gather(*(worker(client, stop_at) for client in clients_list))
            return latencies, time.monotonic() - started
        finally:
            for client in clients_list:
                await client.aclose()

    async def main() -> tuple[list, float]:
        if warmup:
            await phase(requests[:warmup], min(concurrency, 4), 60.0)
        return await phase(requests[warmup:], concurrency, duration)

    cpu_started = time.process_time()
    latencies, elapsed = asyncio.run(main())
    client_cpu = time.process_time() - cpu_started
    summary = latency_summary(latencies)
    failures = {
        "wrong answers": counts["wrong"],
        "non-2xx": counts["non_2xx"],
        "connection errors/timeouts": counts["socket_errors"],
    }
    if any(failures.values()):
        first = requests[0]
        raise BenchFailure(
            failure_report(
                f"{first.method} {base_url}{first.path} (+{len(requests) - 1} requests)",
                sent,
                failures,
                examples,
            )
        )
    return {
        "tool": "httpx",
        "concurrency": concurrency,
        "requests": summary["count"],
        "rps": round(summary["count"] / elapsed, 1) if elapsed else 0.0,
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "p99_ms": summary["p99_ms"],
        "max_ms": summary["max_ms"],
        "seconds": round(elapsed, 2),
        "sent": sent,
        "exhausted": sent == len(requests),
        # The load generator shares the machine: what it burnt is not the server's.
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(sent, 1), 2),
        "body_checked": "every answer",
    }
