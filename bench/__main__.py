"""`python -m bench [scenario ...]` — run the benchmark scenarios, print and save figures.

Scenarios: every module in bench/scenarios/ with a ``run(ctx)`` function (all by default).
Environment: DATABASE_URL (default: bench/results/bench.sqlite3), REDIS_URL (optional),
BENCH_DURATION (seconds per measurement, default 10). The ``topology`` scenario (PostgreSQL +
Redis only) compares web servers behind Caddy: BENCH_TOPOLOGIES picks some of uvicorn,
gunicorn, granian, granian-wsgi; BENCH_GUNICORN_THREADS sets threads per WSGI process.

Only correct answers are counted (see ``BenchContext.http_load``) and chat deliveries are
counted one by one; a scenario with any wrong answer, error or lost message is reported as
failed, with what failed and no rate, and the run exits non-zero.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import platform
import sys
import time
from datetime import UTC, datetime

from bench import scenarios
from bench.common import RESULTS, BenchContext, BenchFailure, setup_django


def main(argv: list[str]) -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{RESULTS / 'bench.sqlite3'}"
    redis_url = os.environ.get("REDIS_URL", "")
    setup_django(database_url)
    names = argv or sorted(m.name for m in pkgutil.iter_modules(scenarios.__path__))
    ctx = BenchContext(
        database_url=database_url,
        redis_url=redis_url,
        duration=float(os.environ.get("BENCH_DURATION", "10")),
    )
    report = {
        "started_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "database": database_url.split("://")[0],
        "channel_layer": "redis" if redis_url else "in-memory",
        "scenarios": {},
    }
    failed = False
    for name in names:
        module = importlib.import_module(f"bench.scenarios.{name}")
        if not hasattr(module, "run"):
            continue
        print(f"== {name}", flush=True)
        started = time.monotonic()
        try:
            result = module.run(ctx)
        except BenchFailure as exc:
            # Wrong answers or lost messages: no rate is reported for this scenario.
            failed = True
            result = {"failed": str(exc).splitlines()}
            print(f"FAILED {name}:\n{exc}", file=sys.stderr, flush=True)
        except Exception as exc:  # noqa: BLE001 - report and go on with the other scenarios
            failed = True
            result = {"error": f"{exc.__class__.__name__}: {exc}"}
            print(f"FAILED {name}: {result['error']}", file=sys.stderr, flush=True)
        result["seconds"] = round(time.monotonic() - started, 1)
        report["scenarios"][name] = result
        print(json.dumps(result, ensure_ascii=False, indent=2), flush=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for path in (RESULTS / f"bench-{stamp}.json", RESULTS / "latest.json"):
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"written to {RESULTS / 'latest.json'}")
    if failed:
        print("the benchmark FAILED: see the scenarios marked failed/error above", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
