"""The sitemap's pages section: visible pages with their last change."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from content.models import Page
from content.tests.factories import make_page

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _make_page(title: str, **fields) -> Page:
    return make_page(title=title, slug=title.lower(), **fields)


def _pages_section(client) -> dict[str, str | None]:
    root = ET.fromstring(client.get("/sitemap-pages.xml").content)
    return {
        url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
        for url in root.findall("sm:url", NS)
    }


def test_the_sitemap_index_lists_the_pages_section_last(client):
    root = ET.fromstring(client.get("/sitemap.xml").content)

    locations = [node.text for node in root.findall("sm:sitemap/sm:loc", NS)]
    assert [loc.rsplit("/", 1)[1] for loc in locations] == [
        "sitemap-products.xml",
        "sitemap-categories.xml",
        "sitemap-pages.xml",
    ]


def test_the_pages_section_lists_visible_pages_with_their_last_change(client):
    now = timezone.now()
    help_page = _make_page("Help")
    child = _make_page("Returns", parent=help_page)
    Page.objects.filter(pk=child.pk).update(updated_at=now - timedelta(days=40))
    _make_page("Draft", status=Page.Status.DRAFT)
    _make_page("Later", publish_at=now + timedelta(days=1))
    _make_page("Gone", unpublish_at=now - timedelta(hours=1))

    urls = _pages_section(client)

    assert set(urls) == {
        "http://testserver/",
        "http://testserver/pages/about/",
        "http://testserver/pages/contact/",
        "http://testserver/pages/terms/",
        "http://testserver/pages/help/",
        "http://testserver/pages/help/returns/",
    }
    assert urls["http://testserver/pages/help/returns/"].startswith(
        (now - timedelta(days=40)).date().isoformat()
    )
    home = Page.objects.get(url_path="home")
    assert urls["http://testserver/"].startswith(home.updated_at.date().isoformat())


def test_a_new_page_shows_in_the_sitemap_at_once(client):
    assert "http://testserver/pages/news/" not in _pages_section(client)

    _make_page("News")

    assert "http://testserver/pages/news/" in _pages_section(client)
