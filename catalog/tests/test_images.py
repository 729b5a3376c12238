"""Upload checks, server-made names, renditions and responsive markup."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.images import validate_product_image
from catalog.models import product_image_path
from catalog.tests.factories import make_image, make_product


def _upload(image_format: str, name: str = "photo.bin", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 100, 50)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_accepted(image_format):
    validate_product_image(_upload(image_format))


def test_other_image_formats_are_refused():
    with pytest.raises(ValidationError, match="GIF images are not accepted"):
        validate_product_image(_upload("GIF", name="photo.jpg"))


def test_a_file_that_is_not_an_image_is_refused():
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 'hi'; ?>")

    with pytest.raises(ValidationError, match="not an image"):
        validate_product_image(fake)


def test_files_over_the_size_limit_are_refused(settings):
    settings.CATALOG_MAX_IMAGE_BYTES = 100

    with pytest.raises(ValidationError, match="the limit is 100"):
        validate_product_image(_upload("PNG", size=(300, 300)))


def test_uploaded_file_names_are_made_by_the_server():
    name = product_image_path(None, "../../etc/My Photo.JPG")

    assert name.startswith("products/")
    assert name.endswith(".jpg")
    assert "My Photo" not in name
    assert ".." not in name


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
