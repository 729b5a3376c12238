"""Upload checks, server-made names, renditions and responsive markup."""

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import modelform_factory
from django.template import Context, Template
from django.urls import resolve
from imagekit.cachefiles import ImageCacheFile
from imagekit.models.fields.utils import ImageSpecFileDescriptor
from PIL import Image, ImageFile

from catalog import demo
from catalog.admin import THUMBNAIL_WIDTH
from catalog.images import image_upload_clean, validate_product_image
from catalog.models import ProductImage, picture_path
from catalog.tests.factories import make_image, make_product
from catalog.tests.imagefiles import (
    HTML,
    animated_bytes,
    huge_png_bytes,
    image_bytes,
    jpeg_with_gps_bytes,
    png_with_html_bytes,
    srgb_profile,
    truncated_jpeg_bytes,
)
from config.views import media


def _upload(image_format: str, name: str = "photo.bin", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_accepted(image_format):
    validate_product_image(_upload(image_format))


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(image_format):
    with pytest.raises(ValidationError, match="Only JPEG, PNG and WebP images"):
        validate_product_image(_upload(image_format, name="photo.jpg"))


def test_a_file_that_is_not_an_image_is_refused():
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 'hi'; ?>")

    with pytest.raises(ValidationError, match="Only JPEG, PNG and WebP images"):
        validate_product_image(fake)


def test_files_over_the_size_limit_are_refused(settings):
    settings.CATALOG_MAX_IMAGE_BYTES = 100

    with pytest.raises(ValidationError, match="the limit is 100"):
        validate_product_image(_upload("PNG", size=(300, 300)))


def test_uploaded_file_names_are_made_by_the_server():
    name = picture_path(None, "../../etc/My Photo.JPG")

    assert name.startswith("products/")
    assert name.endswith(".jpg")
    assert "My Photo" not in name
    assert ".." not in name


@pytest.mark.parametrize("name", ["page.pdf", "page.html", "photo.jpeg", "photo"])
def test_a_name_image_upload_clean_does_not_make_is_never_stored(name):
    with pytest.raises(ValueError, match="clean uploads first"):
        picture_path(None, name)


@pytest.mark.django_db
def test_renditions_are_made_on_save_in_webp_and_the_original_format():
    image = make_image(product=make_product(), size=(1600, 1200))

    for width in (320, 640, 1280):
        for suffix, expected_format in (("", "JPEG"), ("_webp", "WEBP")):
            rendition = getattr(image, f"w{width}{suffix}")
            assert rendition.storage.exists(rendition.name)
            with Image.open(rendition.storage.open(rendition.name)) as made:
                assert made.format == expected_format
                assert made.size == (width, width * 3 // 4)


@pytest.mark.django_db
def test_pages_use_srcset_sizes_dimensions_and_lazy_loading(client):
    product = make_product(slug="lamp")
    make_image(product=product, size=(1600, 1200))
    make_image(product=product, size=(1600, 1200), position=1)

    content = client.get("/products/lamp/").content.decode()

    first, second = content.split("<picture>")[1:3]
    assert 'type="image/webp"' in first
    assert "320w" in first and "640w" in first and "1280w" in first
    assert 'sizes="' in first
    assert 'width="640" height="480"' in first
    assert 'fetchpriority="high"' in first
    assert 'loading="lazy"' not in first
    assert 'loading="lazy"' in second


@pytest.mark.django_db
def test_alt_text_is_required():
    image = make_image(product=make_product())
    image.alt_text = ""

    with pytest.raises(ValidationError) as error:
        image.full_clean(exclude=["image"])

    assert "alt_text" in error.value.message_dict


@pytest.mark.django_db
def test_list_loads_the_first_row_at_once_and_the_rest_lazily(client):
    for number in range(6):
        make_image(product=make_product(name=f"Lamp {number}"), size=(400, 300))

    content = client.get("/products/").content.decode()

    cards = content.split("<picture>")[1:]
    assert len(cards) == 6
    assert ['loading="lazy"' in card for card in cards] == [False] * 4 + [True] * 2
    assert "fetchpriority" not in content


# Cleaning: the rules every upload path applies through image_upload_clean.


def _clean(data: bytes, name: str = "photo.jpg"):
    return image_upload_clean(SimpleUploadedFile(name, data))


def _reopen(cleaned) -> Image.Image:
    cleaned.seek(0)
    return Image.open(io.BytesIO(cleaned.read()))


def _bytes(cleaned) -> bytes:
    cleaned.seek(0)
    return cleaned.read()


@pytest.mark.parametrize(
    ("image_format", "suffix"), [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")]
)
def test_the_extension_comes_from_the_format_found_not_the_uploaded_name(
    image_format, suffix
):
    cleaned = _clean(image_bytes(image_format), name="upload.pdf")

    assert cleaned.name == f"image{suffix}"
    assert _reopen(cleaned).format == image_format


def test_a_jpeg_named_png_is_stored_as_jpg():
    cleaned = _clean(image_bytes("JPEG"), name="photo.png")

    assert cleaned.name.endswith(".jpg")
    assert _reopen(cleaned).format == "JPEG"


def test_a_png_with_html_inside_and_named_pdf_becomes_a_png_without_the_html():
    cleaned = _clean(png_with_html_bytes(), name="invoice.pdf")

    data = _bytes(cleaned)
    assert cleaned.name.endswith(".png")
    assert b"<html" not in data and b"<script" not in data
    # Nothing follows the image: the file ends with the PNG end chunk.
    assert data.endswith(b"IEND\xaeB`\x82")
    assert _reopen(cleaned).size == (64, 48)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", image_bytes("GIF")),
        ("photo.jpg", image_bytes("BMP")),
        ("photo.jpg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("photo.jpg", HTML),
        ("photo.png", b""),
    ],
    ids=["gif", "bmp", "svg", "html", "empty"],
)
def test_gif_bmp_svg_and_html_named_as_images_are_refused(name, data):
    with pytest.raises(ValidationError, match="Only JPEG, PNG and WebP images"):
        _clean(data, name=name)


def test_a_12000_by_12000_png_is_refused_from_its_header_without_decoding(
    monkeypatch,
):
    def decode(image):
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)

    with pytest.raises(ValidationError) as error:
        _clean(huge_png_bytes(), name="poster.png")

    assert error.value.messages == [
        "The image is 12,000 × 12,000 pixels (144,000,000); the limit is "
        "40,000,000 pixels. Scale it down and upload it again."
    ]


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_images_at_the_pixel_limit_pass_and_one_column_more_is_refused(
    settings, image_format
):
    settings.CATALOG_MAX_IMAGE_PIXELS = 100 * 80

    assert _reopen(_clean(image_bytes(image_format, size=(100, 80)))).size == (100, 80)
    with pytest.raises(
        ValidationError, match=r"101 × 80 pixels \(8,080\); the limit is 8,000 pixels"
    ):
        _clean(image_bytes(image_format, size=(101, 80)))


def test_pillows_own_decompression_bomb_limit_is_a_clear_error(settings, monkeypatch):
    settings.CATALOG_MAX_IMAGE_PIXELS = 10**12
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)

    with pytest.raises(ValidationError, match="more than 2,000 pixels, too many"):
        _clean(image_bytes("PNG", size=(64, 48)))


