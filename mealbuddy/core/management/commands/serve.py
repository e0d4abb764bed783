"""``manage.py serve``: the launcher behind ``make run`` / ``make serve``.

It refuses a configuration that would break silently (the system checks, including
``mealbuddy.core.checks``), prepares the static files production mode serves (collectstatic
into STATIC_ROOT under hashed names; unchanged files are skipped, well under a second here),
and then replaces itself with uvicorn.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Check the configuration, collect static files (DEBUG=0) and start uvicorn."
    # Checks run in handle(), after --workers has been applied to them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument(
            "--check-only",
            action="store_true",
            help="check and prepare static files, then exit instead of serving",
        )

    def handle(self, *args, host: str, port: int, workers: int | None, check_only: bool, **kw):
        if workers is not None:
            settings.WORKERS = workers
        self.check(fail_level=checks.ERROR)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        if check_only:
            return
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            str(settings.WORKERS),
            "--no-access-log",
            "--no-proxy-headers",
            "--lifespan",
            "off",
            # Chat frames are ~200 bytes: compressing them costs more CPU than it saves.
            "--ws-per-message-deflate",
            "false",
        ]
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - a fixed argv, no shell
