from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Category, Product
from catalog.services import node_move
from catalog.tests.factories import make_category, make_image, make_product

pytestmark = pytest.mark.django_db


def _visible_names() -> set[str]:
    return set(Product.objects.visible().values_list("name", flat=True))


def test_visibility_needs_published_status_and_an_open_window():
    now = timezone.now()
    make_product(name="Live")
    make_product(name="Draft", status=Product.Status.DRAFT)
    make_product(name="Scheduled", publish_at=now + timedelta(hours=1))
    make_product(name="Withdrawn", unpublish_at=now - timedelta(minutes=1))
    make_product(name="Ending later", unpublish_at=now + timedelta(days=1))

    assert _visible_names() == {"Live", "Ending later"}


def test_scheduled_products_appear_and_disappear_on_time_without_a_job():
    now = timezone.now()
    make_product(
        name="Weekend sale",
        publish_at=now + timedelta(days=1),
        unpublish_at=now + timedelta(days=3),
    )

    assert not Product.objects.visible(at=now).exists()
    assert Product.objects.visible(at=now + timedelta(days=2)).exists()
    assert not Product.objects.visible(at=now + timedelta(days=4)).exists()


def test_with_visibility_agrees_with_visible():
    make_product(name="Live")
    make_product(name="Draft", status=Product.Status.DRAFT)

    flags = dict(Product.objects.with_visibility().values_list("name", "is_visible"))

    assert flags == {"Live": True, "Draft": False}


def _products_in_every_state() -> dict[str, str]:
    """Products named after the publication state each is in now."""
    now = timezone.now()
    make_product(name="draft", status=Product.Status.DRAFT)
    make_product(name="live")
    make_product(name="live, ending", unpublish_at=now + timedelta(days=1))
    make_product(name="scheduled", publish_at=now + timedelta(days=30))
    make_product(
        name="scheduled, ending",
        publish_at=now + timedelta(days=1),
        unpublish_at=now + timedelta(days=2),
    )
    make_product(name="withdrawn", unpublish_at=now - timedelta(minutes=1))
    make_product(
        name="withdrawn before it starts",
        publish_at=now + timedelta(days=2),
        unpublish_at=now + timedelta(days=1),
    )
    return {
        "draft": Product.Publication.DRAFT,
        "live": Product.Publication.LIVE,
        "live, ending": Product.Publication.LIVE,
        "scheduled": Product.Publication.SCHEDULED,
        "scheduled, ending": Product.Publication.SCHEDULED,
        "withdrawn": Product.Publication.WITHDRAWN,
        "withdrawn before it starts": Product.Publication.WITHDRAWN,
    }


def test_with_publication_labels_draft_scheduled_live_and_withdrawn():
    expected = _products_in_every_state()

    states = dict(Product.objects.with_publication().values_list("name", "publication"))

    assert states == expected


def test_each_publication_state_filters_to_the_products_labelled_with_it():
    expected = _products_in_every_state()

    for state in Product.Publication.values:
        names = set(
            Product.objects.in_publication(state).values_list("name", flat=True)
        )
        assert names == {name for name, label in expected.items() if label == state}


def test_live_is_visible_now_and_scheduled_is_visible_at_its_publish_time():
    _products_in_every_state()

    live = Product.objects.in_publication(Product.Publication.LIVE)
    scheduled = Product.objects.in_publication(Product.Publication.SCHEDULED)

    assert set(live) == set(Product.objects.visible())
    assert scheduled.exists()
    for product in scheduled:
        assert product in Product.objects.visible(at=product.publish_at)


@pytest.mark.parametrize(
    ("field", "value"), [("price", Decimal("-0.01")), ("stock", -1)]
)
def test_database_refuses_negative_price_and_stock(field, value):
    product = make_product()
    setattr(product, field, value)

    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(**{field: value})


def test_slug_and_sku_are_unique():
    make_product(slug="oak-desk", sku="SKU-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_product(slug="oak-desk")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_product(sku="SKU-1")


def test_availability_follows_stock():
    assert make_product(stock=3).in_stock
    assert not make_product(stock=0).in_stock


def test_category_address_is_the_path_of_slugs():
    root = make_category(slug="furniture")
    child = make_category(slug="seating", parent=root)
    leaf = make_category(slug="armchairs", parent=child)

    assert leaf.url_path == "furniture/seating/armchairs"
    assert leaf.get_absolute_url() == "/categories/furniture/seating/armchairs/"


def test_renaming_a_slug_updates_the_whole_subtree():
    root = make_category(slug="furniture")
    child = make_category(slug="seating", parent=root)
    make_category(slug="armchairs", parent=child)

    root.slug = "home-furniture"
    root.save()

    paths = set(Category.objects.values_list("url_path", flat=True))
    assert paths == {
        "home-furniture",
        "home-furniture/seating",
        "home-furniture/seating/armchairs",
    }


def test_moving_a_category_moves_the_addresses_of_its_subtree():
    furniture = make_category(slug="furniture")
    lighting = make_category(slug="lighting")
    lamps = make_category(slug="lamps", parent=furniture)
    make_category(slug="desk-lamps", parent=lamps)

    node_move(node=lamps, target=lighting, pos="last-child")

    paths = set(Category.objects.values_list("url_path", flat=True))
    assert paths == {
        "furniture",
        "lighting",
        "lighting/lamps",
        "lighting/lamps/desk-lamps",
    }


def test_renditions_are_not_enlarged_beyond_the_original():
    image = make_image(product=make_product(), size=(500, 400))

    sizes = [(width, height) for _, width, height in image.rendition_urls(webp=True)]

    assert sizes == [(320, 256), (500, 400)]
