"""Anonymous public pages come from the cache, and only what may be shared does."""

import math
import threading
import time
from datetime import timedelta
from unittest import mock
from urllib.request import urlopen

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client
from django.test.signals import template_rendered
from django.utils import timezone
from django.utils.http import parse_http_date

from accounts.models import SavedProduct
from accounts.tests.factories import make_user
from catalog import previews
from catalog.tests.factories import make_category, make_image, make_product
from config import sitecache
from config.pagecache import public_page_served

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    lighting = make_category(name="Lighting", slug="lighting")
    lamp = make_product(name="Arc Lamp", slug="arc-lamp", category=lighting)
    make_image(product=lamp, size=(400, 300))
    return {"category": lighting, "product": lamp}


def _public_urls(catalog) -> list[str]:
    return [
        "/",
        "/products/",
        "/products/?category=lighting&min_price=1&sort=price",
        catalog["category"].get_absolute_url(),
        catalog["product"].get_absolute_url(),
        "/search/?q=lamp",
        "/robots.txt",
        "/sitemap.xml",
        "/sitemap-products.xml",
    ]


def _page_keys() -> set[str]:
    """The stored pages' keys, in local memory or in Redis."""
    if isinstance(cache._cache, dict):
        keys = set(cache._cache)
    else:
        keys = {key.decode() for key in cache._cache.get_client().keys("*")}
    return {key for key in keys if ":page:" in key and not key.endswith("rendering")}


def test_a_second_anonymous_request_runs_no_query_and_renders_nothing(
    client, catalog, django_assert_num_queries
):
    rendered = []
    template_rendered.connect(lambda **kw: rendered.append(kw["template"].name))
    for url in _public_urls(catalog):
        first = client.get(url)
        rendered.clear()

        with django_assert_num_queries(0):
            second = client.get(url)

        assert second.status_code == 200, url
        assert second.content == first.content, url
        assert rendered == [], url


def test_other_cookies_neither_split_nor_bypass_the_cache(
    client, catalog, django_assert_num_queries
):
    client.get("/products/")
    client.cookies["csrftoken"] = "x" * 32
    client.cookies["_ga"] = "GA1.1.12345.67890"

    with django_assert_num_queries(0):
        response = client.get("/products/")

    assert response.status_code == 200
    assert len(_page_keys()) == 1


def test_unknown_parameters_and_their_order_make_no_new_entry(client, catalog):
    client.get("/products/?min_price=1&sort=price")
    for url in [
        "/products/?sort=price&min_price=1",
        "/products/?min_price=1&sort=price&x=1",
        "/products/?x=2&min_price=1&utm_source=mail&sort=price",
        "/products/?min_price=1&sort=price&page=1",
        "/products/?min_price=1&sort=price&page=abc",
        "/products/?min_price=1&sort=relevance&sort=price",
    ]:
        assert client.get(url).status_code == 200, url

    assert len(_page_keys()) == 1


def test_a_category_that_does_not_exist_is_never_stored(client, catalog):
    for slug in ["aaa", "aab", "aac"]:
        assert client.get(f"/products/?category={slug}").status_code == 200

    assert _page_keys() == set()


def test_bad_parameters_never_give_a_server_error(client, catalog):
    for query in [
        "page=-1",
        "page=99999999999999999999",
        "min_price=1e309",
        "max_price=%00",
        "sort=../../etc",
        "q=" + "x" * 5000,
        "category=%F0%9F%92%A9",
    ]:
        response = client.get(f"/products/?{query}")
        assert response.status_code in (200, 404), query


