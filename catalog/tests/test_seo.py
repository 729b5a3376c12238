"""Product page metadata, JSON-LD, the sitemap and robots.txt."""

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.sitemaps import ProductSitemap
from catalog.tests.factories import make_category, make_image, make_product

pytestmark = pytest.mark.django_db
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def product():
    root = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=root)
    product = make_product(
        name="Brass Lamp",
        slug="brass-lamp",
        sku="SR-1",
        summary="Warm light.",
        price=Decimal("1250.50"),
        stock=0,
        category=lamps,
    )
    make_image(product=product)
    return product


def _json_ld(content: str) -> list[dict]:
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', content, re.S
    )
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_product_json_ld_carries_product_offer_and_breadcrumbs(client, product):
    content = client.get("/products/brass-lamp/").content.decode()

    product_data, breadcrumbs = _json_ld(content)
    assert product_data["@type"] == "Product"
    assert product_data["name"] == "Brass Lamp"
    assert product_data["sku"] == "SR-1"
    assert product_data["image"][0].startswith("http://testserver/media/")
    assert product_data["offers"] == {
        "@type": "Offer",
        "url": "http://testserver/products/brass-lamp/",
        "price": "1250.50",
        "priceCurrency": "EUR",
        "availability": "https://schema.org/OutOfStock",
    }
    assert breadcrumbs["@type"] == "BreadcrumbList"
    assert [item["name"] for item in breadcrumbs["itemListElement"]] == [
        "Lighting",
        "Lamps",
        "Brass Lamp",
    ]
    assert breadcrumbs["itemListElement"][1]["item"] == (
        "http://testserver/categories/lighting/lamps/"
    )


def test_json_ld_cannot_be_broken_out_of_by_product_text(client, product):
    product.name = "</script><script>alert(1)</script>"
    product.save()

    content = client.get("/products/brass-lamp/").content.decode()

    assert "<script>alert(1)" not in content
    assert _json_ld(content)[0]["name"] == product.name


def test_product_page_has_canonical_and_open_graph(client, product):
    content = client.get("/products/brass-lamp/?utm_source=x").content.decode()

    assert '<link rel="canonical" href="http://testserver/products/brass-lamp/">' in (
        content
    )
    assert '<meta property="og:title" content="Brass Lamp">' in content
    assert '<meta property="og:type" content="product">' in content
    assert re.search(
        r'<meta property="og:image" content="http://testserver/media/', content
    )


def test_product_page_shows_gallery_price_availability_and_related(client, product):
    make_image(product=product, position=1)
    sibling = make_product(name="Arc Lamp", category=product.category)

    content = client.get("/products/brass-lamp/").content.decode()

    # Each photo once large and once as its thumbnail; the related card has
    # no image.
    assert content.count('<div class="gallery-photo">') == 2
    assert content.count('<label class="gallery-thumb"') == 2
    assert content.count("<picture>") == 4
    assert "1,250.50 EUR" in content
    assert "Out of stock" in content
    assert sibling.get_absolute_url() in content


def test_invisible_product_is_404_for_visitors(client, product):
    Product.objects.filter(pk=product.pk).update(status=Product.Status.DRAFT)

    assert client.get("/products/brass-lamp/").status_code == 404


def test_staff_preview_an_invisible_product_with_a_banner(admin_client, product):
    Product.objects.filter(pk=product.pk).update(status=Product.Status.DRAFT)

    response = admin_client.get("/products/brass-lamp/")

    assert response.status_code == 200
    assert "Preview, not visible to visitors." in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"
    assert "no-store" in response["Cache-Control"]


def test_visible_product_has_no_preview_banner_for_staff(admin_client, product):
    assert (
        "Preview, not visible"
        not in admin_client.get("/products/brass-lamp/").content.decode()
    )


def _sitemap_urls(client, section: str, page: int = 1) -> dict[str, str | None]:
    root = ET.fromstring(client.get(f"/sitemap-{section}.xml", {"p": page}).content)
    return {
        url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
        for url in root.findall("sm:url", NS)
    }


