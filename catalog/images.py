"""Checks on uploaded product images."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_product_image(file: File) -> None:
    """Accept only real JPEG, PNG or WebP content within the size limit.

    The extension and the browser's content type can be anything, so the
    bytes themselves are opened with Pillow.
    """
    if getattr(file, "_committed", False):
        # A stored file was checked when it was uploaded; its product's form
        # validates it again on every save, and its handle may be closed.
        return
    limit = settings.CATALOG_MAX_IMAGE_BYTES
    if file.size > limit:
        raise ValidationError(
            "The image is %(size)s; the limit is %(limit)s.",
            code="too_large",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            "This file is not an image Pillow can read.", code="invalid_image"
        ) from error
    finally:
        file.seek(position)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            "%(format)s images are not accepted; use JPEG, PNG or WebP.",
            code="invalid_format",
            params={"format": image_format},
        )
