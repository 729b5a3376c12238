"""The staff admin: lists, forms, actions, history, trash, previews, roles."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import reversion
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.storage import default_storage
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.views.static import serve
from reversion.models import Version

from catalog.models import Category, Product, ProductImage, ProductPreviewLink
from catalog.selectors import category_choices
from catalog.services import node_move
from catalog.tests.adminforms import admin_form_data, admin_image_upload
from catalog.tests.factories import make_category, make_image, make_product
from catalog.tests.imagefiles import (
    HTML,
    animated_bytes,
    huge_png_bytes,
    image_bytes,
    jpeg_with_gps_bytes,
    png_with_html_bytes,
    truncated_jpeg_bytes,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_product_changelist")


def _action(client, action: str, products, **extra):
    data = {
        "action": action,
        ACTION_CHECKBOX_NAME: [str(product.pk) for product in products],
        "index": "0",
        **extra,
    }
    return client.post(CHANGELIST, data)


# Product list


def test_product_list_runs_a_fixed_number_of_queries_with_100_rows(
    admin_client, django_assert_max_num_queries
):
    category = make_category()
    products = [make_product(category=category) for _ in range(100)]
    for product in products[:3]:
        make_image(product=product)

    with django_assert_max_num_queries(12):
        response = admin_client.get(CHANGELIST, {"all": ""})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 100


def test_product_list_shows_thumbnail_sku_price_status_and_category(admin_client):
    product = make_product(name="Brass Lamp", sku="LAMP-1", price=Decimal("12.50"))
    make_image(product=product)

    content = admin_client.get(CHANGELIST).content.decode()

    assert "Brass Lamp" in content
    assert "LAMP-1" in content
    assert "12.50" in content
    assert product.category.name in content
    assert 'alt="Brass Lamp photo"' in content
    assert "Live" in content


def test_product_list_filters_and_searches_by_sku(admin_client):
    in_stock = make_product(name="Lamp in stock", stock=3, featured=True)
    sold_out = make_product(name="Lamp sold out", stock=0, sku="ZZ-99")
    draft = make_product(name="Lamp draft", status=Product.Status.DRAFT)

    def names(params: dict) -> set[str]:
        response = admin_client.get(CHANGELIST, params)
        return {product.name for product in response.context["cl"].result_list}

    assert names({"availability": "out"}) == {sold_out.name}
    assert names({"featured__exact": "1"}) == {in_stock.name}
    assert names({"publication": "draft"}) == {draft.name}
    assert names({"q": "ZZ-99"}) == {sold_out.name}
    assert names({"category__id__exact": draft.category_id}) == {draft.name}
    assert names({"publication": "live"}) == {in_stock.name, sold_out.name}


def test_product_list_says_draft_scheduled_live_or_withdrawn_with_dates(
    admin_client,
):
    now = timezone.now()
    in_a_month = now + timedelta(days=30)
    make_product(name="Draft lamp", status=Product.Status.DRAFT)
    make_product(name="Live lamp")
    make_product(name="Ending lamp", unpublish_at=now + timedelta(days=3))
    make_product(name="Scheduled lamp", publish_at=in_a_month)
    make_product(name="Withdrawn lamp", unpublish_at=now - timedelta(days=2))

    response = admin_client.get(CHANGELIST)

    rows = _list_rows(response)
    assert rows["Draft lamp"] == "Draft"
    assert rows["Live lamp"] == "Live"
    assert rows["Ending lamp"] == f"Live until {_day(now + timedelta(days=3))}"
    assert rows["Scheduled lamp"] == f"Scheduled from {_day(in_a_month)}"
    assert rows["Withdrawn lamp"] == f"Withdrawn since {_day(now - timedelta(days=2))}"
    assert "Published" not in response.content.decode()


@pytest.mark.parametrize("state", ["draft", "scheduled", "live", "withdrawn"])
def test_product_list_filters_by_each_status(admin_client, state):
    now = timezone.now()
    made = {
        "draft": make_product(status=Product.Status.DRAFT),
        "scheduled": make_product(publish_at=now + timedelta(days=30)),
        "live": make_product(),
        "withdrawn": make_product(unpublish_at=now - timedelta(days=1)),
    }

    response = admin_client.get(CHANGELIST, {"publication": state})

    assert list(response.context["cl"].result_list) == [made[state]]
    assert f"?publication={state}" in response.content.decode()


def test_a_product_scheduled_in_a_month_says_so_on_its_form(admin_client):
    in_a_month = timezone.now() + timedelta(days=30)
    product = make_product(publish_at=in_a_month)

    response = admin_client.get(
        reverse("admin:catalog_product_change", args=[product.pk])
    )

    html = response.content.decode()
    assert "Scheduled" in html
    assert f'datetime="{in_a_month.isoformat()}"' in html


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "M j, Y")


def _list_rows(response) -> dict[str, str]:
    """Each product row's status cell as text, by product name."""
    rows = {}
    html = response.content.decode()
    for row in html[html.index("<tbody>") :].split("<tr>")[1:]:
        name = re.search(r'class="field-name_and_sku"><a [^>]*>([^<]*)', row)[1]
        cell = re.search(r'class="field-publication">(.*?)</td>', row, re.S)[1]
        rows[name.strip()] = " ".join(strip_tags(cell).split())
    return rows