def test_sitemap_index_lists_each_section(client, product):
    root = ET.fromstring(client.get("/sitemap.xml").content)

    locations = {node.text for node in root.findall("sm:sitemap/sm:loc", NS)}
    assert {loc.rsplit("/", 1)[1] for loc in locations} == {
        "sitemap-products.xml",
        "sitemap-categories.xml",
        "sitemap-pages.xml",
    }


def test_sitemap_lists_visible_products_with_their_last_change(client, product):
    make_product(name="Hidden", slug="hidden", status=Product.Status.DRAFT)

    urls = _sitemap_urls(client, "products")

    assert list(urls) == ["http://testserver/products/brass-lamp/"]
    assert urls["http://testserver/products/brass-lamp/"].startswith(
        product.updated_at.date().isoformat()
    )


def test_product_sitemap_pages_each_hold_a_block_of_ids(client, monkeypatch):
    """Page n lists the visible products in the n-th block of `limit` ids,
    counted from the smallest visible id."""
    monkeypatch.setattr(ProductSitemap, "limit", 2)
    category = make_category(slug="many")
    products = [make_product(category=category) for _ in range(5)]
    make_product(category=category, status=Product.Status.DRAFT)
    first_id = products[0].pk

    index = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [node.text for node in index.findall("sm:sitemap/sm:loc", NS)]
    assert sum("sitemap-products.xml" in loc for loc in locations) == 3
    for product in products:
        page = (product.pk - first_id) // 2 + 1
        urls = _sitemap_urls(client, "products", page)
        assert f"http://testserver{product.get_absolute_url()}" in urls
    assert client.get("/sitemap-products.xml?p=4").status_code == 404


def test_sitemap_lists_categories(client, product):
    categories = _sitemap_urls(client, "categories")

    assert "http://testserver/categories/lighting/lamps/" in categories


def test_robots_txt_points_to_the_sitemap(client):
    content = client.get("/robots.txt").content.decode()

    assert "Sitemap: http://testserver/sitemap.xml" in content


def test_sitemap_is_served_from_cache_until_the_catalog_changes(
    client, product, django_assert_num_queries
):
    client.get("/sitemap-products.xml")
    with django_assert_num_queries(0):
        cached = client.get("/sitemap-products.xml")
    assert b"/products/brass-lamp/" in cached.content

    make_product(name="Floor Lamp", slug="floor-lamp", category=product.category)

    assert b"/products/floor-lamp/" in client.get("/sitemap-products.xml").content


def test_links_name_the_address_the_site_is_served_at(client, product):
    # A site run on another port, or reached by its public name behind a
    # proxy: every absolute link follows the request's host.
    host = {"HTTP_HOST": "127.0.0.1:8080"}
    index = ET.fromstring(client.get("/sitemap.xml", **host).content)
    sections = [node.text for node in index.findall("sm:sitemap/sm:loc", NS)]
    products = ET.fromstring(client.get("/sitemap-products.xml", **host).content)
    page = client.get("/products/brass-lamp/", **host).content.decode()
    robots = client.get("/robots.txt", **host).content.decode()

    assert sections and all(
        loc.startswith("http://127.0.0.1:8080/sitemap-") for loc in sections
    )
    assert [url.findtext("sm:loc", namespaces=NS) for url in products] == [
        "http://127.0.0.1:8080/products/brass-lamp/"
    ]
    assert (
        '<link rel="canonical" href="http://127.0.0.1:8080/products/brass-lamp/">'
        in page
    )
    assert "Sitemap: http://127.0.0.1:8080/sitemap.xml" in robots


def test_site_domain_names_the_site_whatever_host_was_asked(client, product, settings):
    settings.SITE_DOMAIN = "shop.example.com"
    settings.ALLOWED_HOSTS = ["shop.example.com", "www.shop.example.com"]
    host = {"HTTP_HOST": "www.shop.example.com"}

    products = ET.fromstring(client.get("/sitemap-products.xml", **host).content)
    page = client.get("/products/brass-lamp/", **host).content.decode()

    assert [url.findtext("sm:loc", namespaces=NS) for url in products] == [
        "http://shop.example.com/products/brass-lamp/"
    ]
    assert 'href="http://shop.example.com/products/brass-lamp/"' in page
    assert '"url": "http://shop.example.com/products/brass-lamp/"' in page
