from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from catalog.models import Category, Product, ProductImage

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_an_empty_catalog_with_images():
    call_command("seed_demo", products=6, stdout=StringIO())

    assert Product.objects.visible().count() == 6
    assert Category.objects.filter(depth=3).exists()
    image = ProductImage.objects.first()
    assert image.width == 1280 and image.height == 960
    assert image.image.storage.exists(image.image.name)


def test_seed_demo_records_every_images_renditions():
    call_command("seed_demo", products=6, stdout=StringIO())

    images = list(ProductImage.objects.all())
    assert images
    for image in images:
        assert image.renditions_current()
        assert [entry[1:] for entry in image.renditions["webp"]] == [
            [320, 240],
            [640, 480],
            [1280, 960],
        ]
        for name, *_ in image.renditions["original"] + image.renditions["webp"]:
            assert default_storage.exists(name)


def test_seed_demo_leaves_an_existing_catalog_alone():
    call_command("seed_demo", products=2, stdout=StringIO())
    out = StringIO()

    call_command("seed_demo", products=5, stdout=out)

    assert Product.objects.count() == 2
    assert "nothing to do" in out.getvalue()
