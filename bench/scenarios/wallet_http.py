"""Joining prepaid group orders over HTTP: every join holds the member's share in escrow.

Set up in 역삼동 (kept apart from the other scenarios), fresh each run: prepaid orders
("앱에서 결제", delivery fee 3,000 won, no-show deposit 1,000 won, 10 places) made with
``groupbuy_create``, and ``MEMBERS`` neighbours whose cash is funded with ``topup_credit``.
Then ``concurrency`` clients (default 16) send ``POST /api/groupbuys/<id>/join/`` with
``Authorization: Bearer <jwt>``, each (member, order) pair exactly once, round-robin over
the orders so that concurrent joins rarely meet on one order's lock. Each join locks the
order, adds the participation, holds fee share + deposit (user cash → the order's escrow,
one ledger transfer), posts the chat's join message, notifies the host and answers the
order's detail.

The server is the production one (DEBUG=0, PostgreSQL + Redis from the environment):
``BENCH_WALLET_HTTP_SERVER`` = ``gunicorn`` (default: what compose.yaml runs, 2 workers ×
SERVER_THREADS threads) or ``uvicorn`` (2 workers, ``ctx.server``). It trusts one proxy's
X-Forwarded-For, as behind Caddy, and each member sends their own address, so the per-user
and per-address join throttles run as in production without one address's limit refusing
the bench.

Only the expected success counts: 200 with the order's detail saying ``is_member``. Any
other answer fails the run. Afterwards every join is verified in the database: one
participation per successful answer, each holding exactly ``fee // headcount`` (the
newcomer's equal share at the headcount it joined at) plus the deposit, in one transfer
``hold:<participation>:1`` of that amount into the order's escrow; every order's escrow
balance equals the sum of its members' holds; ``ledger_problems()`` is empty.

Also reported: the queries of one join (``CaptureQueriesContext`` around one request through
the whole Django stack, and around ``groupbuy_join`` alone), the server processes' CPU per
join and the load average. Targets (issue 10): ≥ 300 joins-with-hold/s, p99 < 100 ms.
"""

from __future__ import annotations

import math
import os
import uuid
from datetime import timedelta

from bench.common import BenchFailure, OneShot, expect_json, http_once_load

REGION_CODE = "11680101"  # 역삼동
MEMBERS = 1500
HOSTS = 40
TARGET = 10
DELIVERY_FEE = 3000
DEPOSIT = 1000
FUNDS = 1_000_000
WARMUP = 100
# Orders enough for this many joins per second over the measured duration.
PLAN_RATE = 700
TARGETS = {"joins_per_s": 300.0, "p99_ms": 100.0}


def _address(user_id: int) -> str:
    """A member's own client address (what Caddy would put in X-Forwarded-For)."""
    return f"10.{(user_id >> 16) & 255}.{(user_id >> 8) & 255}.{user_id & 255}"


