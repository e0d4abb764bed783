"""`make run`'s one process tree: the web server, one task worker and the scheduler.

Each runs as a child process in its own session, so the terminal's Ctrl+C reaches only this
supervisor, which then asks every child once to stop (SIGTERM: the worker finishes its
current task) and kills what has not stopped in ``STOP_SECONDS``. If one child dies, the
others are stopped too and the command fails, rather than serving without a worker.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

STOP_SECONDS = 15


def _die_with_parent() -> None:
    # Linux: if the supervisor is killed outright (SIGKILL), the children get SIGTERM.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Command(BaseCommand):
    help = "웹 서버, 작업 워커, 스케줄러를 함께 실행해요 (Ctrl+C 한 번으로 모두 멈춤)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "1")))

    def children(self, *, host: str, port: int, workers: int) -> dict[str, list[str]]:
        manage = str(settings.BASE_DIR / "manage.py")
        return {
            # `manage.py serve` refuses a configuration that would break silently, collects
            # the static files production mode serves, then becomes uvicorn: one server for
            # HTTP and /ws/ (no proxy here to split them; SERVER is for the proxied roles).
            "web": [
                sys.executable,
                manage,
                "serve",
                "--server",
                "uvicorn",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            "worker": [
                sys.executable,
                manage,
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "1",
            ],
            "scheduler": [sys.executable, manage, "run_scheduler"],
        }

    def handle(self, *args, host: str, port: int, workers: int, **options):
        stopping = False

        def request_stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1"}
        processes: dict[str, subprocess.Popen] = {}
        for name, argv in self.children(host=host, port=port, workers=workers).items():
            processes[name] = subprocess.Popen(  # noqa: S603 (our own argv, no shell)
                argv,
                cwd=settings.BASE_DIR,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.stdout.write(
            f"밀버디: http://{host}:{port} (웹 pid {processes['web'].pid}, "
            f"워커 pid {processes['worker'].pid}, 스케줄러 pid {processes['scheduler'].pid})"
        )
        failed = None
        while not stopping and failed is None:
            time.sleep(0.2)
            for name, process in processes.items():
                if process.poll() is not None:
                    failed = name
                    break
        self._stop_all(processes)
        if failed is not None:
            raise CommandError(
                f"{failed} stopped (exit {processes[failed].returncode}); stopped all"
            )

    def _stop_all(self, processes: dict[str, subprocess.Popen]) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
