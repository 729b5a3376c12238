"""Each page runs a fixed number of queries, whatever it shows."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.tests.factories import make_category, make_image, make_product

pytestmark = pytest.mark.django_db
BUDGET = 6


def _catalog(size: int) -> dict:
    root = make_category(name="Lighting", slug=f"lighting-{size}")
    leaf = make_category(name="Lamps", slug=f"lamps-{size}", parent=root)
    products = []
    for number in range(size):
        product = make_product(
            name=f"Oak lamp {size}-{number}", category=leaf, featured=True
        )
        for position in range(2):
            make_image(product=product, position=position, size=(400, 300))
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


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", range(7))
def test_each_page_stays_within_its_query_budget_with_a_cold_cache(client, page):
    url = _urls(_catalog(30))[page]

    assert _count(client, url) <= BUDGET


def test_query_counts_do_not_grow_with_the_catalog(client):
    small, large = _catalog(3), _catalog(30)

    for small_url, large_url in zip(_urls(small), _urls(large), strict=True):
        cache.clear()
        small_count = _count(client, small_url)
        cache.clear()
        assert _count(client, large_url) == small_count, large_url
