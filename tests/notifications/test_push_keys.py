"""VAPID keys: generated once per checkout, or given by the environment (shared by machines)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

from django.core.management import call_command
from py_vapid import Vapid

from tests.push_service import b64url
from tests.servers import ROOT


def _settings_in_a_fresh_process(**env: str) -> dict[str, str]:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.VAPID_PRIVATE_KEY, s.VAPID_PUBLIC_KEY, s.VAPID_KEYS_GENERATED]))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VAPID_")}
    environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    private, public, generated = json.loads(out)
    return {"private": private, "public": public, "generated": generated}


def _public_of(private: str) -> str:
    from cryptography.hazmat.primitives import serialization

    return b64url(
        Vapid.from_string(private).public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def test_without_configuration_the_key_is_generated_once_into_an_ignored_file():
    first = _settings_in_a_fresh_process()
    second = _settings_in_a_fresh_process()
    assert first == second and first["generated"] is True
    assert (ROOT / ".vapid_key").read_text().strip() == first["private"]
    assert _public_of(first["private"]) == first["public"]
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", ".vapid_key"], cwd=ROOT, check=False
    ).returncode
    assert ignored == 0


def test_keys_from_the_environment_win_and_the_public_key_follows_the_private_one():
    out = StringIO()
    call_command("vapid_keys", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().split())
    assert _public_of(lines["VAPID_PRIVATE_KEY"]) == lines["VAPID_PUBLIC_KEY"]
    configured = _settings_in_a_fresh_process(VAPID_PRIVATE_KEY=lines["VAPID_PRIVATE_KEY"])
    assert configured == {
        "private": lines["VAPID_PRIVATE_KEY"],
        "public": lines["VAPID_PUBLIC_KEY"],
        "generated": False,
    }
