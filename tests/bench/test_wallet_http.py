"""The wallet_http scenario's harness: each join sent once, only the expected success counted,
every join verified in the ledger afterwards, and any error failing the run."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from bench.common import BenchContext, BenchFailure, OneShot, http_once_load
from bench.scenarios import wallet_http
from tests.recommend.fakes import JSON, FakeServer
from tests.servers import free_port


def joined(method, path, query, body):
    """A server answering every join like the API: the order's detail, ``is_member``."""
    order_id = int(path.split("/")[3])
    return 200, JSON, {"id": order_id, "is_member": True}, 0


def plan(count: int) -> list[OneShot]:
    return [
        OneShot(path=f"/api/groupbuys/{n}/join/", headers={"Authorization": f"Bearer t{n}"})
        for n in range(count)
    ]


def test_each_write_is_sent_once_and_counted():
    requests = plan(40)
    with FakeServer(joined) as server:
        result = http_once_load(
            server.url,
            requests,
            concurrency=3,
            duration=10,
            warmup=5,
            check=wallet_http.JOIN_CHECK,
        )
    seen = [(r["method"], r["path"], r["headers"]["Authorization"]) for r in server.requests]
    assert sorted(seen) == sorted(("POST", r.path, r.headers["Authorization"]) for r in requests)
    assert result["sent"] == 40 and result["exhausted"]
    assert result["requests"] == 35  # the warm-up is checked, not measured
    assert result["rps"] > 0 and result["p99_ms"] >= result["p50_ms"]


def test_the_load_stops_at_its_duration_without_repeating_a_write():
    def slow(*args):
        status, content_type, body, _ = joined(*args)
        return status, content_type, body, 0.02

    with FakeServer(slow) as server:
        result = http_once_load(
            server.url, plan(2000), concurrency=2, duration=0.3, check=wallet_http.JOIN_CHECK
        )
    assert not result["exhausted"]
    assert result["sent"] == len(server.requests) < 2000
    assert len({r["path"] for r in server.requests}) == len(server.requests)


def test_a_refused_join_fails_the_run():
    def short_of_money(method, path, query, body):
        if path == "/api/groupbuys/17/join/":
            return 400, JSON, {"code": "insufficient_funds"}, 0
        return joined(method, path, query, body)

    with FakeServer(short_of_money) as server, pytest.raises(BenchFailure) as failure:
        http_once_load(server.url, plan(30), concurrency=2, check=wallet_http.JOIN_CHECK)
    assert "1 non-2xx out of 30" in str(failure.value)
    assert "insufficient_funds" in str(failure.value)


def test_a_200_that_did_not_join_is_a_wrong_answer():
    def not_member(method, path, query, body):
        order_id = int(path.split("/")[3])
        return 200, JSON, {"id": order_id, "is_member": order_id != 3}, 0

    with FakeServer(not_member) as server, pytest.raises(BenchFailure, match="1 wrong answers"):
        http_once_load(server.url, plan(10), concurrency=2, check=wallet_http.JOIN_CHECK)


def test_a_server_that_is_not_there_fails_the_run():
    with pytest.raises(BenchFailure, match="connection errors"):
        http_once_load(f"http://127.0.0.1:{free_port()}", plan(3), concurrency=1)


def test_the_plan_joins_each_member_to_an_order_once_spread_over_the_orders():
    orders = [SimpleNamespace(pk=100 + n) for n in range(7)]
    members = [SimpleNamespace(pk=n) for n in range(1, 13)]
    tokens = {m.pk: f"jwt-{m.pk}" for m in members}
    requests = wallet_http._plan(orders, members, tokens)
    pairs = [(r.path, r.headers["Authorization"]) for r in requests]
    assert len(pairs) == len(set(pairs)) == len(orders) * (wallet_http.TARGET - 1)
    for order in orders:
        newcomers = [a for p, a in pairs if p == f"/api/groupbuys/{order.pk}/join/"]
        assert len(newcomers) == len(set(newcomers)) == wallet_http.TARGET - 1
    # Consecutive requests go to different orders: concurrent joins rarely share a lock.
    assert all(a.path != b.path for a, b in zip(requests, requests[1:], strict=False))
    assert all(r.headers["Authorization"].startswith("Bearer jwt-") for r in requests)
    addresses = {r.headers["Authorization"]: r.headers["X-Forwarded-For"] for r in requests}
    assert len(set(addresses.values())) == len(members)


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(wallet_http, "MEMBERS", 12)
    monkeypatch.setattr(wallet_http, "HOSTS", 2)
    monkeypatch.setattr(wallet_http, "WARMUP", 4)
    monkeypatch.setattr(wallet_http, "PLAN_RATE", 20)


def _joined_orders(count: int, joins_each: int):
    from mealbuddy.groupbuys.services import groupbuy_join
    from mealbuddy.regions.models import Region

    region = Region.objects.get(code=wallet_http.REGION_CODE)
    hosts = wallet_http._people(region, "host", wallet_http.HOSTS)
    members = wallet_http._people(region, "m", wallet_http.MEMBERS)
    wallet_http._fund(members, "test")
    orders = wallet_http._orders(hosts, count, "test")
    for order in orders:
        for member in members[:joins_each]:
            groupbuy_join(group_order_id=order.pk, user=member)
    return orders


def test_verify_accepts_joins_that_held_the_right_amounts(db, small):
    orders = _joined_orders(2, 3)
    assert wallet_http._verify(orders, 6) == {
        "participations": 6,
        # Each order: 1,500 + 1,000 + 750 won of fee shares, and three deposits.
        "won_held": 2 * (1500 + 1000 + 750 + 3 * wallet_http.DEPOSIT),
        "ledger_problems": 0,
    }


def test_verify_refuses_a_success_that_moved_no_money(db, small):
    orders = _joined_orders(1, 2)
    # Three 200s (a repeated join answers 200 too) but two participations.
    with pytest.raises(BenchFailure, match="3 joins answered 200 but 2 participations"):
        wallet_http._verify(orders, 3)


def test_verify_refuses_a_wrong_hold(db, small):
    from mealbuddy.groupbuys.models import Participation

    orders = _joined_orders(1, 2)
    member = Participation.objects.filter(group_order=orders[0], hold_seq=1).last()
    Participation.objects.filter(pk=member.pk).update(held_cash=member.held_cash + 1)
    with pytest.raises(BenchFailure) as failure:
        wallet_http._verify(orders, 2)
    assert f"participation {member.pk}: held" in str(failure.value)
    assert f"order {orders[0].pk}: escrow" in str(failure.value)


def test_the_scenario_runs_against_a_real_server_and_verifies_every_join(
    regions_tx, small, monkeypatch
):
    """The whole scenario, tiny: gunicorn on the test database, half a second of joins."""
    from tests.servers import test_database_url

    monkeypatch.setenv("BENCH_WALLET_HTTP_CONCURRENCY", "2")
    ctx = BenchContext(database_url=test_database_url(), redis_url="", duration=0.5)
    result = wallet_http.run(ctx)
    joins = result["joins"]
    assert joins["requests"] > 0 and joins["rps"] > 0
    assert result["verified"]["participations"] == joins["sent"] + wallet_http.PROBE_JOINS
    assert result["verified"]["ledger_problems"] == 0
    assert result["queries_per_join"]["request"] > result["queries_per_join"]["groupbuy_join"]
    json.dumps(result)  # what the harness writes to bench/results
