"""Uploaded images: what is accepted (PNG, JPEG, WebP, bounded bytes and pixels) and how checked."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from bitnexus.core.errors import BitnexusError, FieldError

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class InvalidImage(BitnexusError):
    status = 422
    title = "Invalid image"


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    sha256: str
    width: int
    height: int


def checked_image(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    what: str = "image",
    error: type[BitnexusError] = InvalidImage,
) -> CheckedImage:
    """Decode the header and verify the file; refuse anything else with `error` on `file`."""
    if len(data) > max_bytes:
        raise error(
            f"The {what} is larger than {max_bytes // 1024} KB.",
            errors=[FieldError("file", "Too large.")],
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            img.verify()
            width, height = img.size
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise error(
            "The file is not a readable image.", errors=[FieldError("file", "Not an image.")]
        ) from exc
    if fmt not in FORMATS:
        raise error(
            "Use a PNG, JPEG or WebP image.", errors=[FieldError("file", f"{fmt} not accepted.")]
        )
    if width > max_pixels or height > max_pixels:
        raise error(
            f"The {what} may be at most {max_pixels}×{max_pixels} pixels.",
            errors=[FieldError("file", "Too many pixels.")],
        )
    return CheckedImage(FORMATS[fmt], hashlib.sha256(data).hexdigest(), width, height)
