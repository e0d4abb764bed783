"""The scheduler: every tick (a minute), enqueue each periodic job that is due.

Run one per machine if you like: the lease rows let one scheduler enqueue each job per tick.
"""

from __future__ import annotations

import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from mealbuddy.jobs.services import jobs_tick, tick_start


class Command(BaseCommand):
    help = "주기 작업을 매 틱(기본 1분)마다 큐에 넣어요. --once 는 한 번만 실행해요."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one tick and exit")

    def handle(self, *args, once: bool = False, **options):
        self.verbosity = options["verbosity"]
        if once:
            self._tick()
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        seconds = settings.JOBS_TICK_SECONDS
        while not stop.is_set():
            try:
                self._tick()
            except Exception as exc:  # a database blip must not stop the schedule
                self.stderr.write(f"scheduler tick failed: {exc!r}")
            finally:
                close_old_connections()
            # Sleep to the start of the next tick (a second late, so clocks a little apart
            # still agree which tick it is).
            next_tick = tick_start(now=timezone.now()).timestamp() + seconds + 1
            stop.wait(max(0.5, next_tick - time.time()))

    def _tick(self) -> None:
        enqueued = jobs_tick()
        if enqueued and self.verbosity >= 2:
            self.stdout.write("enqueued: " + ", ".join(enqueued))
