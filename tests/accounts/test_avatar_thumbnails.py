"""The ``avatar_thumbnails`` backfill: photos uploaded before the square copies existed get
them; running it again does nothing; unreadable photos are skipped with a log line."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from mealbuddy.accounts import services
from mealbuddy.accounts.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_photo(*, size=(400, 300), mode="RGB", fmt="JPEG") -> str:
    buffer = io.BytesIO()
    Image.new(mode, size, (30, 120, 200)).save(buffer, format=fmt)
    return default_storage.save("avatars/2024/01/old.jpg", ContentFile(buffer.getvalue()))


def old_profile(avatar: str, **fields) -> Profile:
    """A profile as an upload before the copies left it: the photo only."""
    profile = Profile.objects.create(user=UserFactory())
    Profile.objects.filter(pk=profile.pk).update(avatar=avatar, **fields)
    profile.refresh_from_db()
    return profile


def side(field) -> tuple[int, int]:
    with default_storage.open(field.name, "rb") as f, Image.open(f) as image:
        return image.size


def run() -> str:
    out = io.StringIO()
    call_command("avatar_thumbnails", stdout=out)
    return out.getvalue()


def test_makes_the_missing_copies_and_a_second_run_does_nothing():
    profile = old_profile(stored_photo())
    untouched = Profile.objects.create(user=UserFactory())  # no photo: nothing to make
    assert "Made thumbnails for 1 avatars; skipped 0" in run()
    profile.refresh_from_db()
    assert side(profile.avatar_thumb) == (services.AVATAR_THUMB, services.AVATAR_THUMB)
    assert side(profile.avatar_large) == (services.AVATAR_LARGE, services.AVATAR_LARGE)
    assert profile.avatar_thumb.name.startswith("avatars/")
    untouched.refresh_from_db()
    assert not untouched.avatar_thumb and not untouched.avatar_large

    names = (profile.avatar_thumb.name, profile.avatar_large.name)
    assert "Made thumbnails for 0 avatars; skipped 0" in run()
    profile.refresh_from_db()
    assert (profile.avatar_thumb.name, profile.avatar_large.name) == names


def test_only_the_missing_size_is_made():
    thumb = default_storage.save("avatars/2024/01/thumb.jpg", ContentFile(b"kept as it is"))
    profile = old_profile(stored_photo(), avatar_thumb=thumb)
    assert services.avatar_sizes_backfill() == {"made": 1, "skipped": 0}
    profile.refresh_from_db()
    assert profile.avatar_thumb.name == thumb
    assert side(profile.avatar_large) == (services.AVATAR_LARGE, services.AVATAR_LARGE)


def test_a_transparent_photo_keeps_its_transparency():
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 300), (0, 0, 0, 0)).save(buffer, format="PNG")
    name = default_storage.save("avatars/2024/01/old.png", ContentFile(buffer.getvalue()))
    profile = old_profile(name)
    services.avatar_sizes_backfill()
    profile.refresh_from_db()
    assert profile.avatar_thumb.name.endswith(".png")


def test_broken_and_missing_photos_are_skipped_with_a_log_line(caplog):
    broken = old_profile(
        default_storage.save("avatars/2024/01/broken.jpg", ContentFile(b"not an image"))
    )
    gone = old_profile("avatars/2024/01/gone.jpg")
    good = old_profile(stored_photo())
    with caplog.at_level(logging.WARNING, logger="mealbuddy.accounts.services"):
        output = run()
    assert "Made thumbnails for 1 avatars; skipped 2" in output
    logged = [r.getMessage() for r in caplog.records if "avatar_thumbnails" in r.getMessage()]
    assert len(logged) == 2
    assert any(f"profile {broken.pk}" in line for line in logged)
    assert any(f"profile {gone.pk}" in line for line in logged)
    for profile in (broken, gone):
        profile.refresh_from_db()
        assert not profile.avatar_thumb and not profile.avatar_large
    good.refresh_from_db()
    assert good.avatar_thumb and good.avatar_large
    # they stay skipped (and logged) on the next run, without stopping it
    assert "Made thumbnails for 0 avatars; skipped 2" in run()


def test_a_photo_replaced_meanwhile_keeps_what_its_upload_made(monkeypatch):
    profile = old_profile(stored_photo())
    real = services.avatar_sizes
    made: list[str] = []

    def replaced_during(*, image):
        copies = real(image=image)
        # The person uploads a new photo (with its own copies) while the backfill works.
        Profile.objects.filter(pk=profile.pk).update(
            avatar="avatars/new.jpg", avatar_thumb="avatars/new-96.jpg"
        )
        return copies

    monkeypatch.setattr(services, "avatar_sizes", replaced_during)
    real_save = default_storage.save

    def recording_save(name, content, **kwargs):
        saved = real_save(name, content, **kwargs)
        made.append(saved)
        return saved

    monkeypatch.setattr(default_storage, "save", recording_save)
    assert services.avatar_sizes_backfill() == {"made": 0, "skipped": 0}
    profile.refresh_from_db()
    assert profile.avatar.name == "avatars/new.jpg"
    assert profile.avatar_thumb.name == "avatars/new-96.jpg"
    assert not profile.avatar_large
    assert made and not any(default_storage.exists(name) for name in made)