def test_a_signed_in_visitor_gets_their_own_page_and_never_anothers(catalog):
    lamp = catalog["product"]
    ada, bob = make_user(email="ada@example.com"), make_user(email="bob@example.com")
    SavedProduct.objects.create(user=ada, product=lamp)
    anonymous, ada_client, bob_client = Client(), Client(), Client()
    ada_client.force_login(ada)
    bob_client.force_login(bob)
    url = lamp.get_absolute_url()

    anonymous.get(url)
    ada_page = ada_client.get(url)
    bob_page = bob_client.get(url)
    anonymous_page = anonymous.get(url)

    assert b"Remove from saved" in ada_page.content
    assert b"Save product" in bob_page.content
    assert b"Remove from saved" not in bob_page.content
    assert b"Sign out" not in anonymous_page.content
    assert b"Sign in</a> to save" in anonymous_page.content
    for page in (ada_page, bob_page):
        assert "private" in page["Cache-Control"]
        assert "no-store" in page["Cache-Control"]


def test_a_share_preview_link_is_never_answered_from_the_cache(client, catalog):
    draft = make_product(name="Secret Sofa", slug="secret-sofa", status="draft")
    link = previews.preview_link_create(subject=draft, user=None)
    url = previews.preview_link_url(link)

    assert client.get("/products/secret-sofa/").status_code == 404
    shown = client.get(url)
    previews.preview_links_revoke(links=draft.preview_links.all())
    refused = client.get(url)

    assert shown.status_code == 200
    assert b"Secret Sofa" in shown.content
    assert "no-store" in shown["Cache-Control"]
    assert refused.status_code == 404


def test_a_response_that_sets_a_cookie_is_never_stored(client, catalog, settings):
    # A messages cookie is read (and deleted) only by a fresh page.
    client.cookies["messages"] = "x"
    response = client.get("/")

    assert response.status_code == 200
    assert _page_keys() == set()


@pytest.mark.parametrize("cached", [True, False], ids=["cached", "uncached"])
def test_public_pages_answer_304_to_conditional_requests(
    client, catalog, settings, cached
):
    if not cached:
        settings.PAGE_CACHE_SECONDS = 0
    time.sleep(1)  # Last-Modified is only sent once the change's second is over.
    for url in _public_urls(catalog):
        first = client.get(url)
        etag, modified = first["ETag"], first["Last-Modified"]

        by_etag = client.get(url, HTTP_IF_NONE_MATCH=etag)
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=modified)
        changed_etag = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')

        assert (by_etag.status_code, by_date.status_code) == (304, 304), url
        assert by_etag["ETag"] == etag
        assert changed_etag.status_code == 200


def test_a_change_ends_the_304s(client, catalog):
    url = catalog["product"].get_absolute_url()
    time.sleep(1)
    first = client.get(url)
    catalog["product"].price = 99
    catalog["product"].save()

    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 200
    assert since.status_code == 200
    assert b"99.00" in again.content


def test_last_modified_is_when_the_content_last_changed(client, catalog):
    """A write, or later a scheduled product appearing with no write."""
    before = time.time()
    make_product(name="Stool")
    after = time.time()
    time.sleep(1)
    written = parse_http_date(client.get("/")["Last-Modified"])
    appears = timezone.now() + timedelta(seconds=1)
    make_product(name="Scheduled", publish_at=appears)
    time.sleep(2.1)
    scheduled = parse_http_date(client.get("/")["Last-Modified"])

    assert int(before) <= written <= math.ceil(after)
    assert scheduled == math.ceil(appears.timestamp())


def test_public_pages_may_be_kept_briefly_by_shared_caches(client, catalog, settings):
    for url in _public_urls(catalog):
        for _ in range(2):  # fresh, then cached
            control = client.get(url)["Cache-Control"]
            assert "public" in control, url
            assert f"max-age={settings.PAGE_CACHE_MAX_AGE}" in control, url


def test_account_and_admin_pages_are_private_and_not_stored(client, catalog):
    user = make_user(email="ada@example.com")
    for url in ["/accounts/login/", "/accounts/signup/"]:
        control = client.get(url)["Cache-Control"]
        assert "private" in control and "no-store" in control, url
    client.force_login(user)
    for url in ["/accounts/profile/", "/admin/login/"]:
        control = client.get(url)["Cache-Control"]
        assert "private" in control or "no-store" in control, url


