"""Photo checks: what a file is comes from its first bytes, never from its name or declared type."""

from __future__ import annotations

from linli.core.errors import ValidationFailed

MAX_PHOTO_BYTES = 5 * 1024 * 1024


def sniff_image(data: bytes) -> str | None:
    """Return the content type of a JPEG, PNG or WebP image by its magic bytes, else None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(data: bytes) -> str:
    """Return the photo's content type, or raise ValidationFailed if it is not one we keep."""
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed(
            f"a photo may have at most {MAX_PHOTO_BYTES} bytes",
            code="photo_too_large",
            max_bytes=MAX_PHOTO_BYTES,
        )
    content_type = sniff_image(data)
    if content_type is None:
        raise ValidationFailed("the file is not a JPEG, PNG or WebP image", code="not_an_image")
    return content_type
