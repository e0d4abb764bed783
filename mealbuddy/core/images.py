"""Uploaded photos: checked with Pillow and re-encoded before anything stores them.

Re-encoding drops metadata (GPS position in EXIF included), applies the EXIF rotation, bounds
the size, and turns whatever the browser sent into a plain JPEG (or PNG when it has
transparency). Avatars and receipt photos both go through ``image_reencode``.
"""

from __future__ import annotations

import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from mealbuddy.core.errors import ApplicationError

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class ImageRejected(ApplicationError):
    code = "invalid_image"


def image_reencode(*, upload, field: str, max_side: int) -> ContentFile:
    """A re-encoded copy of ``upload`` no larger than ``max_side`` on either side.

    Raises ``ImageRejected`` (400, tied to ``field``) for a file over 5MB, a format other than
    JPEG/PNG/WEBP/GIF, a resolution over 40 megapixels, or anything Pillow cannot read.
    """
    if upload.size > IMAGE_MAX_BYTES:
        raise ImageRejected("사진은 5MB 이하만 올릴 수 있어요.", field=field)
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in IMAGE_FORMATS:
                raise ImageRejected("JPEG, PNG, WEBP, GIF 사진만 올릴 수 있어요.", field=field)
            if probe.width * probe.height > IMAGE_MAX_PIXELS:
                raise ImageRejected("사진의 해상도가 너무 커요.", field=field)
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.seek(0)
            image = ImageOps.exif_transpose(image)
            has_alpha = image.mode in ("RGBA", "LA", "P") and (
                image.mode != "P" or "transparency" in image.info
            )
            image = image.convert("RGBA" if has_alpha else "RGB")
            image.thumbnail((max_side, max_side))
            out = io.BytesIO()
            if has_alpha:
                image.save(out, format="PNG", optimize=True)
                ext = "png"
            else:
                image.save(out, format="JPEG", quality=85, optimize=True)
                ext = "jpg"
    except ImageRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ImageRejected("이미지 파일이 아니거나 손상된 파일이에요.", field=field) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")


def image_square(*, source: ContentFile, side: int) -> ContentFile:
    """A ``side``×``side`` copy of an image already through ``image_reencode``: scaled so its
    shorter side fits, then centre-cropped (faces in the middle stay in the middle). Smaller
    images are scaled up, so every copy of one use has the same size."""
    source.seek(0)
    with Image.open(source) as image:
        image.load()
        has_alpha = image.mode in ("RGBA", "LA")
        square = ImageOps.fit(
            image.convert("RGBA" if has_alpha else "RGB"),
            (side, side),
            method=Image.Resampling.LANCZOS,
            centering=(0.5, 0.5),
        )
    out = io.BytesIO()
    if has_alpha:
        square.save(out, format="PNG", optimize=True)
        ext = "png"
    else:
        square.save(out, format="JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}-{side}.{ext}")
