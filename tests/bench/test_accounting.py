"""The benchmark counts only correct answers: a server that errs makes the run fail."""

from __future__ import annotations

import itertools
import json
import shutil
import sys
import types

import pytest

from bench.common import BenchContext, BenchFailure, expect_json
from tests.recommend.fakes import JSON, FakeServer

GOOD = {"posts": [{"id": 1}], "paginator": {}}
CHECK = expect_json("posts", "paginator", predicate=lambda path, data: data["posts"])


def flaky(every: int, bad):
    """Answers GOOD, except every ``every``-th request gets ``bad`` (status, body)."""
    counter = itertools.count(1)

    def respond(method, path, query, body):
        n = next(counter)
        if n > 25 and n % every == 0:  # the sample check (first answers) passes
            return (*bad, 0)
        return 200, JSON, GOOD, 0

    return respond


@pytest.fixture
def ctx():
    return BenchContext(database_url="", redis_url="", duration=1.0)


TOOLS = [
    "httpx",
    pytest.param(
        "wrk", marks=pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk not installed")
    ),
]


@pytest.mark.parametrize("tool", TOOLS)
def test_correct_answers_give_a_rate(ctx, tool):
    with FakeServer(lambda *a: (200, JSON, GOOD, 0)) as server:
        result = ctx.http_load(server.url, ["/api/post/"], concurrency=2, check=CHECK, tool=tool)
    assert result["requests"] > 0 and result["rps"] > 0 and result["non_2xx"] == 0


@pytest.mark.parametrize("tool", TOOLS)
def test_a_server_answering_500_sometimes_fails_the_run(ctx, tool):
    with (
        FakeServer(flaky(5, (500, JSON, {"error": "boom"}))) as server,
        pytest.raises(BenchFailure) as failure,
    ):
        ctx.http_load(server.url, ["/api/post/"], concurrency=2, check=CHECK, tool=tool)
    assert "non-2xx" in str(failure.value)


@pytest.mark.parametrize("tool", TOOLS)
def test_redirects_are_not_success(ctx, tool):
    with (
        FakeServer(flaky(4, (302, JSON, ""))) as server,
        pytest.raises(BenchFailure, match="non-2xx"),
    ):
        ctx.http_load(server.url, ["/api/post/"], concurrency=2, check=CHECK, tool=tool)


def test_a_200_with_the_wrong_body_is_not_counted_as_correct(ctx):
    with (
        FakeServer(flaky(7, (200, JSON, {"posts": []}))) as server,
        pytest.raises(BenchFailure, match="wrong answers"),
    ):
        ctx.http_load(server.url, ["/api/post/"], concurrency=2, check=CHECK, tool="httpx")


@pytest.mark.parametrize("tool", TOOLS)
def test_wrong_bodies_are_caught_before_loading_even_where_wrk_sees_only_statuses(ctx, tool):
    with (
        FakeServer(lambda *a: (200, "text/html", "<h1>Server Error</h1>", 0)) as server,
        pytest.raises(BenchFailure, match="sample check"),
    ):
        ctx.http_load(server.url, ["/api/post/"], concurrency=2, check=CHECK, tool=tool)


def test_a_failed_scenario_exits_non_zero_with_no_rate(monkeypatch, tmp_path, capsys):
    import bench.__main__ as harness

    def run(ctx):
        raise BenchFailure("GET /api/post/: 37 non-2xx out of 1000 answers")

    module = types.ModuleType("bench.scenarios.failing")
    module.run = run
    monkeypatch.setitem(sys.modules, "bench.scenarios.failing", module)
    monkeypatch.setattr(harness, "setup_django", lambda url: None)
    monkeypatch.setattr(harness, "RESULTS", tmp_path)
    assert harness.main(["failing"]) == 1
    report = json.loads((tmp_path / "latest.json").read_text())
    scenario = report["scenarios"]["failing"]
    assert scenario["failed"] == ["GET /api/post/: 37 non-2xx out of 1000 answers"]
    assert "rps" not in json.dumps(scenario)
    assert "FAILED failing" in capsys.readouterr().err


def test_no_reference_figures_of_the_original_service_in_the_results():
    from bench.common import ROOT

    for path in (ROOT / "bench" / "scenarios").glob("*.py"):
        source = path.read_text()
        assert "original_service" not in source, path
