"""The search page finds pages, in a group of their own, on both engines.

CI runs this module on SQLite (FTS5) and PostgreSQL (tsvector).
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.sql import (
    emit_post_migrate_signal,
    emit_pre_migrate_signal,
)
from django.db import connection, models
from django.utils import timezone
from django.utils.text import slugify

from catalog.tests.factories import make_category, make_product, product_names
from content import search
from content.models import Banner, Page, Question, Quote, RichText
from content.tests.factories import make_page

pytestmark = pytest.mark.django_db


def _make_page(title: str, **fields) -> Page:
    return make_page(title=title, slug=slugify(title), **fields)


def _block(model, page: Page, ordering: int = 10, **fields):
    return model.objects.create(parent=page, region="main", ordering=ordering, **fields)


def _page_titles(client, query: str) -> list[str]:
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    groups = response.context["result_groups"]
    return [str(result.title) for group in groups for result in group.results]


def _plain(titles: list[str]) -> list[str]:
    return [title.replace("<mark>", "").replace("</mark>", "") for title in titles]


@pytest.fixture
def pages():
    delivery = _make_page("Delivery")
    _block(RichText, delivery, text="We ship **parcels** within three days.")
    faq = _make_page("Questions")
    _block(Question, faq, question="Can I return a sofa?", answer="Within 30 days.")
    _block(Quote, faq, ordering=20, text="Lovely walnut finish.", author="Ada")
    spring = _make_page("Spring")
    _block(
        Banner,
        spring,
        heading="Garden lanterns are back",
        link_label="Shop",
        link_url="/products/",
    )
    return {"delivery": delivery, "faq": faq, "spring": spring}


def test_a_page_is_found_by_its_title(client, pages):
    assert _plain(_page_titles(client, "delivery")) == ["Delivery"]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("parcels", "Delivery"),  # rich text, a word form of "parcels"
        ("sofas", "Questions"),  # a question
        ("walnut", "Questions"),  # a quote
        ("lantern", "Spring"),  # a banner's heading
    ],
)
def test_a_page_is_found_by_the_text_of_its_blocks(client, pages, query, title):
    assert _plain(_page_titles(client, query)) == [title]


def test_the_results_page_shows_pages_in_their_own_group(client, pages):
    make_product(name="Delivery van toy", category=make_category(name="Toys"))

    response = client.get("/search/", {"q": "delivery"})

    content = response.content.decode()
    assert '<h2 id="result-group-1">Pages</h2>' in content
    assert '<a href="/pages/delivery/"><mark>Delivery</mark></a>' in content
    # The product is still listed, under its own heading.
    assert product_names(response) == ["Delivery van toy"]
    assert "Products: 1 result" in content


def test_the_excerpt_marks_the_words_and_drops_markdown(client, pages):
    response = client.get("/search/", {"q": "parcels"})

    (result,) = response.context["result_groups"][0].results
    assert "<mark>parcels</mark>" in result.excerpt
    assert "**" not in result.excerpt


def test_pages_visitors_cannot_see_are_not_found(client):
    now = timezone.now()
    _make_page("Draft lanterns", status=Page.Status.DRAFT)
    _make_page("Later lanterns", publish_at=now + timedelta(days=1))
    _make_page("Old lanterns", unpublish_at=now - timedelta(hours=1))
    _make_page("Lanterns")

    assert _plain(_page_titles(client, "lanterns")) == ["Lanterns"]


def test_a_match_in_the_title_ranks_above_one_in_the_text(client):
    _block(RichText, _make_page("Care guide"), text="Oiling oak once a year.")
    _make_page("Oak")

    assert _plain(_page_titles(client, "oak")) == ["Oak", "Care guide"]


def test_the_index_follows_every_change_to_a_page_and_its_blocks(client):
    page = _make_page("Shipping")
    block = _block(RichText, page, text="Couriers collect on Mondays.")
    assert _page_titles(client, "couriers")

    block.text = "Vans collect on Mondays."
    block.save()
    assert not _page_titles(client, "couriers")
    assert _page_titles(client, "vans")

    page.title = "Transport"
    page.save()
    assert _plain(_page_titles(client, "transport")) == ["Transport"]

    block.delete()
    assert not _page_titles(client, "vans")

    page.delete()
    assert not _page_titles(client, "transport")


def test_a_block_moved_to_another_page_is_found_there(client):
    first, second = _make_page("First"), _make_page("Second")
    block = _block(RichText, first, text="Marmalade")

    RichText.objects.filter(pk=block.pk).update(parent=second)

    assert _plain(_page_titles(client, "marmalade")) == ["Second"]


def test_the_home_page_is_found_at_its_address(client):
    response = client.get("/search/", {"q": "home"})

    (pages,) = response.context["result_groups"]
    assert [(str(result.title), result.url) for result in pages.results][0] == (
        "<mark>Home</mark>",
        "/",
    )


def test_a_query_of_punctuation_or_stop_words_finds_no_page(client, pages):
    assert _page_titles(client, '"the" AND (or) *') == []
    assert search.page_results([]).results == []


def test_pages_are_listed_on_the_first_page_of_products_only(client, settings):
    settings.CATALOG_PAGE_SIZE = 1
    _make_page("Lamps")
    category = make_category(name="Lighting")
    make_product(name="Lamp one", category=category)
    make_product(name="Lamp two", category=category)

    assert _page_titles(client, "lamps")
    second = client.get("/search/", {"q": "lamps", "page": 2})
    assert second.context["result_groups"] == []


def test_migrate_puts_back_the_index_and_keeps_what_it_holds(client, pages):
    call_command("migrate", verbosity=0)

    assert _plain(_page_titles(client, "parcels")) == ["Delivery"]
    _block(RichText, pages["spring"], ordering=20, text="Seedlings")
    assert _plain(_page_titles(client, "seedlings")) == ["Spring"]


@pytest.mark.django_db(transaction=True)
def test_a_migration_may_rebuild_the_pages_table_and_the_index_follows(client):
    """SQLite rebuilds a table that a migration alters, under another name;
    the triggers are off meanwhile, and the index is filled anew after."""
    page = _make_page("Zebra crossing")
    title = Page._meta.get_field("title")
    longer = models.CharField("title", max_length=300)
    longer.set_attributes_from_name("title")
    longer.model = Page

    emit_pre_migrate_signal(verbosity=0, interactive=False, db="default")
    with connection.schema_editor() as editor:
        editor.alter_field(Page, title, longer)
        # Written while migrations run: no trigger sees it.
        _block(RichText, page, text="Stripes")
        editor.alter_field(Page, longer, title)
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert _plain(_page_titles(client, "stripes")) == ["Zebra crossing"]
    _block(RichText, page, ordering=20, text="Pedestrians")
    assert _plain(_page_titles(client, "pedestrians")) == ["Zebra crossing"]
