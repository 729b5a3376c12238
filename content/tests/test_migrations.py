"""Flat pages move into content pages, keeping their addresses."""

import importlib

import pytest
from django.apps import apps
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site

from content.models import Page, RichText

pytestmark = pytest.mark.django_db

migration = importlib.import_module("content.migrations.0002_flat_pages_and_home")


def test_the_migration_moved_the_flat_pages_and_made_a_home_page():
    assert not FlatPage.objects.exists()
    assert set(Page.objects.values_list("url_path", flat=True)) >= {
        "home",
        "about",
        "contact",
        "terms",
    }
    about = Page.objects.get(url_path="about")
    assert about.status == Page.Status.PUBLISHED
    assert "well-made things" in RichText.objects.get(parent=about).text


def test_a_deeper_flat_page_address_leads_to_its_page(client):
    site = Site.objects.get_current()
    for url, title in [("/help/faq/", "FAQ"), ("/help-faq/", "Other")]:
        flat = FlatPage.objects.create(url=url, title=title, content=f"{title}.")
        flat.sites.add(site)
    migration.migrate_pages(apps, None)
    faq = Page.objects.get(title="FAQ")
    other = Page.objects.get(title="Other")
    # Two flat pages that would get the same slug get distinct ones.
    assert {faq.url_path, other.url_path} == {"help-faq", "help-faq-2"}
    assert client.get("/pages/help/faq/")["Location"] == faq.get_absolute_url()
    assert "FAQ." in client.get(faq.get_absolute_url()).content.decode()


def test_running_it_again_changes_nothing():
    before = list(Page.objects.values_list("url_path", flat=True))
    migration.migrate_pages(apps, None)
    assert list(Page.objects.values_list("url_path", flat=True)) == before
