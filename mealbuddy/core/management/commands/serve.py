"""``manage.py serve``: the launcher behind ``make run`` / ``make serve`` and the containers.

It refuses a configuration that would break silently (the system checks, including
``mealbuddy.core.checks``), prepares the static files production mode serves (collectstatic
into STATIC_ROOT under hashed names; unchanged files are skipped, well under a second here),
and then replaces itself with the server ``--server`` (or ``SERVER``) names:

- ``uvicorn`` (default): config.asgi, HTTP and WebSockets in one server; ``make run``.
- ``gunicorn``: config.wsgi with threaded (gthread) workers, HTTP only. Plain HTTP costs
  about half the CPU per request there (README "Performance"); the proxy sends ``/ws/`` to
  a uvicorn beside it (``--server uvicorn``), so the two meet through Redis.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand

SERVERS = ("uvicorn", "gunicorn")


def uvicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--no-proxy-headers",
        "--lifespan",
        "off",
        # Chat frames are ~200 bytes: compressing them costs more CPU than it saves.
        "--ws-per-message-deflate",
        "false",
    ]


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int | None = None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        # Threads wait on PostgreSQL and Redis while another runs Python; each takes a
        # pooled connection only for its request (CONN_MAX_AGE=0 + psycopg's pool).
        "--worker-class",
        "gthread",
        "--threads",
        str(threads or settings.SERVER_THREADS),
        # Longer than Caddy keeps an idle upstream connection (deploy/Caddyfile, 60 s), so
        # the proxy never reuses a connection gunicorn has just closed (a 502). Idle
        # keep-alive connections wait in gunicorn's poller, not on a thread.
        "--keep-alive",
        "75",
        # Its default control socket lives at one path in $HOME: two servers on one
        # machine (tests, a second role) would fight over it; nothing here uses it.
        "--no-control-socket",
        # The heartbeat file on tmpfs: a container's overlay disk can stall the workers.
        *(["--worker-tmp-dir", "/dev/shm"] if os.path.isdir("/dev/shm") else []),  # noqa: S108
        "--log-level",
        "warning",
    ]


class Command(BaseCommand):
    help = "Check the configuration, collect static files (DEBUG=0) and start the web server."
    # Checks run in handle(), after --workers and --server have been applied to them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument(
            "--server",
            choices=SERVERS,
            default=None,
            help="uvicorn (HTTP + WebSockets, the default: SERVER) or gunicorn (HTTP only)",
        )
        parser.add_argument(
            "--check-only",
            action="store_true",
            help="check and prepare static files, then exit instead of serving",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int | None,
        server: str | None,
        check_only: bool,
        **kw,
    ):
        if workers is not None:
            settings.WORKERS = workers
        if server is not None:
            settings.SERVER = server
        self.check(fail_level=checks.ERROR)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        if check_only:
            return
        if settings.SERVER == "gunicorn":
            argv = gunicorn_argv(host=host, port=port, workers=settings.WORKERS)
        else:
            argv = uvicorn_argv(host=host, port=port, workers=settings.WORKERS)
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - a fixed argv, no shell
