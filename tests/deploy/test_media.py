"""Local uploads served by Django only where that is the plan (SERVE_MEDIA: debug mode and
`make run` on one machine), read-only, inside MEDIA_ROOT, never runnable as a page."""

from __future__ import annotations

import subprocess
import sys

from tests.servers import ROOT


def test_media_view_serves_files_under_media_root_as_inert_content(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    avatar = settings.MEDIA_ROOT / "avatars" / "a.png"
    avatar.parent.mkdir(parents=True)
    avatar.write_bytes(b"\x89PNG\r\n\x1a\n fake")
    (tmp_path / "secret.txt").write_text("not for you")

    response = client.get("/media/avatars/a.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == avatar.read_bytes()
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"

    for outside in ("/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/avatars/"):
        assert client.get(outside).status_code == 404, outside
    assert client.get("/media/avatars/missing.png").status_code == 404


def serve_media_setting(**env: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "from django.urls import resolve, Resolver404\n"
            "try:\n    resolve('/media/a.png'); routed = True\n"
            "except Resolver404:\n    routed = False\n"
            "print(settings.SERVE_MEDIA, routed)",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_leaves_uploads_to_the_proxy_or_the_bucket():
    key = "k" * 50
    assert serve_media_setting(DEBUG="0", SECRET_KEY=key) == "False False"
    assert serve_media_setting(DEBUG="0", SECRET_KEY=key, SERVE_MEDIA="1") == "True True"
    # With S3 nothing is local, whatever SERVE_MEDIA says.
    assert (
        serve_media_setting(DEBUG="0", SECRET_KEY=key, SERVE_MEDIA="1", S3_BUCKET="b")
        == "False False"
    )
