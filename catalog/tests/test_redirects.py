"""Old product and category addresses answer 301 to the current ones."""

import pytest
import reversion
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from catalog.models import Product, SlugRedirect
from catalog.services import node_move, node_save, product_save
from catalog.tests.adminforms import admin_form_data
from catalog.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db


def _rename(product: Product, slug: str) -> None:
    slug_before, status_before = product.slug, product.status
    product.slug = slug
    product_save(product=product, slug_before=slug_before, status_before=status_before)


def test_renaming_a_published_product_redirects_its_old_address(client):
    product = make_product(slug="oak-desk")
    _rename(product, "solid-oak-desk")

    response = client.get("/products/oak-desk/")

    assert response.status_code == 301
    assert response["Location"] == "/products/solid-oak-desk/"


def test_a_chain_of_renames_resolves_in_one_hop(client):
    product = make_product(slug="a")
    for slug in ("b", "c", "d"):
        _rename(product, slug)

    for old in ("a", "b", "c"):
        response = client.get(f"/products/{old}/")
        assert response.status_code == 301
        assert response["Location"] == "/products/d/"
    assert client.get("/products/d/").status_code == 200


def test_renaming_back_to_an_old_slug_serves_the_page_again(client):
    product = make_product(slug="a")
    _rename(product, "b")
    _rename(product, "a")

    assert client.get("/products/a/").status_code == 200
    assert client.get("/products/b/").status_code == 301
    assert not SlugRedirect.objects.filter(old_path="a").exists()


def test_a_draft_rename_leaves_no_redirect(client):
    product = make_product(slug="secret", status=Product.Status.DRAFT)
    _rename(product, "still-secret")

    assert client.get("/products/secret/").status_code == 404


def test_renaming_a_category_redirects_it_and_its_subtree(client):
    home = make_category(name="Home", slug="home")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    make_category(name="Desk", slug="desk", parent=lamps)
    lamps.slug = "lights"
    node_save(node=lamps)

    response = client.get("/categories/home/lamps/")
    below = client.get("/categories/home/lamps/desk/")

    assert response.status_code == 301
    assert response["Location"] == "/categories/home/lights/"
    assert below.status_code == 301
    assert below["Location"] == "/categories/home/lights/desk/"


def test_moving_a_category_twice_redirects_in_one_hop(client):
    home = make_category(name="Home", slug="home")
    garden = make_category(name="Garden", slug="garden")
    office = make_category(name="Office", slug="office")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    node_move(node=lamps, target=garden, pos="last-child")
    lamps.refresh_from_db()
    node_move(node=lamps, target=office, pos="last-child")

    for old in ("home/lamps", "garden/lamps"):
        response = client.get(f"/categories/{old}/")
        assert response.status_code == 301
        assert response["Location"] == "/categories/office/lamps/"


def test_an_unknown_category_path_is_still_a_404(client):
    assert client.get("/categories/nothing/here/").status_code == 404


def _admin_edit(admin_client, obj, **changes) -> None:
    """Save the admin change form of `obj` with `changes`, as a browser would."""
    url = reverse(f"admin:catalog_{obj._meta.model_name}_change", args=[obj.pk])
    data = admin_form_data(admin_client.get(url))
    response = admin_client.post(url, {**data, **changes})
    assert response.status_code == 302


def _revert_to_first_version(admin_client, obj) -> None:
    first = Version.objects.get_for_object(obj).last()
    name = obj._meta.model_name
    url = reverse(f"admin:catalog_{name}_revision", args=[obj.pk, first.pk])
    response = admin_client.post(url, admin_form_data(admin_client.get(url)))
    assert response.status_code == 302


def _assert_moved(client, old: str, new: str) -> None:
    """`old` answers 301 to `new` in one hop, and `new` is the page."""
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert client.get(new).status_code == 200


def test_reverting_a_product_slug_redirects_the_slug_it_replaces(admin_client, client):
    with reversion.create_revision():
        product = make_product(slug="oak-desk")
    _admin_edit(admin_client, product, slug="solid-oak-desk")

    _revert_to_first_version(admin_client, product)

    _assert_moved(client, "/products/solid-oak-desk/", "/products/oak-desk/")


def test_renaming_a_product_in_the_admin_redirects_its_old_address(
    admin_client, client
):
    product = make_product(slug="oak-desk")

    _admin_edit(admin_client, product, slug="solid-oak-desk")

    response = client.get("/products/oak-desk/")
    assert response.status_code == 301
    assert response["Location"] == "/products/solid-oak-desk/"


def test_reverting_a_draft_product_slug_leaves_no_redirect(admin_client):
    with reversion.create_revision():
        product = make_product(slug="secret", status=Product.Status.DRAFT)
    _admin_edit(admin_client, product, slug="still-secret")

    _revert_to_first_version(admin_client, product)

    assert not SlugRedirect.objects.exists()


def test_renaming_a_category_in_the_admin_redirects_it_and_its_subtree(
    admin_client, client
):
    home = make_category(name="Home", slug="home")
    make_category(name="Desk", slug="desk", parent=home)

    _admin_edit(admin_client, home, slug="house")

    response = client.get("/categories/home/desk/")
    assert response.status_code == 301
    assert response["Location"] == "/categories/house/desk/"


def test_reverting_a_category_slug_redirects_the_path_it_replaces(admin_client, client):
    home = make_category(name="Home", slug="home")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    _admin_edit(admin_client, lamps)
    _admin_edit(admin_client, lamps, slug="lights")

    _revert_to_first_version(admin_client, lamps)

    _assert_moved(client, "/categories/home/lights/", "/categories/home/lamps/")


def test_an_import_that_changes_a_slug_redirects_the_old_one(admin_client, client):
    category = make_category(slug="lighting")
    make_product(sku="LAMP-1", slug="brass-lamp", category=category)
    upload = SimpleUploadedFile(
        "products.csv",
        b"sku,name,slug,price,stock,category,status\n"
        b"LAMP-1,Brass lamp,brass-desk-lamp,20.00,3,lighting,published\n",
        "text/csv",
    )
    dry_run = admin_client.post(
        reverse("admin:catalog_product_import"),
        {"import_file": upload, "format": "0", "resource": "0"},
    )
    confirm = dry_run.context["confirm_form"].initial

    admin_client.post(reverse("admin:catalog_product_process_import"), confirm)

    response = client.get("/products/brass-lamp/")
    assert response.status_code == 301
    assert response["Location"] == "/products/brass-desk-lamp/"
