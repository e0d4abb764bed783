"""Provider keys from the environment: which providers are on, and what the CSP allows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django, json
django.setup()
from django.conf import settings
print(json.dumps({
    "providers": sorted(settings.SOCIALACCOUNT_PROVIDERS),
    "kakao_app": settings.SOCIALACCOUNT_PROVIDERS.get("kakao", {}).get("APP"),
    "form_action": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"],
    "kakao_token": settings.SOCIAL_PROVIDER_URLS["kakao"]["token"],
    "kakao_profile": settings.SOCIAL_PROVIDER_URLS["kakao"]["profile"],
}))
"""


def probe(**env: str) -> dict:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SOCIAL_")}
    full.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "SECRET_KEY": "x" * 50, **env}
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_keys_no_providers():
    found = probe()
    assert found["providers"] == []
    assert found["form_action"] == ["'self'"]


def test_keys_switch_providers_on_and_allow_their_consent_pages():
    found = probe(
        SOCIAL_KAKAO_CLIENT_ID="kakao-key",  # Kakao's secret is optional
        SOCIAL_NAVER_CLIENT_ID="naver-id",  # Naver without its secret stays off
        SOCIAL_GOOGLE_CLIENT_ID="google-id",
        SOCIAL_GOOGLE_SECRET="google-secret",
        SOCIAL_PROVIDER_URLS=json.dumps({"kakao": {"token": "http://127.0.0.1:9/kakao/token"}}),
    )
    assert found["providers"] == ["google", "kakao"]
    assert found["kakao_app"] == {"client_id": "kakao-key", "secret": "", "key": ""}
    assert found["form_action"] == [
        "'self'",
        "https://kauth.kakao.com",
        "https://accounts.google.com",
    ]
    # One endpoint overridden, the others stay the real ones.
    assert found["kakao_token"] == "http://127.0.0.1:9/kakao/token"
    assert found["kakao_profile"] == "https://kapi.kakao.com/v2/user/me"
