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

    assert response.context["featured"] == [newest_featured, older_featured]
    assert response.context["newest"] == others