def _people(region, prefix: str, count: int) -> list:
    from mealbuddy.accounts.models import User

    emails = [f"bench-wallet-http-{prefix}{n}@example.com" for n in range(count)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    User.objects.bulk_create(
        [
            # No password: tokens are minted here, nobody logs in (hashing would take minutes).
            User(
                email=email,
                username=f"bwh{prefix}{n}",
                password="!",
                region=region,
                address=region.full_name,
            )
            for n, email in enumerate(emails)
            if email not in existing
        ]
    )
    return list(User.objects.filter(email__in=emails).order_by("pk"))


def _fund(members, stamp: str) -> None:
    from mealbuddy.wallet import services

    for member in members:
        if services.user_cash_account(user=member).balance < FUNDS // 2:
            services.topup_credit(
                key=f"bench-http-fund:{stamp}:{member.pk}",
                user=member,
                provider="bench",
                amount=FUNDS,
            )


def _orders(hosts, count: int, stamp: str) -> list:
    from django.utils import timezone

    from mealbuddy.groupbuys.models import GroupOrder
    from mealbuddy.groupbuys.services import groupbuy_create

    deadline = timezone.now() + timedelta(hours=23)
    return [
        groupbuy_create(
            host=hosts[n % len(hosts)],
            title=f"bench-wh {stamp} {n}",
            category="치킨",
            restaurant=f"가게 {n % 100}",
            target_count=TARGET,
            delivery_fee=DELIVERY_FEE,
            deadline=deadline,
            payment=GroupOrder.Payment.PREPAID,
            noshow_deposit=DEPOSIT,
        )
        for n in range(count)
    ]


def _plan(orders, members, tokens: dict[int, str]) -> list[OneShot]:
    """Every (member, order) pair once: round r gives each order its r-th newcomer, so
    consecutive requests go to different orders; an order's newcomers are distinct members."""
    if len(members) < TARGET - 1:
        raise ValueError(f"need at least {TARGET - 1} members")
    plan = []
    for round_ in range(TARGET - 1):
        for index, order in enumerate(orders):
            member = members[(index * (TARGET - 1) + round_) % len(members)]
            plan.append(
                OneShot(
                    path=f"/api/groupbuys/{order.pk}/join/",
                    headers={
                        "Authorization": f"Bearer {tokens[member.pk]}",
                        "X-Forwarded-For": _address(member.pk),
                    },
                )
            )
    return plan


JOIN_CHECK = expect_json(
    "id",
    "is_member",
    predicate=lambda path, data: (
        path == f"/api/groupbuys/{data['id']}/join/" and data["is_member"] is True
    ),
)


def _queries_per_join(order, members, tokens) -> dict:
    """One join through the whole Django stack (auth, throttles, view, detail answer) and
    one through ``groupbuy_join`` alone, each counted with ``CaptureQueriesContext``."""
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mealbuddy.groupbuys.services import groupbuy_join

    def counted(call) -> list[dict]:
        reset_queries()  # a full query log (DEBUG, after the set-up) would capture nothing
        with CaptureQueriesContext(connection) as captured:
            call()
        # Copied now: captured_queries is a view of the connection's log, cleared above.
        return list(captured.captured_queries)

    first, second, third = members[-1], members[-2], members[-3]
    # The order's first join also creates its escrow account (three statements more).
    first_join = counted(lambda: groupbuy_join(group_order_id=order.pk, user=first))
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {tokens[second.pk]}", HTTP_X_FORWARDED_FOR=_address(second.pk)
    )
    path = f"/api/groupbuys/{order.pk}/join/"
    responses = []
    request = counted(lambda: responses.append(client.post(path)))
    problem = JOIN_CHECK(path, responses[0].status_code, responses[0].content)
    if problem is not None:
        raise BenchFailure(f"POST {path} in process: {problem}")
    service = counted(lambda: groupbuy_join(group_order_id=order.pk, user=third))
    return {
        "request": len(request),
        "groupbuy_join": len(service),
        "groupbuy_join_first_of_order": len(first_join),
        "request_statements": [q["sql"][:90] for q in request],
    }


PROBE_JOINS = 3


def _verify(orders, joins: int) -> dict:
    """Every join held the right amount, in the right escrow; the book is whole."""
    from collections import defaultdict

    from django.db.models import F

    from mealbuddy.groupbuys.models import Participation
    from mealbuddy.wallet.models import Account, Entry
    from mealbuddy.wallet.selectors import ledger_problems

    problems: list[str] = []
    members = list(
        Participation.objects.filter(group_order__in=orders)
        .exclude(user_id=F("group_order__host_id"))
        .order_by("group_order_id", "pk")
    )
    if len(members) != joins:
        problems.append(f"{joins} joins answered 200 but {len(members)} participations exist")
    holds = dict(
        Entry.objects.filter(
            transfer__key__in=[f"hold:{p.pk}:1" for p in members],
            account__kind=Account.Kind.ESCROW,
        ).values_list("transfer__key", "amount")
    )
    escrow = dict(
        Account.objects.filter(
            kind=Account.Kind.ESCROW, reference__in=[o.ledger_ref for o in orders]
        ).values_list("reference", "balance")
    )
    held_by_order: dict[int, int] = defaultdict(int)
    rank: dict[int, int] = defaultdict(lambda: 1)  # the host is the first member
    for p in members:
        rank[p.group_order_id] += 1
        share = DELIVERY_FEE // rank[p.group_order_id]
        expected = share + DEPOSIT
        got = (p.held_cash, p.held_points, p.deposit_held, p.deposit_state, p.hold_seq)
        if got != (share, 0, DEPOSIT, "held", 1):
            problems.append(f"participation {p.pk}: held {got}, expected share {share}")
        if holds.get(f"hold:{p.pk}:1") != expected:
            problems.append(
                f"participation {p.pk}: transfer hold:{p.pk}:1 put "
                f"{holds.get(f'hold:{p.pk}:1')} in escrow, expected {expected}"
            )
        held_by_order[p.group_order_id] += p.held_cash + p.held_points + p.deposit_held
    for order in orders:
        balance = escrow.get(order.ledger_ref, 0)
        if balance != held_by_order[order.pk]:
            problems.append(
                f"order {order.pk}: escrow {balance} != members' holds {held_by_order[order.pk]}"
            )
    problems += [f"wallet_check: {p}" for p in ledger_problems()]
    if problems:
        raise BenchFailure(f"{len(problems)} problems after the load:\n" + "\n".join(problems[:20]))
    return {
        "participations": len(members),
        "won_held": sum(held_by_order.values()),
        "ledger_problems": 0,
    }


