"""`make run`'s serve_all: web server, worker and scheduler as one command, one Ctrl+C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from mealbuddy.groupbuys.models import GroupOrder
from mealbuddy.groupbuys.services import groupbuy_join
from mealbuddy.notifications.models import Notification
from tests import servers
from tests.factories import UserFactory
from tests.groupbuys.conftest import make_order


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_serve_all_serves_runs_tasks_and_stops_everything_on_one_ctrl_c(regions_tx, tmp_path):
    host, member = UserFactory(), UserFactory()
    order = make_order(host)
    groupbuy_join(group_order_id=order.pk, user=member)
    GroupOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    Notification.objects.all().delete()

    port = servers.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": servers.test_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TASKS_BACKEND": "database",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = tmp_path / "serve_all.log"
    with open(log, "wb") as out:
        supervisor = subprocess.Popen(
            [sys.executable, "manage.py", "serve_all", "--port", str(port)],
            cwd=servers.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def healthy() -> bool:
            assert supervisor.poll() is None, log.read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait_for(healthy, 40, "/healthz")
        pids = [int(p) for p in re.findall(r"pid (\d+)", log.read_text())]
        assert len(pids) == 3 and all(_alive(pid) for pid in pids)
        # The scheduler's first tick queued close_expired; the worker closed the order and
        # then ran the members' notice that closing queued.
        _wait_for(
            lambda: Notification.objects.filter(kind=Notification.Kind.CLOSED).count() == 2,
            60,
            "the worker to close the expired order and notify its members",
        )
        assert GroupOrder.objects.get(pk=order.pk).closed_reason == "deadline"
        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(30) == 0, log.read_text()
        _wait_for(lambda: not any(_alive(pid) for pid in pids), 10, "every child to exit")
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()


@pytest.mark.django_db(transaction=True)
def test_serve_all_stops_the_others_and_fails_when_one_part_dies(tmp_path):
    # The web server cannot bind a port that is taken: it exits at once.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **os.environ,
            "DATABASE_URL": servers.test_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "TASKS_BACKEND": "database",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        log = tmp_path / "serve_all.log"
        with open(log, "wb") as out:
            supervisor = subprocess.Popen(
                [sys.executable, "manage.py", "serve_all", "--port", str(port)],
                cwd=servers.ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            assert supervisor.wait(60) == 1
        finally:
            if supervisor.poll() is None:
                supervisor.kill()
                supervisor.wait()
    text = log.read_text()
    assert "web stopped" in text, text
    pids = [int(p) for p in re.findall(r"pid (\d+)", text)]
    assert len(pids) == 3
    _wait_for(lambda: not any(_alive(pid) for pid in pids), 10, "every child to exit")
