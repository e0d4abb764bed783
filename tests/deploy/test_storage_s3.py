"""Uploads on S3-compatible storage (S3_BUCKET set), against moto in server mode.

A production server configured only through the environment (as compose.yaml does) takes
an avatar through the API and the profile page; the file lands in the bucket and nowhere
on local disk, its URL is served by the S3 server, the page's CSP lets the image load, and
replacing the avatar or deleting the account deletes the object.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
import sys
import time
import uuid

import boto3
import httpx
import pytest
from PIL import Image

from mealbuddy.accounts.tokens import tokens_for_user
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.servers import ROOT, LiveServer, free_port

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
REGION = "ap-northeast-2"


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    log_path = ROOT / "test-artifacts" / f"moto-{port}.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    raise RuntimeError(log_path.read_text()[-2000:]) from None
                time.sleep(0.2)
        yield url
        process.terminate()
        process.wait(10)


def png(size=(900, 700), colour=(30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def keys(s3, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_avatar_lives_in_the_bucket_and_leaves_with_the_account(region_tx, s3_endpoint, tmp_path):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **CREDENTIALS)
    bucket = f"mealbuddy-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    local_media = tmp_path / "media"
    local_media.mkdir()
    user = UserFactory()
    auth = {"Authorization": f"token {tokens_for_user(user)['token']}"}
    env = {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "S3_REGION": REGION,
        "MEDIA_ROOT": str(local_media),
        # The test process hashed the password with its fast hasher.
        "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher",
    }
    with LiveServer(log_name="s3", env=env) as server:
        # 1. Through the API: re-encoded and stored in the bucket, nothing on local disk.
        response = httpx.patch(
            f"{server.url}/api/me/profile/",
            files={"avatar": ("me.png", png(), "image/png")},
            headers=auth,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        url = response.json()["avatar"]
        assert url.startswith(f"{s3_endpoint}/{bucket}/avatars/")
        # The photo and its two sizes (lists and chat, the profile page), all in the bucket.
        first_keys = keys(s3, bucket)
        assert len(first_keys) == 3
        assert all(k.startswith("avatars/") and k.endswith(".jpg") for k in first_keys)
        [first_key] = [k for k in first_keys if k in url]
        assert not any(local_media.rglob("*"))

        # 2. The URL the page and the API hand out is served by the S3 server.
        image = httpx.get(url, timeout=10)
        assert image.status_code == 200
        with Image.open(io.BytesIO(image.content)) as stored:
            assert stored.format == "JPEG" and max(stored.size) == 512

        # 3. The profile page shows it, and its CSP lets the browser load it from there.
        with httpx.Client(base_url=server.url, timeout=30) as browser:
            browser.get("/accounts/login/")
            browser.post(
                "/accounts/login/",
                data={
                    "email": user.email,
                    "password": DEFAULT_PASSWORD,
                    "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                },
            )
            page = browser.get("/accounts/profile/")
            assert page.status_code == 200
            [src] = re.findall(r'<img class="avatar" src="([^"]+)"', page.text)
            assert html.unescape(src).startswith(f"{s3_endpoint}/{bucket}/{first_key}")
            img_src = re.search(r"img-src ([^;]+)", page.headers["content-security-policy"])
            assert s3_endpoint in img_src.group(1).split()

            # 4. A new avatar through the page form replaces the object.
            replaced = browser.post(
                "/accounts/profile/",
                data={"csrfmiddlewaretoken": browser.cookies["csrftoken"], "spicy_tolerance": "2"},
                files={"avatar": ("new.png", png(colour=(250, 10, 10)), "image/png")},
            )
            assert replaced.status_code == 302, replaced.text[-500:]
        second_keys = keys(s3, bucket)
        assert len(second_keys) == 3 and not set(second_keys) & set(first_keys)
        assert httpx.get(url, timeout=10).status_code == 404  # the old object is gone

        # 5. Deleting the account deletes the avatar.
        deleted = httpx.post(
            f"{server.url}/api/user/delete/",
            json={"password": DEFAULT_PASSWORD},
            headers=auth,
            timeout=30,
        )
        assert deleted.status_code == 200, deleted.text
        assert keys(s3, bucket) == []
    assert not any(local_media.rglob("*"))
