"""Tokens in the admin, and the admin's product writes in the change feed."""

import pytest
import reversion
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from api.models import ApiToken
from api.tests.conftest import staff_user
from catalog.models import Product
from catalog.tests.adminforms import admin_form_data
from catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db

FEED = "/api/v1/changes/"


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    settings.STAFF_MFA_REQUIRED = False


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_makes_a_token_shown_once_and_revokes_it(client):
    editor = staff_user("editor@example.com", "Editors")
    admin = _signed_in(editor)
    response = admin.post(
        reverse("admin:api_apitoken_add"), {"name": "stock system"}, follow=True
    )
    messages = [str(message) for message in response.context["messages"]]
    key = next(
        word for text in messages for word in text.split() if word.startswith("shr_")
    )
    token = ApiToken.objects.get()
    assert token.user == editor
    assert (
        key
        not in admin.get(
            reverse("admin:api_apitoken_change", args=[token.pk])
        ).content.decode()
    )
    assert (
        client.get("/api/v1/products/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code
        == 200
    )
    admin.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert (
        client.get("/api/v1/products/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code
        == 401
    )


def test_staff_see_only_their_own_tokens():
    from api.services import api_token_create

    editor = staff_user("editor@example.com", "Editors")
    viewer = staff_user("viewer@example.com", "Viewers")
    api_token_create(user=editor, name="editor's")
    api_token_create(user=viewer, name="viewer's")
    page = _signed_in(viewer).get(reverse("admin:api_apitoken_changelist"))
    assert "viewer&#x27;s" in page.content.decode()
    assert "editor&#x27;s" not in page.content.decode()


def test_admin_delete_and_recover_show_in_the_feed(client):
    superuser = get_user_model().objects.create_superuser(
        "boss@example.com", "pw-123456789"
    )
    admin = _signed_in(superuser)
    with reversion.create_revision():
        product = make_product(name="Oak Desk")
    start = client.get(FEED).json()["cursor"]
    admin.post(
        reverse("admin:catalog_product_delete", args=[product.pk]), {"post": "yes"}
    )
    deleted = client.get(FEED, {"since": start}).json()
    assert [(c["id"], c["change"]) for c in deleted["changes"]] == [
        (product.pk, "deleted")
    ]
    version = Version.objects.get_deleted(Product)[0]
    url = reverse("admin:catalog_product_recover", args=[version.pk])
    admin.post(url, admin_form_data(admin.get(url)))
    back = client.get(FEED, {"since": deleted["cursor"]}).json()
    assert [(c["id"], c["change"]) for c in back["changes"]] == [(product.pk, "shown")]
    assert back["changes"][0]["product"]["name"] == "Oak Desk"