def test_product_add_form_has_fieldsets_inline_and_autocomplete(admin_client):
    response = admin_client.get(reverse("admin:catalog_product_add"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Price and stock" in content
    assert "images-TOTAL_FORMS" in content
    assert "admin-autocomplete" in content
    assert "prepopulated_fields" in content or "data-prepopulated-field" in content


def _category_autocomplete(client, term: str):
    return client.get(
        reverse("admin:catalog_category_autocomplete"),
        {
            "term": term,
            "app_label": "catalog",
            "model_name": "product",
            "field_name": "category",
        },
    )


def test_category_autocomplete_answers_for_the_product_form(admin_client):
    make_category(name="Lighting")

    response = _category_autocomplete(admin_client, "Ligh")

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Lighting"]


def _two_lamp_branches() -> tuple[Category, Category]:
    """Two categories named "Lamps" in different branches, three deep."""
    lighting = make_category(name="Lighting")
    outdoor = make_category(name="Outdoor")
    indoor_lamps = make_category(name="Lamps", parent=lighting)
    garden = make_category(name="Garden", parent=outdoor)
    garden_lamps = make_category(name="Lamps", parent=garden)
    make_category(name="Floor lamps", parent=indoor_lamps)
    return indoor_lamps, garden_lamps


def test_category_autocomplete_names_each_category_by_its_full_path(admin_client):
    _two_lamp_branches()

    response = _category_autocomplete(admin_client, "lamps")

    assert [row["text"] for row in response.json()["results"]] == [
        "Lighting \u203a Lamps",
        "Lighting \u203a Lamps \u203a Floor lamps",
        "Outdoor \u203a Garden \u203a Lamps",
    ]


def test_category_autocomplete_queries_do_not_grow_with_the_results(
    admin_client, django_assert_num_queries
):
    _two_lamp_branches()
    _category_autocomplete(admin_client, "lamps")
    with CaptureQueriesContext(connection) as few:
        _category_autocomplete(admin_client, "lamps")
    for number in range(15):
        branch = make_category(name=f"Branch {number}")
        make_category(name=f"Lamps {number}", parent=branch)

    with django_assert_num_queries(len(few)):
        response = _category_autocomplete(admin_client, "lamps")

    assert len(response.json()["results"]) == 18


def test_category_autocomplete_asks_the_same_permission_as_the_admins_own(
    viewer_client, visitor_client
):
    make_category(name="Lighting")

    assert _category_autocomplete(viewer_client, "Ligh").status_code == 200
    assert _category_autocomplete(visitor_client, "Ligh").status_code == 302


def test_product_form_names_its_category_by_its_full_path(admin_client):
    _, garden_lamps = _two_lamp_branches()
    product = make_product(category=garden_lamps)

    response = admin_client.get(
        reverse("admin:catalog_product_change", args=[product.pk])
    )

    html = response.content.decode()
    autocomplete = reverse("admin:catalog_category_autocomplete")
    assert f'data-ajax--url="{autocomplete}"' in html
    assert (
        f'<option value="{garden_lamps.pk}" selected>'
        "Outdoor \u203a Garden \u203a Lamps</option>"
    ) in html


def test_product_list_category_filter_names_full_paths_in_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    _two_lamp_branches()
    make_product()

    with django_assert_max_num_queries(12):
        response = admin_client.get(CHANGELIST)

    html = response.content.decode()
    assert ">Outdoor \u203a Garden \u203a Lamps</a>" in html
    assert ">Lighting \u203a Lamps \u203a Floor lamps</a>" in html


def test_save_as_new_duplicates_a_product(admin_client):
    product = make_product(name="Oak Desk", sku="DESK-1", slug="oak-desk")
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = admin_form_data(admin_client.get(url))
    data.update({"sku": "DESK-2", "slug": "oak-desk-2", "_saveasnew": "Save as new"})

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert Product.objects.filter(sku__in=["DESK-1", "DESK-2"]).count() == 2


def test_images_inline_orders_by_position(admin_client):
    product = make_product()
    second = make_image(product=product, position=2)
    first = make_image(product=product, position=1)
    url = reverse("admin:catalog_product_change", args=[product.pk])

    response = admin_client.get(url)

    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.instance.pk for form in formset.forms[:2]] == [first.pk, second.pk]
    assert 'width="120"' in response.content.decode()


# Bulk actions


def test_publish_and_unpublish_actions_record_history_per_product(admin_client):
    drafts = [make_product(status=Product.Status.DRAFT) for _ in range(2)]

    response = _action(admin_client, "publish", drafts)

    assert response.status_code == 302
    assert Product.objects.filter(status=Product.Status.PUBLISHED).count() == 2
    for product in drafts:
        versions = Version.objects.get_for_object(product)
        assert versions[0].revision.comment == "Published"
        assert versions[0].revision.user.email == "boss@example.com"
    assert len({Version.objects.get_for_object(p)[0].revision_id for p in drafts}) == 2

    _action(admin_client, "unpublish", drafts)

    assert Product.objects.filter(status=Product.Status.DRAFT).count() == 2


def test_feature_and_unfeature_actions(admin_client):
    product = make_product(featured=False)

    _action(admin_client, "feature", [product])
    product.refresh_from_db()
    assert product.featured

    _action(admin_client, "unfeature", [product])
    product.refresh_from_db()
    assert not product.featured
    assert (
        Version.objects.get_for_object(product)[0].revision.comment
        == "No longer featured"
    )


def test_move_action_asks_for_the_category_then_moves(admin_client):
    product = make_product()
    target = make_category(name="Garden")

    page = _action(admin_client, "move_to_category", [product])
    assert page.status_code == 200
    assert "New category" in page.content.decode()

    response = _action(
        admin_client,
        "move_to_category",
        [product],
        apply="Move products",
        category=str(target.pk),
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.category == target


def test_price_action_changes_by_percent_rounding_to_cents(admin_client):
    cheap = make_product(price=Decimal("9.99"))
    dear = make_product(price=Decimal("100.00"))

    response = _action(
        admin_client, "change_prices", [cheap, dear], apply="Change", percent="-15"
    )

    assert response.status_code == 302
    cheap.refresh_from_db()
    dear.refresh_from_db()
    assert cheap.price == Decimal("8.49")
    assert dear.price == Decimal("85.00")
    assert Version.objects.get_for_object(dear)[0].revision.comment == (
        "Price changed by -15 %"
    )


@pytest.mark.parametrize("percent", ["-101", "abc", "", "5000"])
def test_price_action_rejects_bad_percentages_and_changes_nothing(
    admin_client, percent
):
    product = make_product(price=Decimal("10.00"))

    response = _action(
        admin_client, "change_prices", [product], apply="Change", percent=percent
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    product.refresh_from_db()
    assert product.price == Decimal("10.00")


def test_viewers_have_no_bulk_actions(viewer_client):
    product = make_product(status=Product.Status.DRAFT)

    response = viewer_client.get(CHANGELIST)
    _action(viewer_client, "publish", [product])

    assert response.status_code == 200
    assert 'value="publish"' not in response.content.decode()
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT


# Categories


def test_category_list_shows_the_tree_with_paths(admin_client):
    root = make_category(name="Home", slug="home")
    make_category(name="Lamps", slug="lamps", parent=root)

    content = admin_client.get(
        reverse("admin:catalog_category_changelist")
    ).content.decode()

    assert "home/lamps" in content
    assert "\u2003Lamps" in content


def test_adding_a_category_under_a_parent_builds_its_path(admin_client):
    root = make_category(name="Home", slug="home")

    response = admin_client.post(
        reverse("admin:catalog_category_add"),
        {"name": "Rugs", "slug": "rugs", "parent": str(root.pk), "position": "0"},
    )

    assert response.status_code == 302
    rugs = Category.objects.get(slug="rugs")
    assert rugs.url_path == "home/rugs"
    assert Category.objects.get_parent(rugs) == root


def test_moving_a_category_keeps_every_path_in_its_subtree_right(admin_client):
    home = make_category(name="Home", slug="home")
    garden = make_category(name="Garden", slug="garden")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    desk = make_category(name="Desk lamps", slug="desk", parent=lamps)
    url = reverse("admin:catalog_category_change", args=[lamps.pk])
    data = admin_form_data(admin_client.get(url))
    data["parent"] = str(garden.pk)

    response = admin_client.post(url, data)

    assert response.status_code == 302
    lamps.refresh_from_db()
    desk.refresh_from_db()
    assert lamps.url_path == "garden/lamps"
    assert desk.url_path == "garden/lamps/desk"
    assert Category.objects.get_parent(desk) == lamps


def test_moving_a_category_under_its_own_subtree_is_a_validation_error(
    admin_client,
):
    home = make_category(name="Home", slug="home")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    url = reverse("admin:catalog_category_change", args=[home.pk])
    data = admin_form_data(admin_client.get(url))

    for parent in (lamps, home):
        data["parent"] = str(parent.pk)
        response = admin_client.post(url, data)
        assert response.status_code == 200
        assert "cannot be moved under itself" in response.content.decode()
    home.refresh_from_db()
    assert home.url_path == "home"


def test_deleting_a_category_with_products_in_its_subtree_is_refused(admin_client):
    home = make_category(name="Home", slug="home")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    make_product(name="Brass Lamp", category=lamps)
    url = reverse("admin:catalog_category_delete", args=[home.pk])

    page = admin_client.get(url)
    response = admin_client.post(url, {"post": "yes"})

    assert page.status_code == 200
    assert "Brass Lamp" in page.content.decode()
    assert response.status_code == 200
    assert "protected" in response.content.decode()
    assert Category.objects.filter(pk__in=[home.pk, lamps.pk]).count() == 2


def test_bulk_deleting_categories_with_products_is_refused(admin_client):
    home = make_category(name="Home", slug="home")
    make_product(name="Brass Lamp", category=home)

    response = admin_client.post(
        reverse("admin:catalog_category_changelist"),
        {
            "action": "delete_selected",
            ACTION_CHECKBOX_NAME: [str(home.pk)],
            "post": "yes",
        },
    )

    assert response.status_code == 200
    assert "Brass Lamp" in response.content.decode()
    assert Category.objects.filter(pk=home.pk).exists()


def test_deleting_an_empty_category_works(admin_client):
    empty = make_category(name="Empty")

    response = admin_client.post(
        reverse("admin:catalog_category_delete", args=[empty.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Category.objects.filter(pk=empty.pk).exists()


# History and trash


def _edit(client, product: Product, **changes) -> None:
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = admin_form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_revert_restores_an_earlier_price_and_shows_it_at_once(admin_client, client):
    with reversion.create_revision():
        product = make_product(name="Oak Desk", price=Decimal("100.00"))
    _edit(admin_client, product, price="150.00")
    assert "150.00" in client.get(product.get_absolute_url()).content.decode()
    first = Version.objects.get_for_object(product).last()
    url = reverse("admin:catalog_product_revision", args=[product.pk, first.pk])

    history = admin_client.get(
        reverse("admin:catalog_product_history", args=[product.pk])
    )
    response = admin_client.post(url, admin_form_data(admin_client.get(url)))

    assert history.status_code == 200
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.price == Decimal("100.00")
    assert "100.00" in client.get(product.get_absolute_url()).content.decode()


def test_a_deleted_product_comes_back_with_its_images(admin_client, client):
    product = make_product(name="Oak Desk")
    make_image(product=product, position=1)
    make_image(product=product, position=2)
    _edit(admin_client, product, summary="Saved once in the admin.")
    admin_client.post(
        reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"}
    )
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not ProductImage.objects.filter(product_id=product.pk).exists()

    listing = admin_client.get(reverse("admin:catalog_product_recoverlist"))
    deleted = Version.objects.get_deleted(Product)[0]
    url = reverse("admin:catalog_product_recover", args=[deleted.pk])
    response = admin_client.post(url, admin_form_data(admin_client.get(url)))

    assert "Oak Desk" in listing.content.decode()
    assert response.status_code == 302
    recovered = Product.objects.get(pk=product.pk)
    assert recovered.images.count() == 2
    assert recovered.summary == "Saved once in the admin."
    assert "Oak Desk" in client.get("/products/").content.decode()
    page = client.get(recovered.get_absolute_url()).content.decode()
    for image in recovered.images.all():
        assert image.renditions_current()
        assert default_storage.url(image.renditions["webp"][0][0]) in page


def test_a_revert_to_a_version_without_renditions_records_them_again(
    admin_client, client
):
    product = make_product(name="Oak Desk")
    image = make_image(product=product)
    ProductImage.objects.filter(pk=image.pk).update(renditions={})
    with reversion.create_revision():
        reversion.add_to_revision(Product.objects.get(pk=product.pk))
    _edit(admin_client, product, summary="Changed later.")
    first = Version.objects.get_for_object(product).last()
    url = reverse("admin:catalog_product_revision", args=[product.pk, first.pk])

    response = admin_client.post(url, admin_form_data(admin_client.get(url)))

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.renditions_current()
    page = client.get(product.get_absolute_url()).content.decode()
    assert default_storage.url(image.renditions["webp"][0][0]) in page


def test_category_rename_can_be_reverted_and_keeps_the_tree(admin_client):
    home = make_category(name="Home", slug="home")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    url = reverse("admin:catalog_category_change", args=[lamps.pk])
    data = admin_form_data(admin_client.get(url))
    admin_client.post(url, data)
    admin_client.post(url, {**data, "name": "Lights", "slug": "lights"})
    lamps.refresh_from_db()
    assert lamps.url_path == "home/lights"
    first = Version.objects.get_for_object(lamps).last()
    revision_url = reverse("admin:catalog_category_revision", args=[lamps.pk, first.pk])

    response = admin_client.post(
        revision_url, admin_form_data(admin_client.get(revision_url))
    )

    assert response.status_code == 302
    lamps.refresh_from_db()
    assert (lamps.name, lamps.url_path) == ("Lamps", "home/lamps")
    assert Category.objects.get_parent(lamps) == home


def _first_category_version_url(client, category) -> str:
    url = reverse("admin:catalog_category_change", args=[category.pk])
    client.post(url, admin_form_data(client.get(url)))
    first = Version.objects.get_for_object(category).last()
    return reverse("admin:catalog_category_revision", args=[category.pk, first.pk])


def test_reverting_a_moved_category_keeps_its_current_place(admin_client):
    home = make_category(name="Home", slug="home")
    garden = make_category(name="Garden", slug="garden")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    revision_url = _first_category_version_url(admin_client, lamps)
    node_move(node=lamps, target=garden, pos="last-child")

    preview = admin_client.get(revision_url)
    response = admin_client.post(revision_url, admin_form_data(preview))

    assert preview.status_code == 200
    assert response.status_code == 302
    lamps.refresh_from_db()
    assert lamps.url_path == "garden/lamps"
    assert Category.objects.get_parent(lamps) == garden


def test_an_old_version_can_be_previewed_when_its_tree_place_is_taken(admin_client):
    home = make_category(name="Home", slug="home")
    garden = make_category(name="Garden", slug="garden")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    revision_url = _first_category_version_url(admin_client, lamps)
    node_move(node=lamps, target=garden, pos="last-child")
    make_category(name="Rugs", slug="rugs", parent=home)  # Takes the old path.

    response = admin_client.get(revision_url)

    assert response.status_code == 200
    assert "Lamps" in response.content.decode()


# Share preview


def test_share_preview_button_makes_a_link_that_shows_the_draft(admin_client, client):
    product = make_product(name="Secret Sofa", status=Product.Status.DRAFT)

    response = admin_client.post(
        reverse("admin:catalog_product_share_preview", args=[product.pk])
    )

    assert response.status_code == 302
    link = ProductPreviewLink.objects.get(product=product)
    change_page = admin_client.get(response["Location"]).content.decode()
    assert "Share this preview link" in change_page
    assert "?preview=" in change_page
    assert link.expires_at.date() > product.created_at.date()


def test_viewers_cannot_make_share_links(viewer_client):
    product = make_product(status=Product.Status.DRAFT)

    response = viewer_client.post(
        reverse("admin:catalog_product_share_preview", args=[product.pk])
    )

    assert response.status_code == 403
    assert not ProductPreviewLink.objects.exists()


def test_revoke_action_revokes_links(admin_client):
    from catalog import previews

    product = make_product(status=Product.Status.DRAFT)
    link = previews.preview_link_create(subject=product, user=None)

    admin_client.post(
        reverse("admin:catalog_productpreviewlink_changelist"),
        {"action": "revoke", ACTION_CHECKBOX_NAME: [str(link.pk)], "index": "0"},
    )

    link.refresh_from_db()
    assert link.revoked_at is not None


# CSV import and export


def test_export_of_the_filtered_list_as_csv_and_xlsx(admin_client):
    make_product(name="Shown", sku="SHOWN-1", stock=0)
    make_product(name="Hidden", sku="HIDDEN-1", stock=4)
    url = reverse("admin:catalog_product_export")

    csv = admin_client.post(
        f"{url}?availability=out",
        {"format": "0", "resource": "0", **_export_fields()},
    )
    xlsx = admin_client.post(
        f"{url}?availability=out",
        {"format": "1", "resource": "0", **_export_fields()},
    )

    assert csv.status_code == 200
    body = csv.content.decode()
    assert "SHOWN-1" in body
    assert "HIDDEN-1" not in body
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


def _export_fields() -> dict:
    from catalog.resources import ProductResource

    return {
        f"productresource_{name}": "on"
        for name in ProductResource._meta.fields  # type: ignore[attr-defined]
    }


# Roles, address and header


@pytest.mark.parametrize(
    ("name", "editor_status", "viewer_status"),
    [
        ("admin:catalog_product_changelist", 200, 200),
        ("admin:catalog_product_add", 200, 403),
        ("admin:catalog_category_changelist", 200, 200),
        ("admin:catalog_category_add", 200, 403),
        ("admin:catalog_product_import", 200, 403),
        ("admin:catalog_product_recoverlist", 200, 403),
        ("admin:accounts_user_changelist", 403, 403),
        ("admin:auth_group_changelist", 403, 403),
    ],
)
def test_what_editors_and_viewers_can_open(
    editor_client, viewer_client, name, editor_status, viewer_status
):
    url = reverse(name)

    assert editor_client.get(url).status_code == editor_status
    assert viewer_client.get(url).status_code == viewer_status


def test_editors_and_viewers_see_product_history(editor_client, viewer_client):
    with reversion.create_revision():
        product = make_product()
    url = reverse("admin:catalog_product_history", args=[product.pk])

    assert editor_client.get(url).status_code == 200
    assert viewer_client.get(url).status_code == 200


def test_editors_can_delete_products_and_viewers_cannot(editor_client, viewer_client):
    product = make_product()
    url = reverse("admin:catalog_product_delete", args=[product.pk])

    assert viewer_client.post(url, {"post": "yes"}).status_code == 403
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()


def test_visitors_and_anonymous_clients_are_sent_to_the_admin_login(
    visitor_client, client
):
    for anybody in (visitor_client, client):
        response = anybody.get(CHANGELIST)
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


def test_admin_lives_at_the_configured_address_with_the_site_name(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert reverse("admin:index") == f"/{settings.DJANGO_ADMIN_URL}"
    assert f"{settings.SITE_NAME} administration" in response.content.decode()


# Freshness


def test_admin_save_delete_and_actions_show_on_public_pages_at_once(
    admin_client, client
):
    category = make_category(name="Lighting", slug="lighting")
    product = make_product(name="Brass Lamp", category=category)
    before = category_choices()
    listing = client.get("/products/").content.decode()
    assert "Brass Lamp" in listing

    _edit(admin_client, product, name="Copper Lamp")
    assert "Copper Lamp" in client.get("/products/").content.decode()

    _action(admin_client, "unpublish", [product])
    assert "Copper Lamp" not in client.get("/products/").content.decode()

    data = {"name": "Garden", "slug": "garden", "position": "0"}
    admin_client.post(reverse("admin:catalog_category_add"), data)
    after = category_choices()
    assert len(after) == len(before) + 1

    admin_client.post(
        reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"}
    )
    assert "Copper Lamp" not in client.get("/products/").content.decode()


def test_share_preview_of_an_unknown_product_is_404(admin_client):
    response = admin_client.post(f"{CHANGELIST}abc/share-preview/")

    assert response.status_code == 404


# Image uploads: the inline applies the rules of catalog.images.


def _stored_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def test_a_png_with_html_named_pdf_is_stored_and_served_as_a_clean_png(
    admin_client, rf
):
    product = make_product()

    response = admin_image_upload(
        admin_client, product, png_with_html_bytes(), "cv.pdf"
    )

    assert response.status_code == 302
    image = product.images.get()
    assert image.image.name.endswith(".png")
    served = serve(rf.get(image.image.url), image.image.name, settings.MEDIA_ROOT)
    assert served["Content-Type"] == "image/png"
    content = b"".join(served.streaming_content)
    assert content.startswith(b"\x89PNG") and b"<html" not in content
    assert not [path for path in _stored_files() if path.suffix == ".pdf"]


def test_the_image_input_asks_the_browser_for_jpeg_png_or_webp(admin_client):
    url = reverse("admin:catalog_product_change", args=[make_product().pk])

    content = admin_client.get(url).content.decode()

    assert 'name="images-0-image" accept="image/jpeg,image/png,image/webp"' in content


def test_an_upload_spooled_to_disk_is_cleaned_the_same(admin_client):
    product = make_product()

    # Django writes uploads above this size to a temporary file.
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=0):
        response = admin_image_upload(
            admin_client, product, png_with_html_bytes(), "a.pdf"
        )

    assert response.status_code == 302
    image = product.images.get()
    assert image.image.name.endswith(".png")
    with image.image.open() as stored:
        assert b"<html" not in stored.read()


def test_an_uploaded_or_replaced_image_gets_its_renditions_recorded(
    admin_client, client
):
    product = make_product()

    admin_image_upload(
        admin_client, product, image_bytes("JPEG", size=(900, 600)), "a.jpg"
    )
    first = product.images.get()
    admin_image_upload(
        admin_client, product, image_bytes("PNG", size=(500, 400)), "b.png"
    )
    replaced = product.images.get()

    assert first.renditions_current()
    assert [entry[1:] for entry in first.renditions["webp"]] == [
        [320, 213],
        [640, 427],
        [900, 600],
    ]
    assert replaced.pk == first.pk and replaced.image.name != first.image.name
    assert replaced.renditions_current()
    assert [entry[1:] for entry in replaced.renditions["original"]] == [
        [320, 256],
        [500, 400],
    ]
    assert all(name.endswith(".png") for name, *_ in replaced.renditions["original"])
    page = client.get(product.get_absolute_url()).content.decode()
    assert default_storage.url(replaced.renditions["webp"][1][0]) + " 500w" in page


def test_a_jpeg_named_png_is_stored_as_jpg_upright_and_without_its_gps_position(
    admin_client,
):
    product = make_product()
    photo = jpeg_with_gps_bytes(orientation=6)

    response = admin_image_upload(admin_client, product, photo, "holiday.png")

    assert response.status_code == 302
    image = product.images.get()
    assert image.image.name.endswith(".jpg")
    assert (image.width, image.height) == (48, 64)
    with image.image.open() as stored:
        data = stored.read()
    assert b"Exif" not in data and b"Phone" not in data


@pytest.mark.parametrize(
    ("make_file", "name", "limits", "message"),
    [
        (huge_png_bytes, "poster.png", {}, "12,000 × 12,000 pixels (144,000,000)"),
        (lambda: image_bytes("GIF"), "cat.jpg", {}, "Only JPEG, PNG and WebP"),
        (lambda: b"<svg><script>alert(1)</script></svg>", "logo.jpg", {}, "Only JPEG"),
        (lambda: HTML, "page.jpg", {}, "Only JPEG, PNG and WebP"),
        (truncated_jpeg_bytes, "cut.jpg", {}, "damaged or incomplete"),
        (lambda: animated_bytes("WEBP"), "spin.webp", {}, "Animated images"),
        (
            lambda: image_bytes("JPEG", size=(101, 80)),
            "wide.jpg",
            {"CATALOG_MAX_IMAGE_PIXELS": 8000},
            "101 × 80 pixels (8,080); the limit is 8,000 pixels",
        ),
        (
            lambda: image_bytes("PNG", size=(300, 300)),
            "big.png",
            {"CATALOG_MAX_IMAGE_BYTES": 100},
            "the limit is 100\xa0bytes",
        ),
    ],
    ids=[
        "12000x12000",
        "gif",
        "svg",
        "html",
        "truncated",
        "animated",
        "pixels",
        "bytes",
    ],
)
def test_a_refused_image_shows_why_and_stores_nothing(
    admin_client, make_file, name, limits, message
):
    product = make_product()

    with override_settings(**limits):
        response = admin_image_upload(admin_client, product, make_file(), name)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ProductImage.objects.exists()
    assert _stored_files() == []


def test_an_image_at_the_pixel_limit_is_accepted(admin_client):
    product = make_product()

    with override_settings(CATALOG_MAX_IMAGE_PIXELS=100 * 80):
        response = admin_image_upload(
            admin_client, product, image_bytes("WEBP", size=(100, 80)), "photo.jpg"
        )

    assert response.status_code == 302
    image = product.images.get()
    assert image.image.name.endswith(".webp")
    assert (image.width, image.height) == (100, 80)
