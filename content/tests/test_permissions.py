"""Editors build and publish pages and menus in the admin; Viewers only look."""

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.tests.adminforms import admin_form_data
from content.models import Menu, Page, RichText
from content.tests.factories import make_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def page() -> Page:
    return make_page(title="Delivery", slug="delivery")


def _inline_prefix(response, model) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return inline.formset.prefix
    raise AssertionError(f"No inline for {model.__name__}")


def test_an_editor_creates_a_page_with_a_block_then_publishes_it(editor_client, client):
    add_url = reverse("admin:content_page_add")
    form_page = editor_client.get(add_url)
    assert form_page.status_code == 200
    data = admin_form_data(form_page)
    blocks = _inline_prefix(form_page, RichText)
    data.update(
        {
            "title": "Opening hours",
            "slug": "opening-hours",
            "position": "0",
            "status": Page.Status.DRAFT,
            f"{blocks}-TOTAL_FORMS": "1",
            f"{blocks}-0-text": "Open **every** day.",
            f"{blocks}-0-region": "main",
            f"{blocks}-0-ordering": "10",
        }
    )

    response = editor_client.post(add_url, data)

    assert response.status_code == 302, response.context["errors"]
    page = Page.objects.get(url_path="opening-hours")
    assert list(
        RichText.objects.filter(parent=page).values_list("text", flat=True)
    ) == ["Open **every** day."]
    assert client.get("/pages/opening-hours/").status_code == 404

    change_url = reverse("admin:content_page_change", args=[page.pk])
    data = admin_form_data(editor_client.get(change_url))
    data["title"] = "Opening times"
    data["status"] = Page.Status.PUBLISHED
    data["publish_at_0"] = timezone.localtime().strftime("%Y-%m-%d")
    data["publish_at_1"] = "00:00:00"
    response = editor_client.post(change_url, data)

    assert response.status_code == 302
    shown = client.get("/pages/opening-hours/").content.decode()
    assert "Opening times" in shown
    assert "<strong>every</strong>" in shown


def test_an_editor_adds_a_link_to_a_menu(editor_client, client, page):
    menu = Menu.objects.get(place=Menu.Place.FOOTER)
    url = reverse("admin:content_menu_change", args=[menu.pk])
    form_page = editor_client.get(url)
    data = admin_form_data(form_page)
    prefix = form_page.context["inline_admin_formsets"][0].formset.prefix
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(index + 1),
            f"{prefix}-{index}-menu": str(menu.pk),
            f"{prefix}-{index}-position": "100",
            f"{prefix}-{index}-page": str(page.pk),
        }
    )

    response = editor_client.post(url, data)

    assert response.status_code == 302
    assert '<li><a href="/pages/delivery/">Delivery</a></li>' in (
        client.get("/products/").content.decode()
    )


def test_a_menu_link_with_two_targets_is_refused_with_a_message(editor_client, page):
    menu = Menu.objects.get(place=Menu.Place.HEADER)
    url = reverse("admin:content_menu_change", args=[menu.pk])
    form_page = editor_client.get(url)
    data = admin_form_data(form_page)
    prefix = form_page.context["inline_admin_formsets"][0].formset.prefix
    data[f"{prefix}-0-url"] = "/elsewhere/"

    response = editor_client.post(url, data)

    assert response.status_code == 200
    assert "Choose one page, one category or one address" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["admin:content_page_changelist", "admin:content_menu_changelist"]
)
def test_a_viewer_may_look(viewer_client, name):
    assert viewer_client.get(reverse(name)).status_code == 200


def test_a_viewer_sees_a_page_and_its_blocks_but_cannot_change_them(
    viewer_client, page
):
    RichText.objects.create(parent=page, region="main", ordering=10, text="Hi")
    change_url = reverse("admin:content_page_change", args=[page.pk])

    shown = viewer_client.get(change_url)
    assert shown.status_code == 200
    assert "Hi" in shown.content.decode()
    assert viewer_client.post(change_url, {"title": "Mine now"}).status_code == 403
    assert viewer_client.get(reverse("admin:content_page_add")).status_code == 403
    assert viewer_client.post(reverse("admin:content_page_add"), {}).status_code == 403
    assert Page.objects.get(pk=page.pk).title == "Delivery"


def test_a_viewer_cannot_change_a_menu(viewer_client):
    menu = Menu.objects.get(place=Menu.Place.HEADER)
    url = reverse("admin:content_menu_change", args=[menu.pk])

    assert viewer_client.get(url).status_code == 200
    assert viewer_client.post(url, {}).status_code == 403
    assert viewer_client.get(reverse("admin:content_menu_add")).status_code == 403


def test_a_viewer_sees_no_share_preview_links(viewer_client):
    url = reverse("admin:content_pagepreviewlink_changelist")

    assert viewer_client.get(url).status_code == 403
