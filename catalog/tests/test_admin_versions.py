"""Comparing versions in the admin history: the pages, the diff of real
versions of products and categories, permissions and bad choices."""

from decimal import Decimal

import pytest
import reversion
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from catalog.demo import demo_image_bytes
from catalog.models import Category, Product, ProductImage
from catalog.services import picture_renditions_store
from catalog.tests.adminforms import admin_form_data
from catalog.tests.factories import make_category, make_image, make_product

pytestmark = pytest.mark.django_db


def _record(obj, comment: str = "") -> Version:
    """A revision of `obj` as it is stored now (with a product's images)."""
    with reversion.create_revision():
        reversion.set_comment(comment)
        reversion.add_to_revision(type(obj).objects.get(pk=obj.pk))
    return Version.objects.get_for_object(obj).first()


def _compare_url(obj, **choices) -> str:
    name = f"admin:catalog_{obj._meta.model_name}_compare"
    query = "&".join(f"{key}={value}" for key, value in choices.items())
    return f"{reverse(name, args=[obj.pk])}?{query}"


@pytest.fixture
def desk_history():
    """A product's two versions: the second changes the price and a word of
    the description, and adds, removes, moves and edits images."""
    product = make_product(
        name="Oak Desk",
        price=Decimal("100.00"),
        description="A solid oak desk with two drawers.",
    )
    front = make_image(product=product, position=1, alt_text="Front", size=(64, 48))
    side = make_image(product=product, position=2, alt_text="Side", size=(64, 48))
    back = make_image(product=product, position=3, alt_text="Back", size=(64, 48))
    first = _record(product, "Added")
    Product.objects.filter(pk=product.pk).update(
        price=Decimal("150.00"), description="A solid walnut desk with two drawers."
    )
    ProductImage.objects.filter(pk=front.pk).update(position=4)
    ProductImage.objects.filter(pk=side.pk).update(alt_text="Side, drawers open")
    back.delete()
    top = make_image(product=product, position=5, alt_text="Top", seed=2, size=(64, 48))
    second = _record(product, "Changed price, description and images")
    return product, first, second, {"front": front, "side": side, "top": top}