def test_the_hook_sees_every_public_page_cached_or_not(client, catalog):
    seen = []

    def receiver(*, request, response, cached, **kwargs):
        seen.append((request.path, response.status_code, cached))

    public_page_served.connect(receiver)
    try:
        client.get("/")
        client.get("/")
        client.get("/products/nope/")
        client.get("/accounts/login/")
    finally:
        public_page_served.disconnect(receiver)

    assert seen == [
        ("/", 200, False),
        ("/", 200, True),
        ("/products/nope/", 404, False),
    ]


@pytest.mark.django_db(transaction=True)
def test_many_requests_missing_the_same_page_render_it_once(live_server, settings):
    """The others wait for the one rendering the page, not render it again."""
    lighting = make_category(name="Lighting", slug="lighting")
    for number in range(24):
        make_product(name=f"Lamp {number}", slug=f"lamp-{number}", category=lighting)
    renders = []
    lock = threading.Lock()

    def count(*, template, **kwargs):
        if template.name == "catalog/product_list.html":
            with lock:
                renders.append(1)

    template_rendered.connect(count)
    barrier = threading.Barrier(8)
    statuses = []

    def fetch():
        barrier.wait()
        with urlopen(f"{live_server.url}/products/", timeout=30) as response:  # noqa: S310
            statuses.append(response.status)

    try:
        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        template_rendered.disconnect(count)

    assert statuses == [200] * 8
    assert len(renders) == 1


def test_signed_in_visitors_get_the_product_grid_from_the_cache(catalog):
    """Their page is built afresh around cards rendered once for everyone."""
    ada, bob = make_user(email="ada@example.com"), make_user(email="bob@example.com")
    ada_client, bob_client = Client(), Client()
    ada_client.force_login(ada)
    bob_client.force_login(bob)
    rendered = []

    def record(*, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        ada_page = ada_client.get("/products/")
        first = rendered.count("includes/product_card.html")
        rendered.clear()
        bob_page = bob_client.get("/products/")
    finally:
        template_rendered.disconnect(record)

    assert first == 1
    assert "includes/product_card.html" not in rendered
    assert "catalog/product_list.html" in rendered
    assert b"Arc Lamp" in bob_page.content
    assert ada_page.content.count(b"Arc Lamp") == bob_page.content.count(b"Arc Lamp")


def test_head_requests_are_answered_from_the_cache(
    client, catalog, django_assert_num_queries
):
    client.get("/products/")

    with django_assert_num_queries(0):
        response = client.head("/products/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_an_http_request_never_gets_a_page_stored_for_https(client, catalog, settings):
    """Pages are kept per scheme, so the HTTPS redirect still happens."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/products/", secure=True).status_code == 200

    response = client.get("/products/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/products/"


def test_a_cached_page_carries_the_same_headers_as_a_fresh_one(client, catalog):
    """Security headers are stored with the page; the request id is not."""
    fresh = client.get("/products/")
    cached = client.get("/products/")

    for header in [
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Content-Type",
        "ETag",
    ]:
        assert cached[header] == fresh[header], header
    assert cached["X-Request-ID"] != fresh["X-Request-ID"]


def test_with_redis_a_hit_reads_only_the_content_version(client, catalog):
    """Each process keeps the pages it served last beside the shared cache."""
    if isinstance(cache._cache, dict):
        pytest.skip("the local memory cache is in the process already")
    client.get("/products/")

    with mock.patch.object(cache, "get", wraps=cache.get) as get:
        response = client.get("/products/")

    assert response.status_code == 200
    assert [call.args[0] for call in get.call_args_list] == [sitecache.VERSION_KEY]


def test_pages_that_need_no_database_are_served_without_it(client):
    """robots.txt answers while the schedule cannot be read; nothing is kept."""
    sitecache.content_changed()  # a new version, whose schedule is read anew
    with mock.patch.object(
        sitecache, "_schedule", side_effect=OperationalError("no such table")
    ):
        response = client.get("/robots.txt")

    assert response.status_code == 200
    assert "Sitemap:" in response.content.decode()
    assert _page_keys() == set()
