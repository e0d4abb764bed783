"""The in-process feed figure counts only correct answers, like every other bench figure."""

from __future__ import annotations

import pytest

from bench.common import BenchContext, BenchFailure
from bench.scenarios import feed, feed_cpu

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_feed(monkeypatch, db):
    monkeypatch.setattr(feed, "ORDERS", 40)
    monkeypatch.setattr(feed, "USERS", 3)
    monkeypatch.setenv("BENCH_FEED_CPU_REQUESTS", "12")
    return BenchContext(database_url="", redis_url="", duration=1.0)


def test_it_reports_wall_and_cpu_time_per_request_for_each_path(small_feed):
    result = feed_cpu.run(small_feed)
    assert result["requests_per_path"] == 12
    for name in ("feed_page1", "category_page3", "detail"):
        assert result[name]["wall_ms"] > 0
        assert 0 < result[name]["cpu_ms"] <= result[name]["wall_ms"] * 2


def test_a_wrong_answer_fails_the_scenario(small_feed, monkeypatch):
    paths_and_checks = feed.checks_and_paths

    def detail_must_say_something_else(ids):
        paths, checks = paths_and_checks(ids)
        checks["detail"] = lambda path, status, body: "not the post asked for"
        return paths, checks

    monkeypatch.setattr(feed_cpu, "checks_and_paths", detail_must_say_something_else)
    with pytest.raises(BenchFailure, match="detail: 12 wrong out of 12"):
        feed_cpu.run(small_feed)