def test_history_offers_two_versions_or_the_current_one_to_compare(
    admin_client, desk_history
):
    product, first, second, _ = desk_history

    response = admin_client.get(
        reverse("admin:catalog_product_history", args=[product.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        f'action="{reverse("admin:catalog_product_compare", args=[product.pk])}"'
        in page
    )
    assert f'name="from" value="{first.pk}"' in page
    assert f'name="to" value="{second.pk}"' in page
    assert 'name="to" value="current"' in page
    # The version before the newest, against the current one, is chosen.
    assert f'name="from" value="{first.pk}" aria-label' in page
    assert f'value="{first.pk}" aria-label="Compare from the version of' in page
    assert 'value="current" aria-label="Compare to the current version" checked' in page
    # Each date still opens that version to revert to it.
    assert (
        reverse("admin:catalog_product_revision", args=[product.pk, first.pk]) in page
    )


def test_compare_shows_changed_fields_with_words_marked(admin_client, desk_history):
    product, first, second, _ = desk_history

    response = admin_client.get(
        _compare_url(product, **{"from": first.pk, "to": second.pk})
    )

    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert [change.name for change in comparison.fields] == ["Description", "Price"]
    page = response.content.decode()
    assert "A solid <del>oak</del> desk with two drawers." in page
    assert "A solid <ins>walnut</ins> desk with two drawers." in page
    assert "<del>100.00</del>" in page and "<ins>150.00</ins>" in page
    assert "Name" in comparison.unchanged_fields


def test_compare_shows_images_added_removed_moved_and_changed_as_thumbnails(
    admin_client, desk_history
):
    product, first, second, images = desk_history

    response = admin_client.get(
        _compare_url(product, **{"from": first.pk, "to": second.pk})
    )

    (parts,) = response.context["comparison"].parts
    assert parts.title == "Images"
    assert [(row.state.label, row.status) for row in parts.rows] == [
        ("Side, drawers open", "changed"),
        ("Back", "removed"),
        ("Front", "moved"),
        ("Top", "added"),
    ]
    page = response.content.decode()
    assert "Side<ins>, drawers open</ins>" in page
    # Thumbnails are the smallest renditions, never the uploaded originals.
    top = images["top"]
    assert f'src="{top.rendition_urls(webp=False)[0][0]}"' in page
    assert top.image.url not in page


def test_a_version_compares_with_the_current_object(admin_client, desk_history):
    product, first, second, _ = desk_history
    Product.objects.filter(pk=product.pk).update(name="Oak Writing Desk")

    response = admin_client.get(
        _compare_url(product, **{"from": second.pk, "to": "current"})
    )

    comparison = response.context["comparison"]
    assert [change.name for change in comparison.fields] == ["Name"]
    assert not comparison.parts[0].changed
    assert "Oak <ins>Writing </ins>Desk" in response.content.decode()


def test_the_older_version_is_always_on_the_left(admin_client, desk_history):
    product, first, second, _ = desk_history

    response = admin_client.get(
        _compare_url(product, **{"from": second.pk, "to": first.pk})
    )

    assert response.context["before"]["version"] == first
    assert "<ins>150.00</ins>" in response.content.decode()


def test_field_values_are_escaped_on_the_compare_page(admin_client):
    product = make_product(name="Desk", summary="Plain")
    first = _record(product)
    Product.objects.filter(pk=product.pk).update(
        summary='Plain <img src=x onerror="alert(1)">'
    )

    response = admin_client.get(_compare_url(product, **{"from": first.pk}))

    page = response.content.decode()
    assert "<img src=x" not in page
    assert "Plain<ins> &lt;img src=x onerror=&quot;alert(1)&quot;&gt;</ins>" in page


def test_category_versions_compare_without_their_place_in_the_tree(admin_client):
    lighting = make_category(name="Lighting", description="Lamps for every room.")
    first = _record(lighting)
    Category.objects.filter(pk=lighting.pk).update(
        name="Lights", description="Lamps for every room and garden."
    )

    response = admin_client.get(_compare_url(lighting, **{"from": first.pk}))

    comparison = response.context["comparison"]
    assert [change.name for change in comparison.fields] == ["Name", "Description"]
    shown = [*comparison.unchanged_fields, *(c.name for c in comparison.fields)]
    assert not {"Path", "Depth", "Numchild"} & set(shown)
    assert "every room<ins> and garden</ins>." in response.content.decode()


def test_viewers_may_compare_but_only_editors_are_offered_the_restore(
    editor_client, viewer_client, desk_history
):
    product, first, second, _ = desk_history
    url = _compare_url(product, **{"from": first.pk, "to": second.pk})
    restore = reverse("admin:catalog_product_revision", args=[product.pk, first.pk])

    as_viewer = viewer_client.get(url)
    as_editor = editor_client.get(url)

    assert as_viewer.status_code == 200
    assert restore not in as_viewer.content.decode()
    assert as_editor.status_code == 200
    assert f'href="{restore}"' in as_editor.content.decode()


def test_restore_from_the_compare_page_reverts_through_reversion(
    editor_client, desk_history
):
    product, first, second, _ = desk_history
    compare = editor_client.get(_compare_url(product, **{"from": first.pk}))
    restore = compare.context["before"]["restore_url"]

    response = editor_client.post(restore, admin_form_data(editor_client.get(restore)))

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("100.00")
    assert sorted(product.images.values_list("alt_text", flat=True)) == [
        "Back",
        "Front",
        "Side",
    ]


def test_staff_without_the_view_permission_cannot_compare(desk_history):
    product, first, second, _ = desk_history
    staff = get_user_model().objects.create_user(
        "staff@example.com", "secret-password-1", is_staff=True
    )
    client = Client()
    client.force_login(staff)

    response = client.get(_compare_url(product, **{"from": first.pk}))

    assert response.status_code == 403


def test_visitors_are_sent_to_sign_in(visitor_client, desk_history):
    product, first, _, _ = desk_history

    response = visitor_client.get(_compare_url(product, **{"from": first.pk}))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_version_of_another_object_is_not_found(admin_client, desk_history):
    product, first, _, _ = desk_history
    other = make_product(name="Pine Shelf")
    other_version = _record(other)

    response = admin_client.get(_compare_url(product, **{"from": other_version.pk}))

    assert response.status_code == 404


@pytest.mark.parametrize("version_id", ["999999", "9" * 30], ids=["gone", "huge"])
def test_a_version_no_longer_kept_goes_back_to_the_history_with_a_message(
    admin_client, desk_history, version_id
):
    """A link to a version pruned since, or to an id beyond any database's
    integer, explains itself rather than failing."""
    product = desk_history[0]

    response = admin_client.get(
        _compare_url(product, **{"from": version_id}), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse(
        "admin:catalog_product_history", args=[product.pk]
    )
    assert "That version is not in the history of this product (any more)." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "choices",
    [{"from": "abc"}, {}, {"from": "1", "to": "x1"}, {"from": "-3"}],
    ids=["letters", "missing", "bad-to", "negative"],
)
def test_malformed_choices_go_back_to_the_history_with_a_message(
    admin_client, desk_history, choices
):
    product = desk_history[0]

    response = admin_client.get(_compare_url(product, **choices), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "admin:catalog_product_history", args=[product.pk]
    )
    assert "Choose two versions to compare." in response.content.decode()


def test_the_same_version_twice_asks_for_two_different_ones(admin_client, desk_history):
    product, first, _, _ = desk_history

    response = admin_client.get(
        _compare_url(product, **{"from": first.pk, "to": first.pk}), follow=True
    )

    assert "Choose two different versions to compare." in response.content.decode()


def test_a_version_that_no_longer_loads_is_explained_not_a_server_error(
    admin_client, desk_history
):
    product, first, _, _ = desk_history
    Version.objects.filter(pk=first.pk).update(serialized_data="not json")

    response = admin_client.get(
        _compare_url(product, **{"from": first.pk}), follow=True
    )

    assert response.status_code == 200
    assert "can no longer read" in response.content.decode()


def test_a_deleted_object_has_nothing_to_compare(admin_client):
    product = make_product()
    version = _record(product)
    url = _compare_url(product, **{"from": version.pk})
    product.delete()

    assert admin_client.get(url).status_code == 404


def _compare_queries(client, images: int) -> int:
    product = make_product()
    for position in range(images):
        make_image(product=product, position=position, size=(32, 24))
    first = _record(product)
    _record(product)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_compare_url(product, **{"from": first.pk}))
    assert response.status_code == 200
    return len(queries)


def test_the_compare_page_costs_the_same_queries_for_any_number_of_images(
    admin_client,
):
    assert _compare_queries(admin_client, 1) == _compare_queries(admin_client, 6)


def test_a_replaced_image_shows_the_old_and_the_new_thumbnail(admin_client):
    product = make_product()
    image = make_image(product=product, alt_text="Front", size=(64, 48))
    old_thumbnail = image.rendition_urls(webp=False)[0][0]
    first = _record(product)
    image.image.save(
        "new.jpg", ContentFile(demo_image_bytes(seed=9, size=(64, 48)), name="new.jpg")
    )
    picture_renditions_store(image=image)
    new_thumbnail = image.rendition_urls(webp=False)[0][0]

    response = admin_client.get(_compare_url(product, **{"from": first.pk}))

    (row,) = response.context["comparison"].parts[0].rows
    assert row.status == "changed"
    page = response.content.decode()
    assert old_thumbnail != new_thumbnail
    assert f'src="{old_thumbnail}"' in page
    assert f'src="{new_thumbnail}"' in page
    assert "new image" in page
