"""The ledger through its service layer: 8 threads calling ``transfer_execute`` directly.

Two measurements, each for ``BENCH_WALLET_SECONDS`` (default: the bench duration, at most 5):

- ``spread``: transfers of 1 won between random pairs of 400 funded users' cash accounts
  (contention is rare: two transfers meet on an account about 8/400 of the time);
- ``hot``: every thread holds 1 won from a random user into ONE order's escrow account, the
  row every transfer must lock: the rate of the lock everyone queues on.

Each call is a full transfer (idempotency-key insert, the accounts locked in id order, two
entries, two balance updates, commit), with account ids resolved beforehand as group orders
will hold them. Afterwards the whole book is checked (``ledger_problems``) and the number
of transfers and the escrow balance must match the successful calls; anything else fails
the scenario. One Python process: the GIL is shared by the 8 threads, so the figure is the
service layer's rate per process, not the database's ceiling.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid

from bench.common import BenchFailure, latency_summary, refresh_planner_statistics

USERS = 400
THREADS = 8
FUNDS = 10_000_000


def _users() -> list:
    from mealbuddy.accounts.models import User

    emails = [f"bench-wallet-{n}@example.com" for n in range(USERS)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create(
        [
            # No password: nobody logs in as a bench user, and hashing 400 would take minutes.
            User(email=email, username=f"bw{n}", password="!")
            for n, email in enumerate(emails)
            if email not in existing
        ]
    )
    return list(User.objects.filter(email__in=emails).order_by("pk"))


def _fund(users, stamp: str) -> list[int]:
    from mealbuddy.wallet import services
    from mealbuddy.wallet.models import Account

    ids = []
    for user in users:
        account = services.user_cash_account(user=user)
        if account.balance < FUNDS // 2:
            services.topup_credit(
                key=f"bench-fund:{stamp}:{user.pk}", user=user, provider="bench", amount=FUNDS
            )
        ids.append(account.pk)
    assert Account.objects.filter(pk__in=ids, balance__gte=FUNDS // 2).count() == len(ids)
    return ids


def _hammer(seconds: float, make_legs) -> dict:
    """THREADS threads calling transfer_execute for ``seconds``; returns rate and latencies."""
    from django.db import connection

    from mealbuddy.wallet.models import Transfer
    from mealbuddy.wallet.services import transfer_execute

    prefix = f"bench:{uuid.uuid4().hex[:12]}:"
    latencies: list[list[float]] = [[] for _ in range(THREADS)]
    errors: list[str] = []
    barrier = threading.Barrier(THREADS + 1)
    stop = threading.Event()

    def work(n: int) -> None:
        rng = random.Random(n)
        own = latencies[n]
        count = 0
        try:
            barrier.wait()
            while not stop.is_set():
                count += 1
                kind, reference, legs = make_legs(rng)
                started = time.perf_counter()
                transfer_execute(
                    key=f"{prefix}{n}:{count}", kind=kind, reference=reference, legs=legs
                )
                own.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - any failure fails the scenario
            errors.append(f"{exc.__class__.__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    cpu_started = time.process_time()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if errors:
        raise BenchFailure(f"{len(errors)} transfers failed, e.g. {errors[:3]}")
    done = sum(len(own) for own in latencies)
    stored = Transfer.objects.filter(key__startswith=prefix).count()
    if stored != done:
        raise BenchFailure(f"{done} transfers succeeded but {stored} were stored")
    return {
        "transfers": done,
        "transfers_per_s": round(done / elapsed, 1),
        "latency": latency_summary([s for own in latencies for s in own]),
        # This process's CPU (all threads: ORM, driver, the GIL's owner) per transfer and in
        # cores busy; what is left of the machine's cores is what PostgreSQL got.
        "client_cpu_ms_per_transfer": round(1000 * cpu / max(done, 1), 2),
        "client_cores_busy": round(cpu / elapsed, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def run(ctx) -> dict:
    from mealbuddy.wallet import services
    from mealbuddy.wallet.selectors import ledger_problems

    seconds = float(os.environ.get("BENCH_WALLET_SECONDS", min(ctx.duration, 5.0)))
    stamp = uuid.uuid4().hex[:12]
    users = _users()
    cash = _fund(users, stamp)
    hot = services.escrow_account(order_ref=f"order:bench-hot-{stamp}")
    refresh_planner_statistics()

    def spread(rng):
        a, b = rng.sample(cash, 2)
        return "bench", "", [(a, -1), (b, 1)]

    def into_hot_escrow(rng):
        return "hold", hot.reference, [(rng.choice(cash), -1), (hot.pk, 1)]

    result = {
        "cpus": os.cpu_count(),
        "threads": THREADS,
        "accounts": len(cash),
        "seconds_each": seconds,
        "spread": _hammer(seconds, spread),
        "hot_escrow": _hammer(seconds, into_hot_escrow),
    }
    hot.refresh_from_db()
    if hot.balance != result["hot_escrow"]["transfers"]:
        raise BenchFailure(
            f"hot escrow holds {hot.balance} won after {result['hot_escrow']['transfers']} holds"
        )
    problems = ledger_problems()
    if problems:
        raise BenchFailure("wallet_check: " + "; ".join(problems[:5]))
    return result