def test_files_over_the_byte_limit_are_refused_before_anything_else(settings):
    settings.CATALOG_MAX_IMAGE_BYTES = 1024

    with pytest.raises(ValidationError) as error:
        _clean(huge_png_bytes(size=(4000, 4000)))

    assert error.value.messages == ["The image is 2.0\xa0KB; the limit is 1.0\xa0KB."]


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_animated_images_are_refused(image_format):
    with pytest.raises(ValidationError, match="Animated images are not accepted"):
        _clean(animated_bytes(image_format))


def test_a_multi_picture_jpeg_is_stored_as_its_first_picture():
    cleaned = _clean(animated_bytes("MPO"))

    image = _reopen(cleaned)
    assert (cleaned.name, image.format) == ("image.jpg", "JPEG")
    assert getattr(image, "n_frames", 1) == 1
    red, green, blue = image.getpixel((32, 24))
    assert red > 200 and blue < 60


def test_a_truncated_jpeg_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError, match="damaged or incomplete"):
        _clean(truncated_jpeg_bytes())


def test_gps_position_camera_and_comments_are_dropped_and_the_photo_turned_upright():
    cleaned = _clean(jpeg_with_gps_bytes(orientation=6))

    image = _reopen(cleaned)
    assert image.size == (48, 64)
    assert dict(image.getexif()) == {}
    data = _bytes(cleaned)
    assert b"Exif" not in data and b"Phone" not in data and b"<html" not in data


def test_the_colour_profile_is_kept():
    profile = srgb_profile()

    for image_format in ("JPEG", "PNG", "WEBP"):
        cleaned = _clean(image_bytes(image_format, icc_profile=profile))
        assert _reopen(cleaned).info["icc_profile"] == profile


