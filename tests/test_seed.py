"""bench/seed.py fills an empty catalog in bulk, with what seed_demo makes."""

from collections import Counter

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from bench import seed
from catalog import demo, search
from catalog.models import Category, Product, ProductImage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_pool(monkeypatch):
    """Two pool images are enough to share, and quicker to make than one per
    leaf."""
    monkeypatch.setattr(seed, "POOL_SIZE", 2)


def _search_vectors() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name_vector::text || ' / ' || search_vector::text "
            "FROM catalog_product"
        )
        return dict(cursor.fetchall())


def test_seed_catalog_fills_the_catalog_with_products_images_and_categories():
    """Products get 1 to 3 images that share the pool's files and renditions."""
    seed.seed_catalog(products=60)

    assert Product.objects.count() == 60
    assert 40 < Product.objects.visible().count() < 60
    assert Category.objects.find_problems() == ([], [], [], [], [])
    assert Category.objects.get(slug="armchairs").url_path == (
        "furniture/seating/armchairs"
    )
    per_product = Counter(ProductImage.objects.values_list("product_id", flat=True))
    assert len(per_product) == 60
    assert set(per_product.values()) == {1, 2, 3}
    files = set(ProductImage.objects.values_list("image", flat=True))
    assert len(files) == 2
    for image in ProductImage.objects.all():
        assert image.renditions_current()
        assert default_storage.exists(image.renditions["webp"][0][0])


def test_seeded_products_are_found_by_search():
    """The search index covers names, SKUs and category names."""
    seed.seed_catalog(products=30)
    product = Product.objects.visible().select_related("category").first()
    visible = Product.objects.visible()

    for text in (product.name, product.sku, product.category.name):
        assert product.pk in search.ranked_ids(visible, search.search_terms(text))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's triggers fill its index."
)
def test_seeded_search_vectors_are_those_the_trigger_makes():
    """The vectors seed_catalog joins from parts equal the trigger's own."""
    seed.seed_catalog(products=30)
    seeded = _search_vectors()

    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_product SET name = name")

    assert _search_vectors() == seeded
    assert all(seeded.values())


def test_seed_catalog_refuses_a_catalog_that_has_products():
    """Seeding twice would mix two catalogs; it fails before writing."""
    seed.seed_catalog(products=2)

    with pytest.raises(ValueError, match="empty catalog"):
        seed.seed_catalog(products=2)
    assert Product.objects.count() == 2


def test_seeded_products_are_named_after_their_category():
    """bench/seed.py spreads products unevenly, but names still fit."""
    seed.seed_catalog(products=60)

    for product in Product.objects.select_related("category"):
        noun = product.name.split(" ", 1)[1]
        assert noun in demo.KINDS[product.category.name].nouns
