"""Image files for upload tests: ordinary ones and the hostile ones of issue 11."""

import functools
import io

from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def image_bytes(
    image_format: str, *, size=(64, 48), mode: str = "RGB", **options
) -> bytes:
    """A plain picture in `image_format`, saved with Pillow's `options`."""
    buffer = io.BytesIO()
    Image.new(mode, size, "orange").save(buffer, format=image_format, **options)
    return buffer.getvalue()


@functools.cache
def huge_png_bytes(size=(12_000, 12_000)) -> bytes:
    """A 144-megapixel PNG of some 17 KB: 1-bit and blank, so cheap to make."""
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG")
    return buffer.getvalue()


def png_with_html_bytes() -> bytes:
    """A PNG with an HTML page in a text chunk and another after its end."""
    text = PngInfo()
    text.add_text("Comment", HTML.decode())
    return image_bytes("PNG", pnginfo=text) + HTML


def jpeg_with_gps_bytes(*, orientation: int = 1) -> bytes:
    """A 64 × 48 JPEG whose EXIF has a GPS position, a camera and orientation."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 17.0, 40.0),
    }
    return image_bytes("JPEG", exif=exif, comment=HTML)


def truncated_jpeg_bytes() -> bytes:
    """The first half of a noisy 640 × 480 JPEG."""
    buffer = io.BytesIO()
    Image.effect_noise((640, 480), 64).convert("RGB").save(buffer, format="JPEG")
    data = buffer.getvalue()
    return data[: len(data) // 2]


def animated_bytes(image_format: str) -> bytes:
    """Two frames of different colours, as an animation (or MPO pictures)."""
    buffer = io.BytesIO()
    first = Image.new("RGB", (64, 48), "red")
    second = Image.new("RGB", (64, 48), "blue")
    first.save(buffer, format=image_format, save_all=True, append_images=[second])
    return buffer.getvalue()


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
