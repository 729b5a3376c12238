"""Share-preview links: signed, expiring, revocable, never cached or indexed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog import previews
from catalog.models import Product
from catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft() -> Product:
    return make_product(name="Secret Sofa", status=Product.Status.DRAFT)


def test_a_share_link_shows_a_draft_to_anonymous_visitors_without_caching(
    client, draft
):
    link = previews.preview_link_create(subject=draft, user=None)

    response = client.get(previews.preview_link_url(link))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Secret Sofa" in content
    assert "Preview, not visible to visitors" in content
    assert '<meta name="robots" content="noindex' in content
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_without_a_link_the_draft_is_a_404(client, draft):
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_a_link_expires_after_seven_days_by_default(client, draft, settings):
    link = previews.preview_link_create(subject=draft, user=None)
    assert settings.CATALOG_PREVIEW_LINK_DAYS == 7
    assert link.expires_at - timezone.now() > timedelta(days=6, hours=23)

    link.expires_at = timezone.now() - timedelta(seconds=1)
    link.save()

    assert client.get(previews.preview_link_url(link)).status_code == 404


def test_an_old_signature_fails_even_if_the_row_was_extended(client, draft, settings):
    link = previews.preview_link_create(subject=draft, user=None)
    url = previews.preview_link_url(link)
    settings.CATALOG_PREVIEW_LINK_DAYS = 0

    assert client.get(url).status_code == 404


def test_a_revoked_link_stops_working(client, draft):
    link = previews.preview_link_create(subject=draft, user=None)
    url = previews.preview_link_url(link)
    assert client.get(url).status_code == 200

    previews.preview_links_revoke(links=type(link).objects.filter(pk=link.pk))

    assert client.get(url).status_code == 404


def test_a_tampered_or_foreign_link_is_a_404(client, draft):
    other = make_product(status=Product.Status.DRAFT)
    link = previews.preview_link_create(subject=other, user=None)
    token = previews.preview_link_url(link).split("?preview=")[1]

    assert client.get(f"{draft.get_absolute_url()}?preview={token}").status_code == 404
    assert client.get(f"{draft.get_absolute_url()}?preview=x{token}").status_code == 404


def test_visible_products_are_cacheable_and_indexed_as_before(client):
    product = make_product()

    response = client.get(product.get_absolute_url())

    assert "no-store" not in response.get("Cache-Control", "")
    assert "X-Robots-Tag" not in response
