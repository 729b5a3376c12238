"""Reads: products, categories, conditional requests, query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog import services
from catalog.models import Product
from catalog.tests.factories import make_category, make_image, make_product

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


def test_list_shows_visible_products_only(anonymous_api):
    shown = make_product(name="Lamp")
    make_product(status=Product.Status.DRAFT)
    make_product(publish_at=timezone.now() + timedelta(days=1))
    response = anonymous_api.get(LIST)
    assert response.status_code == 200
    assert slugs(response) == [shown.slug]
    item = response.json()["results"][0]
    assert item["price"] == "10.00"
    assert item["currency"] == "EUR"
    assert item["in_stock"] is True
    assert response["Access-Control-Allow-Origin"] == "*"


def test_list_filters_by_category_subtree_price_and_stock(anonymous_api):
    top = make_category(name="Lighting")
    below = make_category(name="Lamps", parent=top)
    other = make_category(name="Chairs")
    cheap = make_product(category=below, price=Decimal("5.00"))
    make_product(category=below, price=Decimal("50.00"))
    make_product(category=other, price=Decimal("5.00"))
    make_product(category=top, price=Decimal("6.00"), stock=0)
    response = anonymous_api.get(
        LIST, {"category": top.slug, "max_price": "10", "in_stock": "true"}
    )
    assert slugs(response) == [cheap.slug]


def test_list_sorts_and_searches_as_the_site(anonymous_api):
    make_product(name="Brass lamp", price=Decimal("30.00"))
    make_product(name="Oak chair", price=Decimal("20.00"))
    make_product(name="Steel lamp", price=Decimal("10.00"))
    by_price = anonymous_api.get(LIST, {"sort": "price"}).json()["results"]
    assert [item["name"] for item in by_price] == [
        "Steel lamp",
        "Oak chair",
        "Brass lamp",
    ]
    found = anonymous_api.get(LIST, {"q": "lamp", "sort": "-price"}).json()["results"]
    assert [item["name"] for item in found] == ["Brass lamp", "Steel lamp"]


def test_list_pages_with_next_and_previous_links(anonymous_api):
    for _ in range(5):
        make_product()
    first = anonymous_api.get(LIST, {"page_size": 2}).json()
    assert first["count"] == 5
    assert first["previous"] is None
    second = anonymous_api.get(first["next"]).json()
    assert "page=2" in first["next"]
    assert second["previous"] is not None
    assert len(second["results"]) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_price": "cheap"}, "min_price"),
        ({"max_price": "-1"}, "max_price"),
        ({"sort": "colour"}, "sort"),
        ({"page_size": "1000"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"category": "no-such-category"}, "category"),
        ({"q": "lamp\x00"}, "q"),
        ({"in_stock": "perhaps"}, "in_stock"),
    ],
)
def test_bad_query_values_answer_400_with_the_field(anonymous_api, params, field):
    response = anonymous_api.get(LIST, params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert field in body["fields"]


def test_a_page_past_the_end_is_404_json(anonymous_api):
    make_product()
    response = anonymous_api.get(LIST, {"page": "3"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("cached_count", [False, True])
def test_query_count_does_not_grow_with_page_size(anonymous_api, cached_count):
    """Pages of 1 and 100 products, each with its category and images, cost
    the same queries (with the list's count cached, and without)."""
    category = make_category()
    for number in range(100):
        product = make_product(category=category)
        if number % 10 == 0:
            make_image(product=product)
    # The content version reads the schedule once per change, whatever page.
    anonymous_api.get("/api/v1/categories/")
    counts = []
    for size in (1, 100):
        params = {"page_size": size, "sort": "name"}
        if cached_count:
            anonymous_api.get(LIST, params)
        with CaptureQueriesContext(connection) as queries:
            response = anonymous_api.get(LIST, params)
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_detail_has_images_renditions_category_path_and_etag(anonymous_api):
    top = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=top)
    product = make_product(category=lamps)
    make_image(product=product, alt_text="The lamp lit")
    response = anonymous_api.get(f"{LIST}{product.slug}/")
    assert response.status_code == 200
    data = response.json()
    assert data["category"]["path"] == "lighting/lamps"
    assert data["category"]["names"] == ["Lighting", "Lamps"]
    image = data["images"][0]
    assert image["alt_text"] == "The lamp lit"
    formats = {rendition["format"] for rendition in image["renditions"]}
    assert formats == {"jpeg", "webp"}
    assert all(r["url"].startswith("http://testserver/") for r in image["renditions"])
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]


def test_hidden_product_is_404_for_visitors_but_readable_by_staff(
    anonymous_api, visitor_api, viewer_api
):
    draft = make_product(status=Product.Status.DRAFT)
    url = f"{LIST}{draft.slug}/"
    assert anonymous_api.get(url).status_code == 404
    assert visitor_api.get(url).status_code == 404
    assert viewer_api.get(url).status_code == 200
    assert draft.slug in slugs(viewer_api.get(LIST))
    assert draft.slug not in slugs(visitor_api.get(LIST))


def test_old_slug_answers_301_to_the_new_address(anonymous_api):
    product = make_product(slug="old-name")
    product.slug = "new-name"
    services.product_save(
        product=product, slug_before="old-name", status_before=product.status
    )
    response = anonymous_api.get(f"{LIST}old-name/")
    assert response.status_code == 301
    assert response["Location"] == f"http://testserver{LIST}new-name/"


def test_conditional_detail_read_gives_304_without_reading_images(
    anonymous_api, django_assert_num_queries
):
    product = make_product()
    url = f"{LIST}{product.slug}/"
    first = anonymous_api.get(url)
    with django_assert_num_queries(1):
        again = anonymous_api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    since = anonymous_api.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_conditional_list_read_gives_304_until_a_write(anonymous_api):
    product = make_product()
    first = anonymous_api.get(LIST)
    assert anonymous_api.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    product.name = "Renamed"
    services.product_save(
        product=product, slug_before=product.slug, status_before=product.status
    )
    after = anonymous_api.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert after.json()["results"][0]["name"] == "Renamed"


def test_categories_list_tree_with_paths_and_subtree_counts(anonymous_api):
    top = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=top)
    make_product(category=lamps)
    make_product(category=top)
    make_product(category=top, status=Product.Status.DRAFT)
    data = anonymous_api.get("/api/v1/categories/").json()
    by_path = {item["path"]: item for item in data}
    assert by_path["lighting"]["product_count"] == 2
    assert by_path["lighting/lamps"]["product_count"] == 1
    assert by_path["lighting/lamps"]["parent"] == "lighting"
    detail = anonymous_api.get("/api/v1/categories/lighting/lamps/")
    assert detail.json()["name"] == "Lamps"
    assert anonymous_api.get("/api/v1/categories/nope/").status_code == 404
