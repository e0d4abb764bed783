"""The container files, checked where no Docker engine runs.

compose.yaml, the Dockerfile and the Procfile name commands and variables; a typo there
would only show at deploy time. Here every command is resolved against the project
(Django's own command table and each command's argument parser), every variable given to
the app is one config/settings.py reads, and the health probe the image runs is tried
against a real server.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import pytest
import yaml
from django.core.management import get_commands, load_command_class

from tests.servers import ROOT, LiveServer, free_port

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
# The services built from the project's image.
APP_SERVICES = {name for name, svc in SERVICES.items() if svc.get("build") == "."}
DOCKERFILE = (ROOT / "Dockerfile").read_text()


@pytest.fixture(autouse=True)
def _production_task_backend(settings):
    """The containers queue tasks in the database (the suite runs them inline): the worker's
    command line is parsed against that backend."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def settings_variables() -> set[str]:
    """Every variable config/settings.py reads: env.str("X"), env.bool("X"), env.db("X")…"""
    source = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', source))


def assert_manage_command(argv: list[str]) -> None:
    """``python manage.py NAME ARGS…``: NAME is a command of this project and ARGS parse."""
    assert argv[:2] == ["python", "manage.py"], argv
    name, args = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"{name} is not a manage.py command"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    parser.parse_args(args)  # exits (SystemExit) on an unknown option


def shell_commands(line: str) -> list[list[str]]:
    """The commands of ``a && b``, each split as a shell would."""
    return [shlex.split(part) for part in line.split("&&")]


def assert_app_command(command) -> None:
    if isinstance(command, str):
        command = shlex.split(command)
    if command[:2] == ["sh", "-c"]:
        for part in shell_commands(command[2]):
            assert_manage_command(part)
    else:
        assert_manage_command(command)


# --- compose.yaml ---------------------------------------------------------------------------


def test_settings_variables_are_found_in_the_source():
    found = settings_variables()
    # A sample of how settings read them (str, bool, int, list, db, path).
    assert {
        "SECRET_KEY",
        "DEBUG",
        "WORKERS",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "MEDIA_ROOT",
    } <= found
    assert {"S3_BUCKET", "LOG_FORMAT", "SENTRY_DSN", "SERVE_MEDIA"} <= found


def test_every_settings_variable_is_documented():
    """The README's configuration table and .env.example list every variable settings read."""
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    for name in sorted(settings_variables()):
        assert f"`{name}`" in readme, f"{name} is missing from the README"
        assert re.search(rf"^#?\s*{name}=", example, re.MULTILINE), f"{name}: .env.example"


def test_compose_has_the_production_roles():
    assert {"proxy", "migrate", "web", "ws", "worker", "scheduler", "db", "redis"} <= set(SERVICES)
    assert {"migrate", "web", "ws", "worker", "scheduler"} == APP_SERVICES


def test_http_goes_to_gunicorn_and_sockets_to_uvicorn():
    """The measured winner (README "Performance"): gunicorn (WSGI, threads) for HTTP, uvicorn
    only for /ws/; the Caddyfile sends /ws/* to `ws` and the rest to `web` by default."""
    web, ws = SERVICES["web"]["command"], SERVICES["ws"]["command"]
    assert web[web.index("--server") + 1] == "gunicorn"
    assert ws[ws.index("--server") + 1] == "uvicorn"
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    ws_block = caddyfile[caddyfile.index("handle /ws/* {") :]
    assert "{$WS_HOST:ws}" in ws_block.split("handle {")[0]
    assert "{$WEB_HOST:web}" in ws_block.split("handle {")[1]
    # gunicorn reaches the sockets only through Redis: the web service has it.
    assert SERVICES["web"]["environment"]["REDIS_URL"].startswith("redis://")
    for service in ("web", "ws"):
        assert SERVICES["proxy"]["depends_on"][service]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", ["migrate", "web", "ws", "worker", "scheduler"])
def test_every_app_service_command_exists_in_the_project(service):
    assert_app_command(SERVICES[service]["command"])


@pytest.mark.parametrize("service", ["migrate", "web", "ws", "worker", "scheduler"])
def test_every_variable_set_for_the_app_is_read_by_settings(service):
    environment = SERVICES[service]["environment"]
    unknown = set(environment) - settings_variables()
    assert not unknown, f"{service} sets variables settings never read: {sorted(unknown)}"


def test_variables_that_must_be_set_stop_compose_with_a_message():
    text = (ROOT / "compose.yaml").read_text()
    for name in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "POSTGRES_PASSWORD",
        "SITE_ADDRESS",
        "VAPID_PRIVATE_KEY",
    ):
        assert re.search(r"\$\{" + name + r":\?[^}]+\}", text), name
    # Nothing secret has a default in the file.
    assert "SECRET_KEY: ${SECRET_KEY:-" not in text
    assert "VAPID_PRIVATE_KEY: ${VAPID_PRIVATE_KEY:-" not in text
    environment = SERVICES["web"]["environment"]
    assert environment["DEBUG"] == "0"
    assert environment["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"
    assert environment["REDIS_URL"].startswith("redis://redis:")
    assert (
        environment["DATABASE_URL"].startswith("postgres://")
        and "@db:5432/" in (environment["DATABASE_URL"])
    )


def test_web_scales_and_starts_after_the_one_shot_migration():
    web = SERVICES["web"]
    # --scale web=N: a fixed name or a published host port would collide between replicas.
    assert "container_name" not in web and "ports" not in web
    assert "container_name" not in SERVICES["ws"] and "ports" not in SERVICES["ws"]
    for service in ("web", "ws", "worker", "scheduler"):
        depends = SERVICES[service]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["db"]["condition"] == "service_healthy"
    migrate = SERVICES["migrate"]
    assert migrate["restart"] == "no"
    assert "migrate" in migrate["command"][2]


def test_healthchecks_and_volumes():
    for service in ("db", "redis", "proxy"):
        assert SERVICES[service]["healthcheck"]["test"], service
    # web keeps the image's HEALTHCHECK; roles without a web server switch it off.
    assert "healthcheck" not in SERVICES["web"] and "healthcheck" not in SERVICES["ws"]
    for service in ("migrate", "worker", "scheduler"):
        assert SERVICES[service]["healthcheck"] == {"disable": True}
    assert SERVICES["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    volumes = set(COMPOSE["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    assert "redisdata:/data" in SERVICES["redis"]["volumes"]
    # The proxy serves the uploads the app writes: the same volume on both sides.
    assert "media:/app/media" in SERVICES["web"]["volumes"]
    assert "media:/srv/media:ro" in SERVICES["proxy"]["volumes"]
    assert {"pgdata", "redisdata", "media"} <= volumes


def test_files_the_services_reference_exist():
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).is_file(), f"{name}: {source} is missing"
        if service.get("build"):
            assert (ROOT / service["build"] / "Dockerfile").is_file()


def test_proxy_is_the_only_published_service():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}


