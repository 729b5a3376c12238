"""Bulk writes on products: values, history and cache freshness."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from reversion.models import Version

from catalog import services
from catalog.models import Category, Product
from catalog.tests.factories import make_category, make_product
from config import sitecache

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("price", "percent", "expected"),
    [
        ("10.00", "10", "11.00"),
        ("9.99", "-15", "8.49"),
        ("0.05", "10", "0.06"),
        ("19.99", "-100", "0.00"),
        ("33.33", "0.5", "33.50"),
    ],
)
def test_price_with_change_rounds_half_up_to_cents(price, percent, expected):
    result = services.price_with_change(Decimal(price), Decimal(percent))

    assert result == Decimal(expected)


def test_price_change_below_minus_100_percent_is_refused():
    product = make_product(price=Decimal("5.00"))

    with pytest.raises(ValidationError):
        services.product_price_change(
            products=Product.objects.all(), percent=Decimal("-100.01"), user=None
        )

    product.refresh_from_db()
    assert product.price == Decimal("5.00")


def test_price_change_that_overflows_changes_nothing():
    small = make_product(price=Decimal("1.00"))
    huge = make_product(price=Decimal("90000000.00"))

    with pytest.raises(ValidationError):
        services.product_price_change(
            products=Product.objects.all(), percent=Decimal("50"), user=None
        )

    small.refresh_from_db()
    huge.refresh_from_db()
    assert (small.price, huge.price) == (Decimal("1.00"), Decimal("90000000.00"))


@pytest.mark.parametrize(
    ("service", "kwargs"),
    [
        (services.product_publish, {}),
        (services.product_unpublish, {}),
        (services.product_feature, {"featured": True}),
        (services.product_price_change, {"percent": Decimal("5")}),
    ],
)
def test_each_bulk_write_makes_a_new_content_version_and_records_history(
    service, kwargs
):
    product = make_product()
    before = sitecache.content_version()

    service(products=Product.objects.filter(pk=product.pk), user=None, **kwargs)

    assert sitecache.content_version().token != before.token
    assert Version.objects.get_for_object(product).count() == 1


def test_moving_products_records_the_new_category():
    product = make_product()
    garden = make_category(name="Garden")

    services.product_move(
        products=Product.objects.filter(pk=product.pk), category=garden, user=None
    )

    product.refresh_from_db()
    assert product.category == garden
    version = Version.objects.get_for_object(product)[0]
    assert version.field_dict["category_id"] == garden.pk
    assert version.revision.comment == "Moved to Garden"


def test_category_create_puts_a_category_under_its_parent():
    home = make_category(name="Home", slug="home")

    rugs = services.node_create(node=Category(name="Rugs", slug="rugs"), parent=home)

    assert rugs.url_path == "home/rugs"
    assert services.category_subtree_products(categories=[home]).count() == 0
