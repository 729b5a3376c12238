"""Search gives the same answers on SQLite (FTS5) and PostgreSQL (tsvector).

CI runs this module on both engines; nothing here depends on which.
"""

from decimal import Decimal

import pytest

from catalog import search
from catalog.models import Product
from catalog.tests.factories import make_category, make_product, product_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    lighting = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Desk lamps", slug="desk-lamps", parent=lighting)
    rugs = make_category(name="Rugs", slug="rugs")
    make_product(
        name="Walnut Table",
        sku="SR-0000042",
        summary="A table for six.",
        description="Solid walnut with an oak inlay.",
        category=rugs,
    )
    make_product(
        name="Oak Chair",
        summary="Sturdy and strong.",
        description="Made from oak.",
        category=rugs,
    )
    make_product(name="Brass Lamp", summary="Warm light.", category=lamps)
    make_product(
        name="Rug <b>Deluxe</b>", summary="Hand-woven oak colour.", category=rugs
    )


def test_a_match_in_the_name_ranks_above_one_in_the_description(client, catalog):
    response = client.get("/search/", {"q": "oak"})

    names = product_names(response)
    assert names[0] == "Oak Chair"
    assert set(names) == {"Oak Chair", "Walnut Table", "Rug <b>Deluxe</b>"}


def test_search_finds_a_sku_with_its_punctuation(client, catalog):
    assert product_names(client.get("/search/", {"q": "SR-0000042"})) == [
        "Walnut Table"
    ]


def test_search_finds_products_by_category_name_including_ancestors(client, catalog):
    assert product_names(client.get("/search/", {"q": "lighting"})) == ["Brass Lamp"]


def test_search_matches_word_forms(client, catalog):
    assert product_names(client.get("/search/", {"q": "lamps"})) == ["Brass Lamp"]


def test_every_word_must_match(client, catalog):
    assert product_names(client.get("/search/", {"q": "walnut oak"})) == [
        "Walnut Table"
    ]


def test_matched_words_are_highlighted_and_names_stay_escaped(client, catalog):
    content = client.get("/search/", {"q": "deluxe"}).content.decode()

    assert "Rug &lt;b&gt;<mark>Deluxe</mark>&lt;/b&gt;" in content
    assert "<b>Deluxe</b>" not in content


def test_hidden_products_are_not_found(client, catalog):
    make_product(name="Oak Secret", status=Product.Status.DRAFT)

    assert "Oak Secret" not in product_names(client.get("/search/", {"q": "oak"}))


def test_search_follows_edits_to_products_and_categories(client, catalog):
    product = Product.objects.get(name="Brass Lamp")
    product.name = "Copper Lamp"
    product.save()
    lamps = product.category
    lamps.name = "Reading lights"
    lamps.save()

    assert product_names(client.get("/search/", {"q": "copper"})) == ["Copper Lamp"]
    assert product_names(client.get("/search/", {"q": "reading"})) == ["Copper Lamp"]
    assert product_names(client.get("/search/", {"q": "brass"})) == []


def test_deleted_products_leave_the_index(client, catalog):
    Product.objects.get(name="Brass Lamp").delete()

    assert product_names(client.get("/search/", {"q": "brass"})) == []


def test_search_with_filters_and_another_sort(client, catalog):
    response = client.get("/search/", {"q": "oak", "sort": "name", "category": "rugs"})

    assert product_names(response) == ["Oak Chair", "Rug <b>Deluxe</b>", "Walnut Table"]


def test_no_results_suggests_categories(client, catalog):
    response = client.get("/search/", {"q": "rugs zebra"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "No products match your search" in content
    assert 'href="/categories/rugs/"' in content


@pytest.mark.parametrize(
    "query",
    ['"', "*", "oak OR", "NEAR(", "-", "a AND (b", "'; DROP TABLE x", "ü" * 300],
)
def test_query_syntax_never_breaks_the_page(client, catalog, query):
    assert client.get("/search/", {"q": query}).status_code == 200


def test_empty_search_explains_itself(client, catalog):
    response = client.get("/search/")

    assert response.status_code == 200
    assert "Type what you are looking for" in response.content.decode()


def test_a_name_match_survives_when_there_are_more_matches_than_candidates(
    client, monkeypatch
):
    monkeypatch.setattr(search, "CANDIDATE_LIMIT", 5)
    category = make_category(slug="misc")
    for number in range(6):
        make_product(
            name=f"Widget {number}",
            description="Pairs well with a lamp.",
            category=category,
        )
    make_product(name="Lamp", category=category)

    names = product_names(client.get("/search/", {"q": "lamp"}))

    assert names[0] == "Lamp"
    assert len(names) == 5


def test_hidden_products_cannot_crowd_visible_ones_out_of_the_candidates(
    client, monkeypatch
):
    monkeypatch.setattr(search, "CANDIDATE_LIMIT", 5)
    category = make_category(slug="misc")
    for number in range(6):
        make_product(
            name=f"Thing {number} thing thing",
            status=Product.Status.DRAFT,
            category=category,
        )
    make_product(name="Visible thing", category=category)

    assert product_names(client.get("/search/", {"q": "thing"})) == ["Visible thing"]


def test_filters_apply_before_the_candidates_are_bounded(client, monkeypatch):
    monkeypatch.setattr(search, "CANDIDATE_LIMIT", 3)
    cheap = make_category(slug="cheap")
    for number in range(5):
        make_product(name=f"Oak oak {number}", price=Decimal("5"), category=cheap)
    make_product(name="Oak desk", price=Decimal("500"), category=cheap)

    response = client.get("/search/", {"q": "oak", "min_price": "100"})

    assert product_names(response) == ["Oak desk"]


def test_stop_words_are_ignored_on_both_engines(client, catalog):
    assert product_names(client.get("/search/", {"q": "the brass"})) == ["Brass Lamp"]
    response = client.get("/search/", {"q": "the and of"})
    assert product_names(response) == []
    assert "No products match your search" in response.content.decode()
