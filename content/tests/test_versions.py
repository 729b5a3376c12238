"""Comparing two versions of a page in its admin history: block by block."""

import pytest
import reversion
from django.urls import reverse
from reversion.models import Version

from catalog.tests.factories import make_product
from content.models import ImageBlock, Page, ProductGrid, Question, Quote, RichText
from content.tests.factories import add_image, add_text, make_page

pytestmark = pytest.mark.django_db


def _record(page: Page) -> Version:
    with reversion.create_revision():
        reversion.add_to_revision(Page.objects.get(pk=page.pk))
    return Version.objects.get_for_object(page).first()


def test_page_blocks_compare_added_removed_moved_and_changed(admin_client):
    page = make_page(title="Returns")
    add_text(page, "Thirty days to return anything.", ordering=10)
    image = add_image(page, ordering=20, alt_text="The returns desk")
    Question.objects.create(
        parent=page, region="main", ordering=30, question="Why?", answer="Because."
    )
    desk, lamp, shelf = (make_product(name=name) for name in ("Desk", "Lamp", "Shelf"))
    grid = ProductGrid.objects.create(
        parent=page, region="main", ordering=40, source="chosen"
    )
    grid.products.set([desk, lamp])
    first = _record(page)
    RichText.objects.filter(parent=page).update(text="Sixty days to return anything.")
    ImageBlock.objects.filter(pk=image.pk).update(ordering=50)
    Question.objects.filter(parent=page).delete()
    grid.products.set([desk, shelf])
    Quote.objects.create(
        parent=page, region="main", ordering=60, text="Easy.", author="Ann"
    )
    Page.objects.filter(pk=page.pk).update(title="Returns and refunds")

    url = reverse("admin:content_page_compare", args=[page.pk])
    response = admin_client.get(f"{url}?from={first.pk}&to=current")

    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert [change.name for change in comparison.fields] == ["Title"]
    (blocks,) = comparison.parts
    assert [(row.state.kind, row.state.label, row.status) for row in blocks.rows] == [
        ("Text", "Sixty days to return anything.", "changed"),
        ("Question and answer", "Why?", "removed"),
        ("Product grid", "The products chosen below", "changed"),
        ("Image", "The returns desk", "moved"),
        ("Quote", "Ann", "added"),
    ]
    # A moved image is the same picture: only its place changed.
    assert blocks.rows[3].changes == []
    page_html = response.content.decode()
    assert "<del>Thirty</del> days to return anything." in page_html
    assert "<ins>Sixty</ins> days to return anything." in page_html
    assert (
        "<del>Lamp</del>, Desk" in page_html and "<ins>Shelf</ins>, Desk" in page_html
    )
    assert f'src="{image.rendition_urls(webp=False)[0][0]}"' in page_html
    # Blocks of several kinds: each row names its kind.
    assert '<span class="version-kind">Quote</span>' in page_html


def test_the_page_history_offers_the_comparison(admin_client):
    page = make_page(title="About")
    add_text(page, "We make furniture.")
    first = _record(page)

    response = admin_client.get(reverse("admin:content_page_history", args=[page.pk]))

    assert reverse("admin:content_page_compare", args=[page.pk]) in (
        response.content.decode()
    )
    assert f'name="from" value="{first.pk}"' in response.content.decode()