# --- Dockerfile -------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)  # join continued lines
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            rows.append((keyword.upper(), rest.strip()))
    return rows


def test_dockerfile_runs_as_a_non_root_user_from_a_slim_python_311():
    rows = dockerfile_instructions()
    assert rows[0][0] == "FROM" and re.fullmatch(r"python:3\.11-slim(-\w+)?", rows[0][1])
    users = [rest for keyword, rest in rows if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    keywords = [keyword for keyword, _ in rows]
    assert keywords.index("USER") < keywords.index("CMD")


def test_dockerfile_installs_dependencies_before_the_code_and_collects_static_files():
    rows = dockerfile_instructions()
    copies = [rest for keyword, rest in rows if keyword == "COPY"]
    assert copies[0].startswith("pyproject.toml")  # the dependency layer is cached
    assert copies[1] == ". ."
    runs = [rest for keyword, rest in rows if keyword == "RUN"]
    collect = [run for run in runs if "collectstatic" in run]
    assert collect and "SECRET_KEY=" in collect[0]
    # The build-time key is one step's variable, never baked into the image.
    envs = " ".join(rest for keyword, rest in rows if keyword == "ENV")
    assert "SECRET_KEY" not in envs
    assert "DEBUG=0" in envs and "LOG_FORMAT=json" in envs


def test_dockerfile_command_serves_on_all_interfaces_through_the_launcher():
    import json

    cmd = json.loads(next(rest for keyword, rest in dockerfile_instructions() if keyword == "CMD"))
    assert cmd[:3] == ["python", "manage.py", "serve"]
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert_manage_command(cmd)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {
        ".env",
        ".secret_key",
        ".git",
        ".venv",
        "db.sqlite3*",
        "media",
        "staticfiles",
    } <= ignored


def healthcheck_command() -> str:
    rest = next(rest for keyword, rest in dockerfile_instructions() if keyword == "HEALTHCHECK")
    command = rest.split(" CMD ", 1)[1]
    assert "/healthz" in command
    return command


def test_image_health_probe_passes_on_a_healthy_server_and_fails_without_one(db):
    """The HEALTHCHECK line itself, run against a real server in production settings
    whose ALLOWED_HOSTS does not list 127.0.0.1 first (the probe must send a valid Host)."""
    argv = shlex.split(healthcheck_command())
    assert argv[0] == "python" and "curl" not in argv
    argv[0] = sys.executable
    with LiveServer(
        log_name="healthcheck", env={"ALLOWED_HOSTS": "mealbuddy.example,127.0.0.1", "HTTPS": "1"}
    ) as server:
        probe = [arg.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}") for arg in argv]
        env = {"ALLOWED_HOSTS": "mealbuddy.example,127.0.0.1", "PATH": "/usr/bin:/bin"}
        healthy = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=30)
        assert healthy.returncode == 0, healthy.stderr
    nobody = [arg.replace("127.0.0.1:8000", f"127.0.0.1:{free_port()}") for arg in argv]
    down = subprocess.run(nobody, env=env, capture_output=True, text=True, timeout=30)
    assert down.returncode != 0


# --- Procfile ---------------------------------------------------------------------------------


def procfile() -> dict[str, str]:
    rows = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip():
            name, _, command = line.partition(":")
            rows[name.strip()] = command.strip()
    return rows


def test_procfile_has_every_role_and_each_command_resolves():
    rows = procfile()
    assert set(rows) == {"release", "web", "worker", "scheduler"}
    for line in rows.values():
        for command in shell_commands(line.replace("${PORT:-8000}", "8000")):
            assert_manage_command(command)
    assert "migrate" in rows["release"]
    assert "0.0.0.0" in rows["web"] and "$" in rows["web"]  # the platform's PORT


def test_dependency_layer_installs_exactly_the_pinned_dependencies(tmp_path):
    """The RUN line that turns pyproject.toml into a requirements file, run as the build would."""
    import shutil
    import tomllib

    run = next(rest for keyword, rest in dockerfile_instructions() if "tomllib" in rest)
    extract = run.split(" && ")[0].replace("/tmp/requirements.txt", str(tmp_path / "req.txt"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    subprocess.run(
        ["sh", "-c", extract.replace("python ", f"{sys.executable} ", 1)], cwd=tmp_path, check=True
    )
    wanted = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert (tmp_path / "req.txt").read_text().split() == wanted
    assert all("==" in line for line in wanted)  # pinned: the image is reproducible
