"""Old product and category addresses answer 301 to the current ones."""

import pytest

from catalog.models import Product, SlugRedirect
from catalog.services import category_move
from catalog.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db


def test_renaming_a_published_product_redirects_its_old_address(client):
    product = make_product(slug="oak-desk")
    product.slug = "solid-oak-desk"
    product.save()

    response = client.get("/products/oak-desk/")

    assert response.status_code == 301
    assert response["Location"] == "/products/solid-oak-desk/"


def test_a_chain_of_renames_resolves_in_one_hop(client):
    product = make_product(slug="a")
    for slug in ("b", "c", "d"):
        product.slug = slug
        product.save()

    for old in ("a", "b", "c"):
        response = client.get(f"/products/{old}/")
        assert response.status_code == 301
        assert response["Location"] == "/products/d/"
    assert client.get("/products/d/").status_code == 200


def test_renaming_back_to_an_old_slug_serves_the_page_again(client):
    product = make_product(slug="a")
    product.slug = "b"
    product.save()
    product.slug = "a"
    product.save()

    assert client.get("/products/a/").status_code == 200
    assert client.get("/products/b/").status_code == 301
    assert not SlugRedirect.objects.filter(old_path="a").exists()


def test_a_draft_rename_leaves_no_redirect(client):
    product = make_product(slug="secret", status=Product.Status.DRAFT)
    product.slug = "still-secret"
    product.save()

    assert client.get("/products/secret/").status_code == 404


def test_renaming_a_category_redirects_it_and_its_subtree(client):
    home = make_category(name="Home", slug="home")
    lamps = make_category(name="Lamps", slug="lamps", parent=home)
    make_category(name="Desk", slug="desk", parent=lamps)
    lamps.slug = "lights"
    lamps.save()

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
    category_move(category=lamps, target=garden, pos="last-child")
    lamps.refresh_from_db()
    category_move(category=lamps, target=office, pos="last-child")

    for old in ("home/lamps", "garden/lamps"):
        response = client.get(f"/categories/{old}/")
        assert response.status_code == 301
        assert response["Location"] == "/categories/office/lamps/"


def test_an_unknown_category_path_is_still_a_404(client):
    assert client.get("/categories/nothing/here/").status_code == 404
