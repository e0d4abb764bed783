from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mealbuddy.community.services import post_create
from mealbuddy.trust.models import Block, Standing
from tests.factories import UserFactory


def make_post(author=None, **fields):
    author = author or UserFactory()
    data = {"topic": "news", "title": "서교동 붕어빵 트럭 왔어요", "text": "주민센터 앞이에요"}
    data.update(fields)
    return post_create(author=author, **data)


def photo(name: str = "p.jpg", size=(64, 48), fmt: str = "JPEG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")


def not_a_photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")


def block(blocker, blocked) -> None:
    Block.objects.create(blocker=blocker, blocked=blocked)


def suspend(user) -> None:
    Standing.objects.update_or_create(
        user=user, defaults={"restriction": Standing.Restriction.BANNED}
    )


@pytest.fixture
def author(db):
    return UserFactory(username="글쓴이")


@pytest.fixture
def reader(db):
    return UserFactory(username="이웃")


@pytest.fixture
def post(author):
    return make_post(author)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