def _database_cpu(database_url: str) -> float | None:
    """CPU seconds of the PostgreSQL backends serving the bench database (local server
    only, read from /proc; connections that close during the load are missed)."""
    from urllib.parse import urlparse

    if not database_url.startswith(("postgres://", "postgresql://")):
        return None
    name = urlparse(database_url).path.lstrip("/")
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().decode(errors="replace")
            if not command.startswith("postgres:") or f" {name} " not in command:
                continue
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _server(ctx, kind: str, env: dict):
    """The app server: gunicorn (compose.yaml's) through ``ctx.processes``, or uvicorn
    through ``ctx.server``; yields (base url, pids whose CPU is the server's)."""
    from contextlib import contextmanager

    from mealbuddy.core.management.commands.serve import gunicorn_argv
    from tests.servers import free_port

    @contextmanager
    def started():
        if kind == "uvicorn":
            with ctx.server(workers=2, env=env) as server:
                yield server.url, [server.process.pid]
            return
        port = free_port()
        argv = gunicorn_argv(host="127.0.0.1", port=port, workers=2)
        url = f"http://127.0.0.1:{port}"
        with ctx.processes({"gunicorn": (argv, f"{url}/healthz")}, env=env) as processes:
            yield url, [p.pid for p in processes]

    return started()


def run(ctx) -> dict:
    from bench.scenarios.chat import _cpu_seconds
    from mealbuddy.accounts.tokens import tokens_for_user
    from mealbuddy.regions.models import Region

    kind = os.environ.get("BENCH_WALLET_HTTP_SERVER", "gunicorn")
    concurrency = int(os.environ.get("BENCH_WALLET_HTTP_CONCURRENCY", "16"))
    stamp = uuid.uuid4().hex[:10]
    region = Region.objects.get(code=REGION_CODE)
    hosts = _people(region, "host", HOSTS)
    members = _people(region, "m", MEMBERS)
    _fund(members, stamp)
    tokens = {m.pk: tokens_for_user(m)["token"] for m in members}
    count = math.ceil((WARMUP + PLAN_RATE * ctx.duration) / (TARGET - 1))
    orders = _orders(hosts, count + 1, stamp)
    probe, orders = orders[0], orders[1:]
    queries = _queries_per_join(probe, members, tokens)
    plan = _plan(orders, members, tokens)
    env = {
        # As behind Caddy: one trusted proxy, each member's own address.
        "TRUSTED_PROXY_COUNT": "1",
        # Throttle counters of this run only (members join again in the next run).
        "CACHE_PREFIX": f"{os.environ.get('CACHE_PREFIX', 'bench')}-wallet-http-{stamp}",
    }
    with _server(ctx, kind, env) as (url, pids):
        cpu_before = sum(_cpu_seconds(pid) for pid in pids)
        database_before = _database_cpu(ctx.database_url)
        load = http_once_load(
            url,
            plan,
            concurrency=concurrency,
            duration=ctx.duration,
            warmup=min(WARMUP, len(plan) // 4),
            check=JOIN_CHECK,
        )
        cpu = sum(_cpu_seconds(pid) for pid in pids) - cpu_before
        database_after = _database_cpu(ctx.database_url)
    # CPU per join sent (warm-up included) of the app server's processes and of the
    # PostgreSQL backends: what the two cores are spent on.
    load["server_cpu_ms_per_join"] = round(1000 * cpu / max(load["sent"], 1), 2)
    if database_before is not None:
        load["postgres_cpu_ms_per_join"] = round(
            1000 * (database_after - database_before) / max(load["sent"], 1), 2
        )
    load["load_average_1m"] = round(os.getloadavg()[0], 2)
    verified = _verify([probe, *orders], load["sent"] + PROBE_JOINS)
    return {
        "server": kind,
        "orders": len(orders),
        "members": len(members),
        "targets": TARGETS,
        "joins": load,
        "meets_targets": load["rps"] >= TARGETS["joins_per_s"]
        and load["p99_ms"] < TARGETS["p99_ms"],
        "queries_per_join": queries,
        "verified": verified,
    }
