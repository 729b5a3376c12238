"""The product list: filters, sorts and pages, and bad parameters."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import listing
from catalog.models import Product
from catalog.tests.factories import make_category, make_product, product_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    lighting = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=lighting)
    textiles = make_category(name="Textiles", slug="textiles")
    make_product(name="Brass Lamp", category=lamps, price=Decimal("120"), stock=0)
    make_product(name="Arc Lamp", category=lamps, price=Decimal("300"), stock=4)
    make_product(name="Ceiling Light", category=lighting, price=Decimal("80"))
    make_product(name="Wool Rug", category=textiles, price=Decimal("450"))
    return {"lighting": lighting, "lamps": lamps}


def test_category_filter_includes_descendants(client, catalog):
    response = client.get("/products/", {"category": "lighting"})

    assert set(product_names(response)) == {"Brass Lamp", "Arc Lamp", "Ceiling Light"}


def test_price_range_and_stock_filters(client, catalog):
    response = client.get(
        "/products/", {"min_price": "100", "max_price": "300", "in_stock": "1"}
    )

    assert product_names(response) == ["Arc Lamp"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price", ["Ceiling Light", "Brass Lamp", "Arc Lamp", "Wool Rug"]),
        ("-price", ["Wool Rug", "Arc Lamp", "Brass Lamp", "Ceiling Light"]),
        ("name", ["Arc Lamp", "Brass Lamp", "Ceiling Light", "Wool Rug"]),
        ("newest", ["Wool Rug", "Ceiling Light", "Arc Lamp", "Brass Lamp"]),
    ],
)
def test_sorts(client, catalog, sort, expected):
    response = client.get("/products/", {"sort": sort})

    assert product_names(response) == expected


def test_hidden_products_are_not_listed(client, catalog):
    make_product(name="Secret", status=Product.Status.DRAFT)

    assert "Secret" not in product_names(client.get("/products/"))


def test_pages_hold_24_products_and_links_keep_the_filters(client):
    category = make_category(slug="chairs")
    for number in range(30):
        make_product(name=f"Chair {number}", category=category)

    first = client.get("/products/", {"category": "chairs", "sort": "name"})
    second = client.get("/products/", {"category": "chairs", "sort": "name", "page": 2})

    assert len(first.context["products"]) == 24
    assert len(second.context["products"]) == 6
    next_link = re.search(r'rel="next" href="([^"]+)"', first.content.decode())[1]
    assert "category=chairs" in next_link
    assert "sort=name" in next_link
    assert "page=2" in next_link


def test_page_that_is_not_a_number_shows_the_first_page(client, catalog):
    response = client.get("/products/", {"page": "abc"})

    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


@pytest.mark.parametrize("page", ["99999", "0", "-1"])
def test_page_out_of_range_is_404(client, catalog, page):
    response = client.get("/products/", {"page": page})

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.fixture
def two_per_page_three_pages(settings, monkeypatch):
    """Lists of 2 products a page, at most 3 pages: 6 products shown."""
    settings.CATALOG_PAGE_SIZE = 2
    monkeypatch.setattr(listing, "MAX_PAGES", 3)
    category = make_category(slug="many")
    for number in range(1, 11):
        make_product(name=f"Stool {number}", category=category, price=number)


def test_a_long_list_stops_at_its_last_page_and_says_there_are_more(
    client, two_per_page_three_pages
):
    """Past MAX_PAGES pages the list asks for narrower filters."""
    last = client.get("/products/", {"page": 3})

    assert last.context["page_obj"].paginator.num_pages == 3
    assert len(product_names(last)) == 2
    assert "More than 6 products: narrow the filters" in last.content.decode()
    assert client.get("/products/", {"page": 4}).status_code == 404


def test_the_count_of_a_long_list_stops_one_past_its_last_page(
    client, two_per_page_three_pages
):
    """Counting stops where the pages stop, however many products match."""
    response = client.get("/products/", {"in_stock": "1"})

    assert response.context["page_obj"].paginator.matches == 7
    assert response.context["listing"].capped


def test_a_short_list_gives_its_exact_count(client, two_per_page_three_pages):
    response = client.get("/products/", {"max_price": "3"})

    assert response.context["page_obj"].paginator.count == 3
    assert not response.context["listing"].capped
    assert "3 products" in response.content.decode()


def test_a_page_past_the_last_is_404_without_reading_up_to_it(
    client, two_per_page_three_pages
):
    """Page 5 of 10 products exists, but past MAX_PAGES no query skips to it."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/products/", {"page": 5})

    assert response.status_code == 404
    assert not [q for q in queries if "OFFSET" in q["sql"].upper()]


def test_invalid_price_is_ignored(client, catalog):
    response = client.get("/products/", {"min_price": "x", "max_price": "1e999"})

    assert response.status_code == 200
    assert len(product_names(response)) == 4


def test_unknown_sort_and_category_are_ignored(client, catalog):
    response = client.get("/products/", {"sort": "drop", "category": "nope"})

    assert response.status_code == 200
    assert product_names(response)[0] == "Wool Rug"


def test_category_page_lists_its_subtree_with_breadcrumb_and_children(client, catalog):
    response = client.get(catalog["lighting"].get_absolute_url())

    content = response.content.decode()
    assert set(product_names(response)) == {"Brass Lamp", "Arc Lamp", "Ceiling Light"}
    assert 'href="/categories/lighting/lamps/"' in content
    assert 'aria-label="Breadcrumb"' in content


def test_category_page_filters_and_sorts(client, catalog):
    response = client.get(
        catalog["lighting"].get_absolute_url(), {"sort": "-price", "in_stock": "1"}
    )

    assert product_names(response) == ["Arc Lamp", "Ceiling Light"]


def test_unknown_category_path_is_404(client, catalog):
    assert client.get("/categories/lighting/nope/").status_code == 404


def test_the_total_is_not_counted_again_on_each_request(client, catalog, settings):
    settings.PAGE_CACHE_SECONDS = 0  # each request renders the list
    client.get("/products/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/products/")

    assert response.context["page_obj"].paginator.count == 4
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]


def test_a_catalog_change_refreshes_the_cached_total(client, catalog):
    """Saving a product makes the cached count stale, with nothing else done."""
    before = client.get("/products/").context["page_obj"].paginator.count

    make_product(name="New Lamp")

    assert before == 4
    assert client.get("/products/").context["page_obj"].paginator.count == 5
