"""The profile, save/unsave, data export and account deletion pages."""

import json

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import SavedProduct, SignInEvent, User
from accounts.tests.factories import PASSWORD, make_user
from catalog.models import Product
from catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return make_user(email="ada@example.com", full_name="Ada Lovelace")


@pytest.fixture
def signed_in(client, user):
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return client


def test_profile_needs_sign_in(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_profile_shows_name_email_password_and_saved_products(signed_in, user):
    product = make_product(name="Brass Lamp")
    SavedProduct.objects.create(user=user, product=product)

    page = signed_in.get("/accounts/profile/").content.decode()

    assert 'value="Ada Lovelace"' in page
    assert "ada@example.com" in page
    assert 'href="/accounts/password/change/"' in page
    assert f'href="{product.get_absolute_url()}">Brass Lamp</a>' in page


def test_profile_page_query_count_does_not_grow_with_saved_products(
    signed_in, user, django_assert_max_num_queries
):
    for _ in range(5):
        SavedProduct.objects.create(user=user, product=make_product())

    with django_assert_max_num_queries(6):
        signed_in.get("/accounts/profile/")


def test_profile_saves_the_name(signed_in, user):
    signed_in.post("/accounts/profile/", {"full_name": "  Ada King "})

    user.refresh_from_db()
    assert user.full_name == "Ada King"


def test_product_page_offers_save_and_unsave(signed_in, user):
    product = make_product()

    page = signed_in.get(product.get_absolute_url()).content.decode()
    assert f'action="/accounts/saved/{product.slug}/add/"' in page

    signed_in.post(f"/accounts/saved/{product.slug}/add/")
    page = signed_in.get(product.get_absolute_url()).content.decode()
    assert f'action="/accounts/saved/{product.slug}/remove/"' in page


def test_product_page_asks_visitors_to_sign_in_to_save(client):
    product = make_product()

    page = client.get(product.get_absolute_url()).content.decode()

    assert f'href="/accounts/login/?next={product.get_absolute_url()}"' in page
    assert "/accounts/saved/" not in page


def test_saving_a_product_returns_to_its_page(signed_in, user):
    product = make_product()

    response = signed_in.post(f"/accounts/saved/{product.slug}/add/")
    signed_in.post(f"/accounts/saved/{product.slug}/add/")

    assert response["Location"] == product.get_absolute_url()
    assert list(SavedProduct.objects.values_list("user", "product")) == [
        (user.pk, product.pk)
    ]


def test_unsaving_removes_the_product(signed_in, user):
    product = make_product()
    SavedProduct.objects.create(user=user, product=product)

    signed_in.post(
        f"/accounts/saved/{product.slug}/remove/", {"next": "/accounts/profile/"}
    )

    assert not SavedProduct.objects.exists()


def test_saving_refuses_get_and_unsafe_next(signed_in):
    product = make_product()

    assert signed_in.get(f"/accounts/saved/{product.slug}/add/").status_code == 405
    response = signed_in.post(
        f"/accounts/saved/{product.slug}/add/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == product.get_absolute_url()


def test_saving_needs_the_csrf_token(client, user):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    product = make_product()

    response = csrf_client.post(f"/accounts/saved/{product.slug}/add/")

    assert response.status_code == 403
    assert not SavedProduct.objects.exists()


def test_hidden_products_cannot_be_saved(signed_in):
    product = make_product(status=Product.Status.DRAFT)

    response = signed_in.post(f"/accounts/saved/{product.slug}/add/")

    assert response.status_code == 404


def test_data_export_holds_profile_saved_products_and_sign_ins(signed_in, user):
    product = make_product(name="Brass Lamp", sku="SKU-LAMP")
    SavedProduct.objects.create(user=user, product=product)

    response = signed_in.get("/accounts/profile/data.json")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    data = json.loads(response.content)
    assert data["profile"]["email"] == "ada@example.com"
    assert data["profile"]["full_name"] == "Ada Lovelace"
    assert data["profile"]["email_addresses"] == [
        {"email": "ada@example.com", "verified": True, "primary": True}
    ]
    assert data["profile"]["two_factor_authentication"] is False
    assert [(p["name"], p["sku"], p["url"]) for p in data["saved_products"]] == [
        ("Brass Lamp", "SKU-LAMP", product.get_absolute_url())
    ]
    assert len(data["sign_ins"]) == 1
    assert data["sign_ins"][0]["ip_address"] == "127.0.0.1"


def test_data_export_holds_nobody_elses_data(signed_in):
    other = make_user(email="bob@example.com")
    SavedProduct.objects.create(user=other, product=make_product())

    data = json.loads(signed_in.get("/accounts/profile/data.json").content)

    assert data["saved_products"] == []
    assert "bob@example.com" not in json.dumps(data)


def test_delete_refuses_a_wrong_password(signed_in, user):
    response = signed_in.post("/accounts/profile/delete/", {"password": "not-it"})

    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_removes_the_account_and_its_personal_data(signed_in, user):
    SavedProduct.objects.create(user=user, product=make_product())
    # A failed sign-in elsewhere, which axes keeps by address.
    Client().post("/accounts/login/", {"login": "ada@example.com", "password": "x"})
    assert AccessAttempt.objects.filter(username="ada@example.com").exists()

    response = signed_in.post("/accounts/profile/delete/", {"password": PASSWORD})

    assert response["Location"] == "/"
    assert SESSION_KEY not in signed_in.session
    assert not User.objects.filter(email="ada@example.com").exists()
    assert not SavedProduct.objects.exists()
    assert not SignInEvent.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not AccessAttempt.objects.filter(username="ada@example.com").exists()


def test_delete_leaves_other_accounts_alone(signed_in):
    other = make_user(email="bob@example.com")
    SavedProduct.objects.create(user=other, product=make_product())

    signed_in.post("/accounts/profile/delete/", {"password": PASSWORD})

    assert list(User.objects.all()) == [other]
    assert SavedProduct.objects.filter(user=other).count() == 1


def test_the_last_superuser_cannot_delete_themselves(client):
    boss = make_user(email="boss@example.com", is_staff=True, is_superuser=True)
    client.post("/accounts/login/", {"login": boss.email, "password": PASSWORD})

    response = client.post("/accounts/profile/delete/", {"password": PASSWORD})

    assert response.status_code == 200
    assert "last superuser" in response.content.decode()
    assert User.objects.filter(pk=boss.pk).exists()


def test_removing_a_product_one_never_saved_reveals_nothing(client):
    user = make_user()
    client.force_login(user)
    make_product(name="Secret launch", slug="secret", status=Product.Status.DRAFT)

    response = client.post("/accounts/saved/secret/remove/", follow=True)

    assert response.status_code == 404
    assert "Secret launch" not in response.content.decode()


def test_a_saved_product_withdrawn_since_is_listed_without_its_name(client):
    user = make_user()
    client.force_login(user)
    product = make_product(name="Brass Lamp", slug="brass-lamp")
    SavedProduct.objects.create(user=user, product=product)
    Product.objects.filter(pk=product.pk).update(
        status=Product.Status.DRAFT, name="Secret successor"
    )

    profile = client.get("/accounts/profile/").content.decode()
    export = json.loads(client.get("/accounts/profile/data.json").content)

    assert "A product that is no longer available" in profile
    assert "Secret successor" not in profile
    assert export["saved_products"][0]["available"] is False
    assert "Secret successor" not in json.dumps(export)
