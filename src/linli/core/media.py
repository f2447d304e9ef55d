"""Photo checks: what a file is comes from its first bytes, never from its name or declared type.

Photos from the public are re-encoded by `clean_photo`, keeping only when and where they were taken.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps

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


MAX_PHOTO_PIXELS = 40_000_000
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME = 0x0132
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_SAVE_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def clean_photo(data: bytes) -> tuple[bytes, str]:
    """Check a photo and re-encode it without metadata; return the new bytes and content type.

    Only the capture time (EXIF DateTime/DateTimeOriginal) and place (the GPS IFD) survive, and
    only in JPEGs; camera make, serial numbers, thumbnails, XMP, ICC and text chunks are dropped.
    The EXIF orientation is applied to the pixels first, so the photo still stands upright.
    """
    content_type = check_photo(data)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise ValidationFailed(
                    f"a photo may have at most {MAX_PHOTO_PIXELS} pixels",
                    code="photo_too_large",
                    max_pixels=MAX_PHOTO_PIXELS,
                )
            kept = _kept_exif(image.getexif())
            upright = ImageOps.exif_transpose(image)
            if upright.mode not in ("RGB", "RGBA", "L", "LA"):
                upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
            if content_type == "image/jpeg" and upright.mode != "RGB":
                upright = upright.convert("RGB")
            out = io.BytesIO()
            options: dict[str, object] = {}
            if content_type == "image/jpeg":
                options = {"quality": 90, "exif": kept.tobytes()}
            upright.save(out, format=_SAVE_FORMAT[content_type], **options)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise ValidationFailed("the image cannot be read", code="not_an_image") from err
    return out.getvalue(), content_type


def _kept_exif(exif: Image.Exif) -> Image.Exif:
    """Return a new EXIF block holding only the capture time and the GPS position."""
    kept = Image.Exif()
    if _DATETIME in exif:
        kept[_DATETIME] = exif[_DATETIME]
    original = exif.get_ifd(_EXIF_IFD)
    times = {t: original[t] for t in (_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL) if t in original}
    if times:
        kept.get_ifd(_EXIF_IFD).update(times)
    gps = exif.get_ifd(_GPS_IFD)
    if gps:
        kept.get_ifd(_GPS_IFD).update(gps)
    return kept