def test_a_lossless_webp_stays_lossless_and_a_lossy_one_lossy():
    noise = Image.effect_noise((64, 48), 64).convert("RGB")
    lossless, lossy = io.BytesIO(), io.BytesIO()
    noise.save(lossless, format="WEBP", lossless=True)
    noise.save(lossy, format="WEBP", quality=60)

    exact = _reopen(_clean(lossless.getvalue()))
    assert exact.tobytes() == noise.tobytes()
    assert _bytes(_clean(lossy.getvalue()))[12:16] == b"VP8 "


def test_a_palette_png_keeps_its_transparent_colour():
    image = Image.new("P", (64, 48), 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    image.paste(1, (0, 0, 32, 48))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=0)

    cleaned = _reopen(_clean(buffer.getvalue()))

    assert cleaned.convert("RGBA").getpixel((48, 24))[3] == 0
    assert cleaned.convert("RGBA").getpixel((16, 24)) == (0, 0, 255, 255)


# Any ModelForm on ProductImage cleans its uploads.

ImageForm = modelform_factory(
    ProductImage, fields=["product", "image", "alt_text", "position"]
)


def _form(product, data: bytes, name: str):
    return ImageForm(
        data={"product": product.pk, "alt_text": "A lamp", "position": 0},
        files={"image": SimpleUploadedFile(name, data)},
    )


def _media_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_a_png_named_pdf_is_stored_and_served_as_a_clean_png(rf, settings):
    form = _form(make_product(), png_with_html_bytes(), "invoice.pdf")

    assert form.is_valid(), form.errors
    image = form.save()

    assert image.image.name.startswith("products/")
    assert image.image.name.endswith(".png")
    url = image.image.url
    match = resolve(url)
    assert match.func is media
    response = media(rf.get(url), match.kwargs["path"])
    assert response["Content-Type"] == "image/png"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\x89PNG") and b"<html" not in content


@pytest.mark.django_db
def test_stored_dimensions_and_renditions_come_from_the_cleaned_file():
    form = _form(make_product(), jpeg_with_gps_bytes(orientation=6), "photo.png")

    assert form.is_valid(), form.errors
    image = form.save()

    assert image.image.name.endswith(".jpg")
    assert (image.width, image.height) == (48, 64)
    rendition = image.w320
    with Image.open(rendition.storage.open(rendition.name)) as made:
        assert made.size == (48, 64)
        assert "exif" not in made.info


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (huge_png_bytes, "12,000 × 12,000 pixels"),
        (lambda: image_bytes("GIF"), "Only JPEG, PNG and WebP"),
        (truncated_jpeg_bytes, "damaged or incomplete"),
        (lambda: animated_bytes("PNG"), "Animated images"),
    ],
    ids=["huge", "gif", "truncated", "animated"],
)
def test_a_refused_upload_stores_no_file_and_no_row(settings, make_file, message):
    form = _form(make_product(), make_file(), "photo.jpg")

    assert not form.is_valid()
    assert message in form.errors["image"][0]
    assert not ProductImage.objects.exists()
    assert _media_files(settings) == []


@pytest.mark.django_db
def test_demo_images_go_through_the_same_cleaning(monkeypatch):
    cleaned = []

    def clean(file):
        cleaned.append(file.name)
        return image_upload_clean(file)

    monkeypatch.setattr(demo, "image_upload_clean", clean)

    (image,) = demo.demo_image_pool_create(pictures=[("stool", 1)])

    assert cleaned == ["demo.jpg"]
    assert image.image.name.endswith(".jpg")
    assert image.w320.storage.exists(image.w320.name)


# Renditions recorded on the row: pages read them, never imagekit.


