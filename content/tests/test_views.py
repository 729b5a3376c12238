"""Content pages as visitors and staff see them."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog import previews
from catalog.tests.factories import make_category, make_product
from content.models import (
    Banner,
    CategoryTiles,
    Page,
    ProductGrid,
    Question,
    Quote,
)
from content.tests.factories import add_image, add_text, make_page

pytestmark = pytest.mark.django_db


def _json_ld(response) -> list[dict]:
    scripts = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    found = []
    for script in scripts:
        data = json.loads(script)
        found += data if isinstance(data, list) else [data]
    return found


def test_the_home_page_is_a_page_built_from_blocks(client):
    lamp = make_product(name="Brass desk lamp", featured=True)
    make_product(name="Oak stool")
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Featured" in html and "Shop by category" in html
    assert "New arrivals" in html
    assert lamp.category.name in html
    # The featured lamp is not shown again among the new arrivals.
    assert html.count("Brass desk lamp") == 1
    assert "Oak stool" in html


def test_the_home_page_is_edited_like_any_page(client):
    home = Page.objects.get(url_path="home")
    add_text(home, "## Spring sale\n\nEverything in oak.", ordering=1)
    response = client.get("/")
    assert "<h2>Spring sale</h2>" in response.content.decode()
    assert client.get("/pages/home/")["Location"] == "/"


def test_old_flat_page_addresses_answer_with_their_text(client):
    for url, words in [
        ("/pages/about/", "We choose well-made things"),
        ("/pages/contact/", "hello@example.com"),
        ("/pages/terms/", "<h2>Returns</h2>"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert words in response.content.decode()


def test_a_page_address_comes_from_its_place_in_the_tree(client):
    help_page = make_page(title="Help", slug="help")
    delivery = make_page(title="Delivery", slug="delivery", parent=help_page)
    add_text(delivery, "We deliver on weekdays.")
    assert delivery.get_absolute_url() == "/pages/help/delivery/"
    response = client.get("/pages/help/delivery/")
    html = response.content.decode()
    assert "We deliver on weekdays." in html
    assert '<a href="/pages/help/">Help</a>' in html
    crumbs = next(d for d in _json_ld(response) if d["@type"] == "BreadcrumbList")
    names = [item["name"] for item in crumbs["itemListElement"]]
    assert names == ["Home", "Help", "Delivery"]
    assert client.get("/pages/help/nothing-here/").status_code == 404


def test_rich_text_is_markdown_without_html(client):
    page = make_page(slug="safe")
    add_text(page, "**Bold** <script>alert(1)</script> [x](javascript:alert(2))")
    html = client.get("/pages/safe/").content.decode()
    assert "<strong>Bold</strong>" in html
    assert "<script>alert" not in html and "javascript:" not in html


def test_an_image_block_is_a_responsive_picture_with_alt_text(client):
    page = make_page(slug="photos")
    add_image(page, alt_text="A brass lamp", caption="Our best seller")
    html = client.get("/pages/photos/").content.decode()
    assert "<picture>" in html and 'type="image/webp"' in html
    assert 'alt="A brass lamp"' in html
    assert "<figcaption>Our best seller</figcaption>" in html
    assert 'property="og:image"' in html


def test_a_banner_has_a_heading_text_and_one_link(client):
    page = make_page(slug="sale")
    banner = Banner(
        parent=page,
        region="main",
        ordering=1,
        alt_text="Chairs in a row",
        heading="Chairs, a third off",
        text="Until Sunday.",
        link_label="See the chairs",
        link_url="/categories/chairs/",
    )
    add_image(page)  # a stored picture for the banner to reuse
    banner.image = page.content_imageblock_set.get().image.name
    banner.save()
    html = client.get("/pages/sale/").content.decode()
    assert "Chairs, a third off" in html and "Until Sunday." in html
    assert '<a class="button" href="/categories/chairs/">See the chairs</a>' in html


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", "//evil.example/", "ftp://x/", "chairs"]
)
def test_a_banner_link_must_be_on_the_site_or_http(address):
    from django.core.exceptions import ValidationError

    from content.models import validate_link

    with pytest.raises(ValidationError):
        validate_link(address)


def test_product_grids_show_chosen_newest_or_featured_products(client):
    lighting = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=lighting)
    chairs = make_category(name="Chairs", slug="chairs")
    now = timezone.now()
    old_lamp = make_product(
        name="Old lamp", category=lamps, publish_at=now - timedelta(days=9)
    )
    make_product(name="New lamp", category=lamps, publish_at=now - timedelta(days=1))
    make_product(name="Chair", category=chairs, featured=True)
    make_product(name="Hidden lamp", category=lamps, status="draft")
    page = make_page(slug="grids")
    chosen = ProductGrid.objects.create(
        parent=page, region="main", ordering=1, heading="Picked", source="chosen"
    )
    chosen.products.set([old_lamp])
    ProductGrid.objects.create(
        parent=page,
        region="main",
        ordering=2,
        heading="Newest lighting",
        source="newest",
        category=lighting,
        count=1,
    )
    ProductGrid.objects.create(
        parent=page, region="main", ordering=3, heading="Featured", source="featured"
    )
    response = client.get("/pages/grids/")
    grids = list(response.context["blocks"])
    shown = [[product.name for product in grid.shown] for grid in grids]
    assert shown == [["Old lamp"], ["New lamp"], ["Chair"]]
    assert "Hidden lamp" not in response.content.decode()


def test_category_tiles_show_chosen_or_top_categories(client):
    make_category(name="Lighting", slug="lighting")
    rugs = make_category(name="Rugs", slug="rugs")
    page = make_page(slug="tiles")
    every = CategoryTiles.objects.create(parent=page, region="main", ordering=1)
    chosen = CategoryTiles.objects.create(parent=page, region="main", ordering=2)
    chosen.categories.set([rugs])
    response = client.get("/pages/tiles/")
    blocks = response.context["blocks"]
    assert {c.name for c in blocks[0].shown} >= {"Lighting", "Rugs"}
    assert [c.name for c in blocks[1].shown] == ["Rugs"]
    assert every.pk != chosen.pk


def test_questions_are_details_with_faq_structured_data(client):
    page = make_page(slug="faq")
    Question.objects.create(
        parent=page,
        region="main",
        ordering=1,
        question="Do you ship abroad?",
        answer="Yes, to **all** of Europe.",
    )
    response = client.get("/pages/faq/")
    html = response.content.decode()
    assert "<summary>Do you ship abroad?</summary>" in html
    assert "<strong>all</strong>" in html
    faq = next(d for d in _json_ld(response) if d["@type"] == "FAQPage")
    assert faq["mainEntity"][0]["name"] == "Do you ship abroad?"
    page_data = next(d for d in _json_ld(response) if d["@type"] == "WebPage")
    assert page_data["url"].endswith("/pages/faq/")


def test_a_quote_names_who_said_it(client):
    page = make_page(slug="reviews")
    Quote.objects.create(
        parent=page,
        region="main",
        ordering=1,
        text="It glows.",
        author="Ana",
        role="customer",
    )
    html = client.get("/pages/reviews/").content.decode()
    assert "<blockquote><p>It glows.</p></blockquote>" in html
    assert 'Ana, <span class="role">customer</span>' in html


def test_drafts_and_scheduled_pages_are_hidden_until_their_time(client, monkeypatch):
    make_page(slug="draft", status=Page.Status.DRAFT)
    soon = timezone.now() + timedelta(hours=1)
    make_page(slug="soon", publish_at=soon)
    make_page(slug="gone", unpublish_at=timezone.now() - timedelta(minutes=1))
    assert client.get("/pages/draft/").status_code == 404
    assert client.get("/pages/soon/").status_code == 404
    assert client.get("/pages/gone/").status_code == 404
    later = soon + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # No job ran: the clock alone makes the page visible, cached or not.
    assert client.get("/pages/soon/").status_code == 200


def test_staff_preview_drafts_with_a_banner(admin_client, client):
    make_page(slug="next", title="Next season", status=Page.Status.DRAFT)
    response = admin_client.get("/pages/next/")
    assert response.status_code == 200
    assert "Preview, not visible to visitors." in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert client.get("/pages/next/").status_code == 404


def test_share_preview_links_open_a_draft_until_revoked(client):
    page = make_page(slug="secret", status=Page.Status.DRAFT)
    link = previews.preview_link_create(subject=page, user=None)
    url = previews.preview_link_url(link)
    assert url.startswith("/pages/secret/?preview=")
    response = client.get(url)
    assert response.status_code == 200
    assert "Preview, not visible to visitors." in response.content.decode()
    previews.preview_links_revoke(links=page.preview_links.all())
    assert client.get(url).status_code == 404
    assert client.get(url.replace("preview=", "preview=x")).status_code == 404


def test_an_expired_share_link_opens_nothing(client, monkeypatch):
    page = make_page(slug="old-secret", status=Page.Status.DRAFT)
    link = previews.preview_link_create(subject=page, user=None)
    page.preview_links.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(previews.preview_link_url(link)).status_code == 404


def test_a_change_shows_at_once_on_the_cached_page(client):
    page = make_page(slug="news")
    block = add_text(page, "First news.")
    assert "First news." in client.get("/pages/news/").content.decode()
    block.text = "Second news."
    block.save()
    assert "Second news." in client.get("/pages/news/").content.decode()


def test_a_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    page = make_page(slug="long")
    for ordering in range(10):
        add_text(page, f"Paragraph {ordering}", ordering=ordering)
        Question.objects.create(
            parent=page,
            region="main",
            ordering=100 + ordering,
            question="Q?",
            answer="A.",
        )
    with django_assert_max_num_queries(14):
        assert client.get("/pages/long/").status_code == 200


@pytest.mark.parametrize(
    ("model", "fields", "error_field"),
    [
        ("ImageBlock", {"alt_text": ""}, "alt_text"),
        ("ProductGrid", {"source": "newest", "count": 0}, "count"),
        ("ProductGrid", {"source": "newest", "count": 25}, "count"),
        ("Question", {"question": "", "answer": "Yes."}, "question"),
    ],
)
def test_blocks_refuse_what_would_break_a_page(model, fields, error_field):
    from django.apps import apps
    from django.core.exceptions import ValidationError

    page = make_page()
    block = apps.get_model("content", model)(
        parent=page, region="main", ordering=1, **fields
    )
    with pytest.raises(ValidationError) as raised:
        block.full_clean()
    assert error_field in raised.value.message_dict
