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


# --- Cluster pieces (issue 9): task worker, scheduler, nginx, a Redis of the test's own -------


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a process run beside the test servers: same database, settings."""
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        {
            "DATABASE_URL": test_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
            **production_env(),
        }
    )
    env.update(extra or {})
    return env


class ManagedCommand:
    """``with ManagedCommand("db_worker", "--no-reload"):`` — a ``manage.py`` command running
    in its own process (a worker, a scheduler) until the block ends."""

    def __init__(self, *argv: str, env: dict[str, str] | None = None, log_name: str) -> None:
        self.argv = argv
        self.extra_env = env or {}
        self.log_path = ROOT / "test-artifacts" / f"{log_name}-{os.getpid()}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ManagedCommand:
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", *self.argv],
            cwd=ROOT,
            env=server_env(self.extra_env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def __exit__(self, *exc) -> None:
        stop_process(self.process)
        self._log.close()


def stop_process(process: subprocess.Popen | None, *, timeout: float = 10) -> None:
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def wait_for_port(port: int, *, timeout: float = 15, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream mealbuddy {{
{servers}
    }}
    upstream mealbuddy_ws {{
{ws_servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location /ws/ {{
            proxy_pass http://mealbuddy_ws;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://mealbuddy;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


class Nginx:
    """Debian's nginx in front of ``upstreams`` (round-robin), ``/ws/`` (with the WebSocket
    upgrade) to ``ws_upstreams`` (the same servers unless given: production sends HTTP to
    gunicorn and sockets to uvicorn), configured in a temporary directory with its own pid,
    log and temp paths."""

    def __init__(
        self, upstreams: list[LiveServer], ws_upstreams: list[LiveServer] | None = None
    ) -> None:
        self.upstreams = upstreams
        self.ws_upstreams = ws_upstreams or upstreams
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Nginx:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (make test installs Debian's nginx)")
        self.tmp = Path(tempfile.mkdtemp(prefix="mb-nginx-"))
        servers = "\n".join(f"        server 127.0.0.1:{s.port};" for s in self.upstreams)
        ws_servers = "\n".join(f"        server 127.0.0.1:{s.port};" for s in self.ws_upstreams)
        # As root nginx would hand its workers to "nobody", who cannot write the temp dir.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        conf = self.tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                user=user, tmp=self.tmp, servers=servers, ws_servers=ws_servers, port=self.port
            )
        )
        self.process = subprocess.Popen(
            [binary, "-p", str(self.tmp), "-c", str(conf), "-e", str(self.tmp / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.port, process=self.process)
        except RuntimeError:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        stop_process(self.process)
        shutil.rmtree(self.tmp, ignore_errors=True)


class RedisServer:
    """A Redis of the test's own on a free port, no persistence: it can be stopped and
    started again on the same port while the servers using it keep running."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process)

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def process_figures(pid: int) -> tuple[int, int]:
    """(resident memory in KiB, open file descriptors) of a process, from /proc."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))
