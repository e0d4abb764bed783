"""Our own account API (/api/me/, /api/me/profile/) and log-in throttling."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from mealbuddy.accounts.models import Profile
from tests.conftest import SEOGYO
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def image_upload(fmt="PNG", size=(800, 600), name="me.png", mode="RGB") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 80, 20)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


# --- /api/me/ ----------------------------------------------------------------------------------


def test_me_shows_own_account_with_region(auth_client, user):
    response = auth_client.get("/api/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk and body["email"] == user.email
    assert body["region"]["code"] == SEOGYO
    assert body["region"]["full_name"] == "서울특별시 마포구 서교동"


def test_me_patch_changes_nickname_and_neighbourhood(auth_client, user):
    response = auth_client.patch(
        "/api/me/",
        {"username": "바뀐닉", "address": "경기 성남시 분당구 정자동 178-1"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["region"]["full_name"] == "경기도 성남시 분당구 정자동"
    user.refresh_from_db()
    assert user.username == "바뀐닉" and user.address == "경기 성남시 분당구 정자동 178-1"


def test_me_patch_with_picker_region_id(auth_client, user, far_region):
    response = auth_client.patch(
        "/api/me/", {"address": far_region.full_name, "region": far_region.pk}, format="json"
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.region == far_region
    assert (user.lat, user.lon) == (far_region.lat, far_region.lon)


def test_me_patch_bad_nickname_is_field_error(auth_client, user):
    response = auth_client.patch("/api/me/", {"username": "a b (관리자)"}, format="json")
    assert response.status_code == 400
    assert "닉네임은" in response.json()["errors"]["username"][0]


def test_me_requires_authentication(api_client):
    assert api_client.get("/api/me/").status_code == 401
    assert api_client.patch("/api/me/", {"username": "x"}).status_code == 401


# --- /api/me/profile/ -------------------------------------------------------------------------


def test_profile_defaults_then_patch_json(auth_client, user):
    response = auth_client.get("/api/me/profile/")
    assert response.status_code == 200
    assert response.json() == {
        "gender": "",
        "age_band": "",
        "spicy_tolerance": 2,
        "dietary_restrictions": [],
        "favourite_categories": [],
        "avatar": None,
    }
    response = auth_client.patch(
        "/api/me/profile/",
        {
            "gender": "female",
            "age_band": "30s",
            "spicy_tolerance": 3,
            "dietary_restrictions": ["no_pork"],
            "favourite_categories": ["치킨", "족발,보쌈"],
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["spicy_tolerance"] == 3 and body["dietary_restrictions"] == ["no_pork"]
    # stored in the catalogue's order
    assert body["favourite_categories"] == ["족발,보쌈", "치킨"]
    assert Profile.objects.get(user=user).gender == "female"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"spicy_tolerance": 4}, "spicy_tolerance"),
        ({"spicy_tolerance": -1}, "spicy_tolerance"),
        ({"gender": "robot"}, "gender"),
        ({"age_band": "90s"}, "age_band"),
        ({"favourite_categories": ["햄버거"]}, "favourite_categories"),
        ({"dietary_restrictions": ["carnivore"]}, "dietary_restrictions"),
    ],
)
def test_profile_bad_values_are_field_errors(auth_client, body, field):
    response = auth_client.patch("/api/me/profile/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_avatar_upload_is_reencoded_and_shrunk(
    auth_client, user, django_capture_on_commit_callbacks
):
    response = auth_client.patch(
        "/api/me/profile/", {"avatar": image_upload(size=(1600, 1200))}, format="multipart"
    )
    assert response.status_code == 200, response.content
    url = response.json()["avatar"]
    assert url.startswith("http://testserver/media/avatars/") and url.endswith(".jpg")
    profile = Profile.objects.get(user=user)
    with Image.open(profile.avatar.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 512
    old_path = profile.avatar.path

    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.patch(
            "/api/me/profile/",
            {"avatar": image_upload(size=(64, 64), mode="RGBA", name="a.png")},
            format="multipart",
        )
    assert response.json()["avatar"].endswith(".png")
    assert not os.path.exists(old_path)  # the replaced file is gone
    response = auth_client.patch("/api/me/profile/", {"remove_avatar": True}, format="json")
    assert response.json()["avatar"] is None


def test_avatar_that_is_not_an_image_is_refused(auth_client):
    fake = SimpleUploadedFile("evil.png", b"<?php echo 'hi'; ?>", content_type="image/png")
    response = auth_client.patch("/api/me/profile/", {"avatar": fake}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["avatar"] == ["이미지 파일이 아니거나 손상된 파일이에요."]


def test_avatar_in_an_unaccepted_format_is_refused(auth_client):
    response = auth_client.patch(
        "/api/me/profile/", {"avatar": image_upload(fmt="BMP", name="a.bmp")}, format="multipart"
    )
    assert response.status_code == 400
    assert "JPEG" in response.json()["errors"]["avatar"][0]


def test_avatar_over_5_mb_is_refused(auth_client):
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 1), "image/jpeg")
    response = auth_client.patch("/api/me/profile/", {"avatar": big}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"]["avatar"] == ["사진은 5MB 이하만 올릴 수 있어요."]


def test_profile_requires_authentication(api_client):
    assert api_client.get("/api/me/profile/").status_code == 401


def test_schema_documents_account_endpoints(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/auth/refresh/",
        "/api/auth/logout/",
        "/api/me/",
        "/api/me/profile/",
        "/api/me/password/",
        "/api/me/delete/",
        "/api/user/register/",
        "/api/user/login/",
        "/api/user/current/",
        "/api/user/update/",
        "/api/user/changepassword/",
        "/api/user/delete/",
    ):
        assert path in paths, path


# --- log-in throttling -------------------------------------------------------------------------


def login(email, password, **extra):
    return APIClient().post(
        "/api/user/login/", {"email": email, "password": password}, format="json", **extra
    )


def test_repeated_failures_for_one_email_from_one_address_get_429_even_with_the_right_password(
    user, settings
):
    settings.LOGIN_THROTTLE_LIMIT = 3
    for _ in range(3):
        assert login(user.email, "틀림", REMOTE_ADDR="10.0.0.1").status_code == 400
    blocked = login(user.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.1")
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == str(settings.LOGIN_THROTTLE_WINDOW)
    assert "로그인 시도가 너무 많아요" in blocked.json()["errors"]["error"][0]
    # The owner somewhere else is not locked out by someone guessing from 10.0.0.1.
    assert login(user.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_few_failures_behind_one_address_do_not_lock_everyone_behind_it(user, settings):
    """A NAT or a proxy: one person's typos must not lock their neighbours out."""
    settings.LOGIN_THROTTLE_LIMIT = 3
    settings.LOGIN_THROTTLE_IP_LIMIT = 20
    typo = UserFactory()
    for _ in range(5):
        assert login(typo.email, "틀림", REMOTE_ADDR="203.0.113.7").status_code in (400, 429)
    assert login(typo.email, DEFAULT_PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert login(user.email, DEFAULT_PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 200


def test_many_failures_from_one_address_get_429_across_emails(user, settings):
    settings.LOGIN_THROTTLE_LIMIT = 3
    settings.LOGIN_THROTTLE_IP_LIMIT = 6
    for n in range(6):
        assert login(f"guess{n}@example.com", "x", REMOTE_ADDR="203.0.113.7").status_code == 400
    assert login(user.email, DEFAULT_PASSWORD, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert login(user.email, DEFAULT_PASSWORD, REMOTE_ADDR="203.0.113.8").status_code == 200


def test_spoofed_x_forwarded_for_does_not_get_around_it(user, settings):
    settings.LOGIN_THROTTLE_IP_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(3):
        response = login(
            f"guess{n}@example.com",
            "x",
            REMOTE_ADDR="198.51.100.5",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}",
        )
        assert response.status_code == 400
    spoofed = login(
        "guess9@example.com", "x", REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="9.9.9.9"
    )
    assert spoofed.status_code == 429


def test_behind_one_trusted_proxy_the_client_written_part_is_ignored(user, settings):
    settings.LOGIN_THROTTLE_IP_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy (REMOTE_ADDR 10.0.0.1) appends the address it saw: 203.0.113.50.
    for n in range(3):
        response = login(
            f"guess{n}@example.com",
            "x",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"7.7.7.{n}, 203.0.113.50",
        )
        assert response.status_code == 400
    again = login(
        "guess8@example.com",
        "x",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.50",
    )
    assert again.status_code == 429
    # a different real client behind the same proxy is fine
    other = login(
        user.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.51"
    )
    assert other.status_code == 200


def test_a_success_clears_the_email_counter(user, settings):
    settings.LOGIN_THROTTLE_LIMIT = 3
    for _ in range(2):
        assert login(user.email, "틀림", REMOTE_ADDR="10.1.0.1").status_code == 400
    assert login(user.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.1.0.1").status_code == 200
    for _ in range(2):
        assert login(user.email, "틀림", REMOTE_ADDR="10.1.0.1").status_code == 400
    assert login(user.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.1.0.1").status_code == 200


def test_the_window_expires(user, settings):
    from django.core.cache import cache

    from mealbuddy.accounts.services import _throttle_keys

    settings.LOGIN_THROTTLE_LIMIT = 2
    for _ in range(2):
        login(user.email, "틀림", REMOTE_ADDR="10.9.0.1")
    assert login(user.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.9.0.1").status_code == 429
    cache.delete_many(_throttle_keys(email=user.email, ip="10.9.0.1"))  # what expiry does
    assert login(user.email, DEFAULT_PASSWORD, REMOTE_ADDR="10.9.0.1").status_code == 200


def test_log_in_still_works_while_the_shared_cache_is_down(user, caplog):
    from django.test import override_settings

    # Redis gone (nothing listens on port 1): the counters cannot be read or written, which
    # must not turn every log-in into a 500. The outage is logged.
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=dead):
        assert login(user.email, "틀림").status_code == 400
        ok = login(user.email, DEFAULT_PASSWORD)
    assert ok.status_code == 200 and ok.json()["user"]["token"]
    assert "cache unavailable" in caplog.text
