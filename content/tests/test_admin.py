"""Staff build, schedule, revert and restore pages in the admin."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from catalog.models import SlugRedirect
from catalog.tests.adminforms import admin_form_data
from content.models import Page, Question, RichText
from content.tests.factories import add_text, make_page

pytestmark = pytest.mark.django_db


def _block(data: dict, kind: str, index: int, ordering: int, **fields) -> None:
    prefix = f"content_{kind}_set"
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data[f"{prefix}-{index}-region"] = "main"
    data[f"{prefix}-{index}-ordering"] = str(ordering)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = value


def test_staff_build_a_page_from_blocks(admin_client, client):
    data = admin_form_data(admin_client.get(reverse("admin:content_page_add")))
    data.update(title="Care guide", slug="care", status="published")
    _block(data, "richtext", 0, 10, text="Oil the oak **twice** a year.")
    _block(data, "question", 0, 20, question="Can it go outside?", answer="No.")
    _block(data, "quote", 0, 30, text="Still like new.", author="Ana")
    response = admin_client.post(reverse("admin:content_page_add"), data)
    assert response.status_code == 302, response.context["errors"]
    page = Page.objects.get(slug="care")
    assert page.url_path == "care"
    html = client.get("/pages/care/").content.decode()
    oil = html.index("Oil the oak")
    question = html.index("<summary>Can it go outside?")
    assert oil < question < html.index("<blockquote><p>Still like new.")
    assert Version.objects.get_for_object(page).count() == 1


def test_a_page_address_must_be_free(admin_client):
    make_page(slug="about-us")
    data = admin_form_data(admin_client.get(reverse("admin:content_page_add")))
    data.update(title="About", slug="about-us", status="draft")
    response = admin_client.post(reverse("admin:content_page_add"), data)
    assert response.status_code == 200
    assert "Another page already has the address /about-us/." in str(
        response.context["errors"]
    )


def test_the_page_editor_runs_under_the_content_security_policy(admin_client):
    response = admin_client.get(reverse("admin:content_page_add"))
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'<script type="importmap" nonce="{nonce}">' in response.content.decode()
    # Public pages carry no nonce, so a cached page can be shared.
    assert "nonce" not in admin_client.get("/pages/about/")["Content-Security-Policy"]


def test_changing_a_slug_or_moving_a_page_redirects_its_subtree(admin_client, client):
    help_page = make_page(title="Help", slug="help")
    faq = make_page(title="FAQ", slug="faq", parent=help_page)
    url = reverse("admin:content_page_change", args=[help_page.pk])
    data = admin_form_data(admin_client.get(url))
    data["slug"] = "support"
    assert admin_client.post(url, data).status_code == 302
    assert client.get("/pages/help/faq/")["Location"] == "/pages/support/faq/"
    about = Page.objects.get(url_path="about")
    url = reverse("admin:content_page_change", args=[faq.pk])
    data = admin_form_data(admin_client.get(url))
    data["parent"] = str(about.pk)
    assert admin_client.post(url, data).status_code == 302
    # Both older addresses lead to the newest in one hop.
    assert client.get("/pages/help/faq/")["Location"] == "/pages/about/faq/"
    assert client.get("/pages/support/faq/")["Location"] == "/pages/about/faq/"
    assert SlugRedirect.objects.filter(kind="page").count() >= 2


def test_scheduling_from_the_admin(admin_client, client):
    page = make_page(slug="launch", status=Page.Status.DRAFT)
    url = reverse("admin:content_page_change", args=[page.pk])
    data = admin_form_data(admin_client.get(url))
    later = timezone.localtime() + timedelta(days=2)
    data.update(
        status="published",
        publish_at_0=later.strftime("%Y-%m-%d"),
        publish_at_1=later.strftime("%H:%M:%S"),
    )
    assert admin_client.post(url, data).status_code == 302
    listing = admin_client.get(reverse("admin:content_page_changelist"))
    assert "Scheduled" in listing.content.decode()
    assert client.get("/pages/launch/").status_code == 404


def test_reverting_a_page_brings_back_its_blocks(admin_client, client):
    data = admin_form_data(admin_client.get(reverse("admin:content_page_add")))
    data.update(title="Story", slug="story", status="published")
    _block(data, "richtext", 0, 10, text="First telling.")
    admin_client.post(reverse("admin:content_page_add"), data)
    page = Page.objects.get(slug="story")
    url = reverse("admin:content_page_change", args=[page.pk])
    data = admin_form_data(admin_client.get(url))
    data["content_richtext_set-0-text"] = "Second telling."
    _block(data, "question", 0, 20, question="Why?", answer="Because.")
    assert admin_client.post(url, data).status_code == 302
    assert "Second telling." in client.get("/pages/story/").content.decode()

    first = Version.objects.get_for_object(page).order_by("pk").first()
    revision_url = reverse("admin:content_page_revision", args=[page.pk, first.pk])
    data = admin_form_data(admin_client.get(revision_url))
    assert admin_client.post(revision_url, data).status_code == 302
    html = client.get("/pages/story/").content.decode()
    assert "First telling." in html and "Why?" not in html
    assert not Question.objects.filter(parent=page).exists()


def test_a_deleted_page_comes_back_with_its_blocks_and_place(admin_client, client):
    help_page = make_page(title="Help", slug="help")
    returns = make_page(title="Returns", slug="returns", parent=help_page)
    make_page(title="Warranty", slug="warranty", parent=help_page)
    url = reverse("admin:content_page_change", args=[returns.pk])
    data = admin_form_data(admin_client.get(url))
    _block(data, "richtext", 0, 10, text="Thirty days to return.")
    admin_client.post(url, data)
    delete_url = reverse("admin:content_page_delete", args=[returns.pk])
    admin_client.post(delete_url, {"post": "yes"})
    assert not Page.objects.filter(slug="returns").exists()
    assert client.get("/pages/help/returns/").status_code == 404

    trash = admin_client.get(reverse("admin:content_page_recoverlist"))
    assert "Returns" in trash.content.decode()
    version = Version.objects.get_deleted(Page).get(object_repr="Returns")
    recover_url = reverse("admin:content_page_recover", args=[version.pk])
    assert "1 block" in admin_client.get(recover_url).content.decode()
    assert admin_client.post(recover_url).status_code == 302
    page = Page.objects.get(slug="returns")
    assert page.url_path == "help/returns"
    assert Page.objects.get(slug="help").numchild == 2
    assert RichText.objects.get(parent=page).text == "Thirty days to return."
    assert (
        "Thirty days to return." in client.get("/pages/help/returns/").content.decode()
    )


def test_a_page_whose_parent_is_gone_comes_back_at_the_top(admin_client):
    shop = make_page(title="Shop", slug="shop")
    hours = make_page(title="Hours", slug="hours", parent=shop)
    add_text(hours, "Nine to five.")
    url = reverse("admin:content_page_change", args=[hours.pk])
    admin_client.post(url, admin_form_data(admin_client.get(url)))
    admin_client.post(
        reverse("admin:content_page_delete", args=[shop.pk]), {"post": "yes"}
    )
    assert not Page.objects.filter(slug__in=["shop", "hours"]).exists()
    version = Version.objects.get_deleted(Page).get(object_repr="Hours")
    admin_client.post(reverse("admin:content_page_recover", args=[version.pk]))
    page = Page.objects.get(slug="hours")
    assert page.depth == 1 and page.url_path == "hours"
    assert RichText.objects.get(parent=page).text == "Nine to five."


def test_the_share_preview_button_makes_a_link(admin_client, client):
    page = make_page(slug="soon", status=Page.Status.DRAFT)
    response = admin_client.post(
        reverse("admin:content_page_share_preview", args=[page.pk]), follow=True
    )
    message = str(list(response.context["messages"])[0])
    link = message.split("revoked: ")[1]
    assert client.get(link.split("testserver")[1]).status_code == 200
