"""The feed's cost per request inside one process: what load tests on a busy machine blur.

The same data, reader and three paths as ``feed`` (``/api/post/?page=1``, ``?category=치킨&page=3``,
``/api/post/detail/<id>/`` over 500 posts), sent one after another through Django's test client
with DEBUG off and no request log lines (as the bench's servers run): no network, no server,
no concurrency. Reports mean wall and CPU milliseconds
per request. CPU time barely moves with other work on the machine, so two trees can be compared
even when the machine is not idle (issue 12 compared ``bad0b3e`` with its change this way).
Every answer is checked like ``feed``'s; a wrong one fails the scenario. ``BENCH_FEED_CPU_REQUESTS``
(default 1000) sets the requests per path.
"""

from __future__ import annotations

import logging
import os
import time

from bench.common import BenchFailure, failure_report
from bench.scenarios.feed import _setup, checks_and_paths


def run(ctx) -> dict:
    from django.test import Client

    from mealbuddy.core.logs import REQUEST_LOGGER

    reader, ids = _setup()
    paths, checks = checks_and_paths(ids)
    client = Client(HTTP_AUTHORIZATION=ctx.authorization_for(reader), HTTP_HOST="127.0.0.1")
    count = int(os.environ.get("BENCH_FEED_CPU_REQUESTS", "1000"))
    result: dict = {"requests_per_path": count}
    request_log = logging.getLogger(REQUEST_LOGGER)
    level = request_log.level
    request_log.setLevel(logging.CRITICAL)  # LOG_REQUESTS=0, as ctx.server's processes
    try:
        _measure(client, paths, checks, count, result)
    finally:
        request_log.setLevel(level)
    return result


def _measure(client, paths: dict, checks: dict, count: int, result: dict) -> None:
    from django.test.utils import override_settings

    with override_settings(DEBUG=False):
        for name, path_list in paths.items():
            for path in path_list[:3]:  # warm: caches, the first compile of each statement
                client.get(path)
            failures, examples = 0, []
            wall, cpu = time.perf_counter(), time.process_time()
            for n in range(count):
                path = path_list[n % len(path_list)]
                response = client.get(path)
                problem = checks[name](path, response.status_code, response.content)
                if problem is not None:
                    failures += 1
                    examples.append(f"{path}: {problem}")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if failures:
                raise BenchFailure(failure_report(name, count, {"wrong": failures}, examples))
            result[name] = {
                "wall_ms": round(wall / count * 1000, 3),
                "cpu_ms": round(cpu / count * 1000, 3),
            }
