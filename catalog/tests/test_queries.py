"""Each page runs a fixed number of queries, whatever it shows."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import seed
from catalog.models import Category, Product, ProductImage
from catalog.tests.factories import make_category, make_image, make_product
from config import sitecache

pytestmark = pytest.mark.django_db
# One of them reads the header and footer menus (content.menus), cached after.
BUDGET = 7
# The search page also looks for pages (content.search): one query, and one
# more to mark the words in the pages it found.
SEARCH_BUDGET = BUDGET + 2
# Content pages (the home page, /pages/...) read one query per kind of block
# (django-content-editor's layout: a table per kind) and two per product
# grid; the home page's count is fixed at this, whatever the catalog's size.
CONTENT_BUDGET = 17
CONTENT_PAGES = ("/", "/pages/about/")
# The sitemap index reads each section's last change and number of pages
# (11 queries at any size); crawlers get it from the cache, rebuilt once
# after a catalog change, so it is held to a fixed count, not to BUDGET.
SITEMAP_INDEX = "/sitemap.xml"


def _catalog(size: int) -> dict:
    root = make_category(name="Lighting", slug=f"lighting-{size}")
    leaf = make_category(name="Lamps", slug=f"lamps-{size}", parent=root)
    products = []
    # One stored picture, shared as the demo shares its pictures: making
    # renditions for every image took most of these tests' time.
    picture = None
    for number in range(size):
        product = make_product(
            name=f"Oak lamp {size}-{number}", category=leaf, featured=True
        )
        for position in range(2):
            if picture is None:
                picture = make_image(
                    product=product, position=position, size=(400, 300)
                )
                continue
            ProductImage.objects.create(
                product=product,
                position=position,
                image=picture.image.name,
                width=picture.width,
                height=picture.height,
                renditions=picture.renditions,
                alt_text=f"{product.name}, view {position + 1}",
            )
        products.append(product)
    return {"root": root, "leaf": leaf, "product": products[0]}


def _urls(catalog: dict) -> list[str]:
    return [
        "/",
        "/products/",
        f"/products/?category={catalog['root'].slug}&min_price=1&sort=price",
        catalog["leaf"].get_absolute_url(),
        "/search/?q=oak+lamp",
        "/search/?q=nothingmatches",
        catalog["product"].get_absolute_url(),
    ]


def _budget(url: str) -> int:
    if url in CONTENT_PAGES:
        return CONTENT_BUDGET
    return SEARCH_BUDGET if url.startswith("/search/") else BUDGET


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", range(7))
def test_each_page_stays_within_its_query_budget_with_a_cold_cache(client, page):
    url = _urls(_catalog(30))[page]

    assert _count(client, url) <= _budget(url)


def test_query_counts_do_not_grow_with_the_catalog(client):
    small, large = _catalog(3), _catalog(30)

    for small_url, large_url in zip(_urls(small), _urls(large), strict=True):
        _caches_cold()
        small_count = _count(client, small_url)
        _caches_cold()
        assert _count(client, large_url) == small_count, large_url


def _caches_cold() -> None:
    """Empty the cache and start a new content version, as after a change.

    With local memory the version lives in a file, which clearing the cache
    leaves alone; each process then reads the schedule once per version.
    """
    cache.clear()
    sitecache.content_changed()


def _seeded_urls() -> list[str]:
    """The public pages of a catalog made by bench/seed.py."""
    product = Product.objects.visible().select_related("category").first()
    leaf = product.category
    top = Category.objects.get(path=leaf.path[: Category.steplen])
    return [
        "/",
        "/products/",
        f"/products/?category={top.slug}&min_price=1&in_stock=1&sort=price",
        top.get_absolute_url(),
        leaf.get_absolute_url(),
        f"/search/?q={product.name.split()[0]}",
        "/search/?q=nothingmatches",
        product.get_absolute_url(),
        SITEMAP_INDEX,
        "/sitemap-products.xml",
        "/pages/about/",
    ]


def _seeded_counts(client, products: int) -> list[tuple[str, int]]:
    """Each page's address and its queries with cold caches."""
    seed.seed_catalog(products=products)
    counts = []
    for url in _seeded_urls():
        cache.clear()
        # Django keeps these for the life of the process.
        Site.objects.clear_cache()
        ContentType.objects.clear_cache()
        counts.append((url, _count(client, url)))
    return counts


@pytest.mark.slow
def test_seeded_catalogs_of_ten_and_ten_thousand_products_cost_the_same_queries(
    client, monkeypatch
):
    """Every public page stays within budget, with as many queries at either size."""
    monkeypatch.setattr(seed, "POOL_SIZE", 2)
    small = _seeded_counts(client, 10)
    ProductImage.objects.all().delete()
    Product.objects.all().delete()
    Category.objects.all().delete()
    large = _seeded_counts(client, 10_000)

    assert [count for _, count in large] == [count for _, count in small]
    assert all(count <= _budget(url) for url, count in small if url != SITEMAP_INDEX)
