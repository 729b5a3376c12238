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
