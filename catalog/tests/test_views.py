from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Product
from catalog.tests.factories import make_category, make_image, make_product

pytestmark = pytest.mark.django_db


def test_home_lists_top_categories_and_visible_products(client):
    root = make_category(name="Lighting")
    child = make_category(name="Lamps", parent=root)
    shown = make_product(name="Brass Lamp", category=child)
    make_image(product=shown)
    make_product(name="Secret Draft", category=child, status=Product.Status.DRAFT)
    make_product(
        name="Future Lamp",
        category=child,
        publish_at=timezone.now() + timedelta(days=1),
    )

    response = client.get("/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Lighting" in content
    assert "Lamps" not in content
    assert "Brass Lamp" in content
    assert "Secret Draft" not in content
    assert "Future Lamp" not in content


def test_product_page_shows_price_and_rendered_description(client):
    product = make_product(name="Oak Desk", description="Solid **oak**.")

    response = client.get(product.get_absolute_url())

    content = response.content.decode()
    assert "Oak Desk" in content
    assert "10.00 EUR" in content
    assert "<strong>oak</strong>" in content


def test_draft_product_page_is_404(client):
    product = make_product(status=Product.Status.DRAFT)

    assert client.get(product.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/products/", "/products/"),
        ("/categories/lighting/", "/categories/lighting/"),
        ("/search/?q=lamp", "/search/"),
    ],
)
def test_filter_form_submits_to_its_own_page(client, path, action):
    make_product(name="Brass Lamp", category=make_category(slug="lighting"))

    content = client.get(path).content.decode()

    assert f'<form class="filters" method="get" action="{action}">' in content


@pytest.mark.parametrize(
    ("query", "open_"),
    [
        ("", False),
        ("?page=1", False),
        ("?in_stock=1", True),
        ("?min_price=5", True),
        ("?sort=-price", True),
        ("?min_price=not-a-number", False),
    ],
)
def test_filter_panel_is_open_only_when_a_filter_applies(client, query, open_):
    make_product(name="Brass Lamp")

    content = client.get(f"/products/{query}").content.decode()

    assert ('<details class="filter-panel" open>' in content) is open_
    assert ('<details class="filter-panel">' in content) is not open_


def test_search_words_alone_leave_the_filter_panel_closed(client):
    make_product(name="Brass Lamp")

    content = client.get("/search/?q=lamp").content.decode()

    assert '<details class="filter-panel">' in content


def test_product_cards_are_h3_under_an_h2_on_lists(client):
    """Headings go down one level at a time: h1, the count's h2, cards' h3."""
    make_product(name="Brass Lamp")

    content = client.get("/products/").content.decode()

    h1, h2, h3 = (content.index(f"<{tag}") for tag in ("h1", "h2", "h3"))
    assert h1 < h2 < h3
    assert '<h2 class="result-count" id="result-count">1 product</h2>' in content


def test_a_product_with_one_photo_has_no_thumbnails(client):
    product = make_product(name="Brass Lamp")
    make_image(product=product)

    content = client.get(product.get_absolute_url()).content.decode()

    assert content.count('<div class="gallery-photo">') == 1
    assert 'type="radio"' not in content


def test_gallery_thumbnails_are_labelled_radio_buttons(client):
    product = make_product(name="Brass Lamp")
    for _ in range(3):
        make_image(product=product)

    content = client.get(product.get_absolute_url()).content.decode()

    assert content.count('name="gallery-photo"') == 3
    assert content.count(" checked>") == 1
    assert '<span class="visually-hidden">Photo 2 of 3</span>' in content
    # The first photo is the page's main image; the others wait to be shown.
    assert content.count('fetchpriority="high"') == 1


def test_new_arrivals_leave_out_the_featured_products_shown_above(client):
    """A new featured product is shown once, in Featured; New arrivals shows
    the newest of the others."""
    now = timezone.now()
    newest_featured = make_product(featured=True, publish_at=now - timedelta(hours=1))
    older_featured = make_product(featured=True, publish_at=now - timedelta(days=9))
    others = [
        make_product(publish_at=now - timedelta(days=days)) for days in (2, 3, 20)
    ]

    response = client.get("/")

    grids = {
        block.source: block.shown
        for block in response.context["blocks"]
        if hasattr(block, "source")
    }
    assert grids["featured"] == [newest_featured, older_featured]
    assert grids["newest"] == others