def _imagekit_picture(image: ProductImage, sizes: str) -> str:
    """The <picture> the tag gave when it asked imagekit for every address."""

    def renditions(suffix: str) -> list[tuple[str, int]]:
        seen, result = set(), []
        for target in (320, 640, 1280):
            width = min(target, image.width)
            if width not in seen:
                seen.add(width)
                result.append((getattr(image, f"w{target}{suffix}").url, width))
        return result

    fallback, webp = renditions(""), renditions("_webp")
    src, width = fallback[1] if len(fallback) > 1 else fallback[0]
    height = round(image.height * width / image.width)
    return (
        "<picture>\n"
        f'  <source type="image/webp" srcset="'
        f'{", ".join(f"{url} {w}w" for url, w in webp)}" sizes="{sizes}">\n'
        f'  <img src="{src}" srcset="'
        f'{", ".join(f"{url} {w}w" for url, w in fallback)}" sizes="{sizes}" '
        f'width="{width}" height="{height}" alt="{image.alt_text}" '
        'loading="lazy" decoding="async">\n'
        "</picture>"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("size", [(1600, 1200), (500, 400), (200, 900)])
def test_the_picture_from_recorded_renditions_is_the_one_imagekit_gave(size):
    image = make_image(product=make_product(), size=size)
    sizes = "(min-width: 40rem) 45vw, 92vw"

    html = Template(
        '{% load catalog_tags %}{% picture image "' + sizes + '" %}'
    ).render(Context({"image": ProductImage.objects.get(pk=image.pk)}))

    assert html.strip() == _imagekit_picture(image, sizes)


@pytest.mark.django_db
def test_recorded_renditions_name_the_stored_files_with_their_sizes():
    image = make_image(product=make_product(), size=(900, 600))

    recorded = ProductImage.objects.get(pk=image.pk).renditions

    assert recorded["source"] == image.image.name
    for key, image_format in (("original", "JPEG"), ("webp", "WEBP")):
        assert [entry[1:] for entry in recorded[key]] == [
            [320, 213],
            [640, 427],
            [900, 600],
        ]
        for name, width, height in recorded[key]:
            with Image.open(default_storage.open(name)) as made:
                assert (made.format, made.size) == (image_format, (width, height))


def _products_with_images(count: int) -> list:
    """`count` listed products sharing one image file, as the demo's do."""
    first = make_image(product=make_product(name="Oak lamp 0"), size=(1600, 1200))
    for number in range(1, count):
        ProductImage.objects.create(
            product=make_product(name=f"Oak lamp {number}"),
            image=first.image.name,
            width=first.width,
            height=first.height,
            renditions=first.renditions,
            alt_text=f"Oak lamp {number}",
        )
    return first


def _imagekit_forbid(monkeypatch) -> None:
    """From now on, make any use of an imagekit rendition file fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a page asked imagekit for a rendition")

    monkeypatch.setattr(ImageSpecFileDescriptor, "__get__", refuse)
    monkeypatch.setattr(ImageCacheFile, "url", property(refuse))


@pytest.mark.django_db
def test_a_page_of_24_cards_never_asks_imagekit(client, monkeypatch):
    image = _products_with_images(24)
    webp_url = default_storage.url(image.renditions["webp"][0][0])
    _imagekit_forbid(monkeypatch)

    product_url = image.product.get_absolute_url()
    for url in ("/products/", "/", "/search/?q=oak+lamp", product_url):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        assert webp_url in content, url
    listing = client.get("/products/").content.decode()
    assert listing.count("<picture>") == 24
    assert listing.count(f"{webp_url} 320w") == 24


@pytest.mark.django_db
def test_the_admin_list_thumbnails_never_ask_imagekit(admin_user, client, monkeypatch):
    image = _products_with_images(3)
    client.force_login(admin_user)
    _imagekit_forbid(monkeypatch)

    content = client.get("/admin/catalog/product/").content.decode()

    thumbnail = default_storage.url(image.renditions["original"][0][0])
    assert content.count(f'<img src="{thumbnail}" width="{THUMBNAIL_WIDTH}"') == 3


@pytest.mark.django_db
def test_an_image_without_recorded_renditions_shows_its_own_file(client):
    product = make_product(slug="desk")
    image = make_image(product=product, size=(800, 600))
    ProductImage.objects.filter(pk=image.pk).update(renditions={})

    content = client.get("/products/desk/").content.decode()

    picture = content.split("<picture>")[1].split("</picture>")[0]
    assert 'type="image/webp"' not in picture
    assert f'src="{image.image.url}"' in picture
    assert 'width="800" height="600"' in picture


@pytest.mark.django_db
def test_the_migration_records_renditions_and_makes_missing_files():
    image = make_image(product=make_product(), size=(1600, 1200))
    recorded = image.renditions
    missing = recorded["webp"][1][0]
    default_storage.delete(missing)
    ProductImage.objects.filter(pk=image.pk).update(renditions={})
    gone = make_image(product=make_product(), size=(400, 300))
    default_storage.delete(gone.image.name)
    ProductImage.objects.filter(pk=gone.pk).update(renditions={})

    migration = importlib.import_module(
        "catalog.migrations.0008_product_image_renditions"
    )
    migration.renditions_record(django_apps, connection.schema_editor())

    assert ProductImage.objects.get(pk=image.pk).renditions == recorded
    assert default_storage.exists(missing)
    assert ProductImage.objects.get(pk=gone.pk).renditions == {}
