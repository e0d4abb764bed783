"""Real uvicorn processes serving the test database, for browser and cross-process tests.

They run in production settings (DEBUG=0, manifest static files collected once per test
session, an explicit SECRET_KEY and ALLOWED_HOSTS), plain HTTP on loopback (HTTPS=0), so
the browser journeys and the page sweep see what a deployment serves.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
_static_root: Path | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database the tests are using right now (the test database)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings['NAME']}"


def production_env() -> dict[str, str]:
    """What a production server gets; the same SECRET_KEY as this process, so sessions and
    tokens the tests mint here are valid there."""
    return {
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(production_static_root()),
    }


def production_static_root() -> Path:
    """collectstatic in production settings, once per test session, into a temporary dir."""
    global _static_root
    if _static_root is None:
        path = Path(tempfile.mkdtemp(prefix="mb-static-"))
        env = dict(os.environ)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update({"DEBUG": "0", "STATIC_ROOT": str(path), "SECRET_KEY": settings.SECRET_KEY})
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=120,
        )
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        _static_root = path
    return _static_root


class LiveServer:
    """``with LiveServer() as server: server.url`` — one uvicorn process on a free port."""

    def __init__(
        self,
        *,
        env: dict[str, str] | None = None,
        log_name: str = "server",
        log_level: str = "warning",
        server: str = "uvicorn",
    ) -> None:
        # "gunicorn": the WSGI app under gunicorn's threaded workers, started with the argv
        # `manage.py serve --server gunicorn` uses (HTTP only: no /ws/).
        self.server = server
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.log_level = log_level
        self.log_path = ROOT / "test-artifacts" / f"{log_name}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> LiveServer:
        self.log_path.parent.mkdir(exist_ok=True)
        env = dict(os.environ)
        # The browser tests relax async safety in their own process, never in the server.
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(
            {
                "DATABASE_URL": test_database_url(),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "PYTHONUNBUFFERED": "1",
                **production_env(),
                # No worker runs beside a test server: tasks run inside the request.
                "TASKS_BACKEND": "immediate",
            }
        )
        env.update(self.extra_env)
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-2000:]}")

    def command(self) -> list[str]:
        if self.server == "gunicorn":
            from mealbuddy.core.management.commands.serve import gunicorn_argv

            argv = gunicorn_argv(host="127.0.0.1", port=self.port, workers=1, threads=4)
            return [*argv[:-2], "--log-level", self.log_level]
        return [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            self.log_level,
            "--no-proxy-headers",
            # Chat frames are ~200 bytes: compressing them costs more CPU than it saves.
            "--ws-per-message-deflate",
            "false",
        ]

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()
