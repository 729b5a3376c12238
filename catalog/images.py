"""The rules every uploaded product image goes through.

Each upload path hands the visitor's file to `image_upload_clean`: the admin
through `ProductImageField`'s form field (so any ModelForm on ProductImage
gets it), `seed_demo` through `catalog.demo`, and the JSON API through
`catalog.services.product_image_add`. The CSV import carries no images. It
refuses anything that is not a still JPEG, PNG or WebP within the byte and
pixel limits, and returns the picture decoded and encoded again by Pillow,
named with the extension of the format Pillow found. Only that file is
stored, so nothing the uploader appended or hid in metadata (HTML, scripts,
GPS positions) reaches the media folder, and the extension a server uses to
pick the content type is always the true one.
"""

import io
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import models
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps

# The formats accepted, with the extension a stored file of each gets.
FORMAT_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
ACCEPTED_TYPES = "image/jpeg,image/png,image/webp"
JPEG_QUALITY = 90
WEBP_QUALITY = 90


def validate_product_image(file: File) -> None:
    """Refuse a file that breaks the upload rules, reading only its header.

    It must be at most CATALOG_MAX_IMAGE_BYTES long, a JPEG, PNG or WebP
    whatever its name says, a still image, and at most
    CATALOG_MAX_IMAGE_PIXELS in area. Nothing is decoded, so a
    decompression bomb costs a few kilobytes of reading to refuse.
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
    file.seek(0)
    try:
        with _image_open(file) as image:
            _header_check(image)
    finally:
        file.seek(position)


def image_upload_clean(file: File) -> ContentFile:
    """Return the uploaded image as the file to store, or raise ValidationError.

    After `validate_product_image`, the image is decoded (a damaged or
    truncated file is refused here), turned upright from its EXIF
    orientation, and saved again in its own format: JPEG at quality 90, PNG
    without optimization, WebP lossless when the upload was lossless and at
    quality 90 otherwise. The colour profile is kept; every other piece of
    metadata, and any byte after the end of the image, is dropped. The
    returned file is named `image.jpg`, `.png` or `.webp` after the format
    found; the stored name is made from it by `picture_path`.
    """
    validate_product_image(file)
    file.seek(0)
    data = file.read()
    with _image_open(io.BytesIO(data)) as image:
        # A multi-picture JPEG (MPO, as some phones and cameras write) keeps
        # its first, primary picture and is stored as a plain JPEG.
        image_format = "JPEG" if image.format == "MPO" else image.format
        options = _save_options(image, data)
        try:
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
        except Exception as error:
            # Pillow's decoders raise many kinds of errors on damaged or
            # truncated files; Django's own ImageField catches them all too.
            raise ValidationError(
                "The image could not be read to the end: the file is damaged "
                "or incomplete. Export it again and upload the new file.",
                code="damaged_image",
            ) from error
        # Some encoders write back what Pillow read from the file (EXIF, XMP,
        # text chunks, comments); only what `_save_options` chose is kept.
        image.info = {}
        buffer = io.BytesIO()
        image.save(buffer, format=image_format, **options)
    return ContentFile(buffer.getvalue(), name=f"image{FORMAT_SUFFIXES[image_format]}")


def _image_open(file) -> Image.Image:
    """Open an upload with Pillow, reading its header only.

    Only the accepted formats' readers are tried, so a file in any other
    format never reaches a parser of Pillow's.
    """
    try:
        with warnings.catch_warnings():
            # Pillow warns from its own pixel limit, which is not the site's
            # and is checked in `_header_check`; above twice its limit it
            # raises instead, handled below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(file, formats=list(FORMAT_SUFFIXES))
    except Image.DecompressionBombError as error:
        raise ValidationError(
            "The image has more than %(limit)s pixels, too many to open "
            "safely. Scale it down and upload it again.",
            code="too_many_pixels",
            params={"limit": f"{2 * Image.MAX_IMAGE_PIXELS:,}"},
        ) from error
    except Exception as error:
        raise ValidationError(
            "Only JPEG, PNG and WebP images are accepted, and this file is none "
            "of them.",
            code="invalid_format",
        ) from error


def _header_check(image: Image.Image) -> None:
    width, height = image.size
    limit = settings.CATALOG_MAX_IMAGE_PIXELS
    if width * height > limit:
        raise ValidationError(
            "The image is %(width)s × %(height)s pixels (%(pixels)s); the limit is "
            "%(limit)s pixels. Scale it down and upload it again.",
            code="too_many_pixels",
            params={
                "width": f"{width:,}",
                "height": f"{height:,}",
                "pixels": f"{width * height:,}",
                "limit": f"{limit:,}",
            },
        )
    if image.format != "MPO" and getattr(image, "n_frames", 1) > 1:
        raise ValidationError(
            "Animated images are not accepted; upload a still image.",
            code="animated",
        )


def _save_options(image: Image.Image, data: bytes) -> dict:
    """The encoder options that keep the picture as the upload had it."""
    options: dict = {}
    if icc_profile := image.info.get("icc_profile"):
        options["icc_profile"] = icc_profile
    if image.format in ("JPEG", "MPO"):
        options["quality"] = JPEG_QUALITY
    elif image.format == "PNG":
        options["optimize"] = False
        if "transparency" in image.info:
            options["transparency"] = image.info["transparency"]
    elif _webp_is_lossless(data):
        options["lossless"] = True
    else:
        options["quality"] = WEBP_QUALITY
    return options


def _webp_is_lossless(data: bytes) -> bool:
    """Whether a WebP file's image data is lossless (a VP8L chunk).

    Pillow does not tell; the RIFF chunks are walked until the image data.
    """
    offset = 12
    while offset + 8 <= len(data):
        chunk = data[offset : offset + 4]
        if chunk == b"VP8L":
            return True
        if chunk == b"VP8 ":
            return False
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        offset += 8 + size + size % 2
    return False


class ProductImageFormField(forms.ImageField):
    """An image upload that comes out of cleaning as `image_upload_clean` made it."""

    # The stored name is made from the format found, so the uploaded name's
    # extension is not checked.
    default_validators = []

    def to_python(self, data) -> File | None:
        file = forms.FileField.to_python(self, data)
        if file is None:
            return None
        return image_upload_clean(file)

    def widget_attrs(self, widget) -> dict:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ACCEPTED_TYPES
        return attrs


class ProductImageField(models.ImageField):
    """An ImageField whose forms clean uploads with `image_upload_clean`."""

    def formfield(self, **kwargs) -> forms.Field:
        # The uploaded name is thrown away, so its length does not matter.
        return super().formfield(
            **{"form_class": ProductImageFormField, "max_length": None, **kwargs}
        )
