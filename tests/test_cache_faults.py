"""The site answers every public page and signs people in while its Redis
cache is unreachable (a closed port) or hung (a port that accepts and never
answers), barely slower than with a working cache; and once the cache is
back it shows what was written while it was away.

Each test brings its own broken or fake endpoint on a loopback port, so none
needs the real Redis; with CACHE_URL naming one, the "working cache" the
times are compared with is that Redis, otherwise the local memory cache.
"""

import contextlib
import statistics
import time
from collections.abc import Iterator

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.tests.factories import PASSWORD, make_user
from catalog.tests.factories import make_category, make_product
from tests.cache_servers import FakeRedisServer, HungServer, closed_port, redis_cache_at

pytestmark = pytest.mark.django_db

KINDS = ["unreachable", "hung"]
# What a page may cost on top of the same page with a working cache.
ALLOWED_EXTRA_SECONDS = 0.1
ROUNDS = 5


@contextlib.contextmanager
def broken_cache(kind: str) -> Iterator[HungServer | None]:
    """The default cache pointed at a closed port or at a hung server."""
    if kind == "unreachable":
        with redis_cache_at(f"redis://127.0.0.1:{closed_port()}/0"):
            yield None
        return
    server = HungServer()
    try:
        with redis_cache_at(f"redis://127.0.0.1:{server.port}/0"):
            yield server
    finally:
        server.close()


@pytest.fixture
def catalog():
    """A small catalog: a category tree, products and a visitor account."""
    lighting = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Desk lamps", slug="desk-lamps", parent=lighting)
    product = make_product(category=lamps, name="Brass desk lamp", slug="brass-lamp")
    make_product(category=lamps, name="Oak floor lamp", slug="oak-lamp")
    user = make_user(email="ada@example.com")
    return {"category": lamps, "product": product, "user": user}


def _pages(catalog) -> dict[str, tuple[str, str]]:
    """Every public page: its address and a text it must show."""
    return {
        "home": ("/", "Brass desk lamp"),
        "products": ("/products/", "Oak floor lamp"),
        "products, filtered": (
            "/products/?category=lighting&min_price=5&max_price=50&in_stock=1"
            "&sort=price",
            "Brass desk lamp",
        ),
        "category": (catalog["category"].get_absolute_url(), "Oak floor lamp"),
        "product": (catalog["product"].get_absolute_url(), "Brass desk lamp"),
        "search": ("/search/?q=brass", "/products/brass-lamp/"),
        "search, nothing found": ("/search/?q=zebra", "Lighting"),
        "flat page": ("/pages/about/", "About"),
        "sitemap index": ("/sitemap.xml", "sitemap-products.xml"),
        "sitemap section": ("/sitemap-products.xml", "/products/brass-lamp/"),
        "robots.txt": ("/robots.txt", "Sitemap:"),
        "sign-in page": ("/accounts/login/", 'name="password"'),
    }


def _sign_in(client: Client, password: str = PASSWORD):
    return client.post(
        "/accounts/login/", {"login": "ada@example.com", "password": password}
    )


@pytest.mark.parametrize("kind", KINDS)
def test_every_public_page_answers_without_the_cache(client, catalog, kind):
    with broken_cache(kind):
        for name, (url, text) in _pages(catalog).items():
            response = client.get(url)

            assert response.status_code == 200, name
            assert text in response.content.decode(), name


@pytest.mark.parametrize("kind", KINDS)
def test_sign_in_works_without_the_cache(client, catalog, kind):
    with broken_cache(kind):
        refused = _sign_in(client, password="not-the-password-1")
        assert refused.status_code == 200
        assert "not correct" in refused.content.decode()
        assert SESSION_KEY not in client.session

        response = _sign_in(client)
        assert response.status_code == 302
        assert client.session[SESSION_KEY] == str(catalog["user"].pk)
        assert client.get("/accounts/profile/").status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_the_sign_in_lockout_holds_without_the_cache(client, catalog, kind):
    # The lockout counts failures in the database, not in the cache.
    assert AxesProxyHandler.get_implementation().__class__.__name__ == (
        "AxesDatabaseHandler"
    )
    with broken_cache(kind):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _sign_in(client, password="not-the-password-1")
        response = _sign_in(client)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("kind", KINDS)
def test_healthz_reports_the_cache_down_at_once(client, kind):
    with broken_cache(kind):
        started = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - started

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "error"}
    # Django's own Redis backend would wait 5 s for a hung server.
    assert waited < 2


def _median_seconds(request) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        request()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _timed_requests(catalog) -> dict:
    def get(url):
        def request():
            assert Client().get(url).status_code == 200

        return request

    def sign_in():
        client = Client()
        assert _sign_in(client).status_code == 302

    def wrong_password():
        # Axes would lock the account after five of these; the lockout has
        # its own test.
        assert _sign_in(Client(), password="not-the-password-1").status_code == 200
        axes_reset()

    requests = {name: get(url) for name, (url, _) in _pages(catalog).items()}
    requests["sign-in, right password"] = sign_in
    requests["sign-in, wrong password"] = wrong_password
    return requests


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_each_page_takes_at_most_100_ms_more_without_the_cache(catalog, kind):
    """Medians of five requests each, against the same requests with a
    working cache. One request first lets the broken cache cost its one
    timeout (a hung server's) before the timing starts: after that the
    process skips the cache for CACHE_RETRY_SECONDS (5 s), longer than the
    medians take, and a probe inside them would be one slow request of five.
    """
    requests = _timed_requests(catalog)
    for request in requests.values():
        request()  # Warm the working cache.
    usual = {name: _median_seconds(request) for name, request in requests.items()}

    with broken_cache(kind):
        Client().get("/")
        without = {name: _median_seconds(request) for name, request in requests.items()}

    slower = {
        name: round(without[name] - usual[name], 4)
        for name in requests
        if without[name] - usual[name] >= ALLOWED_EXTRA_SECONDS
    }
    assert slower == {}, (usual, without)


@pytest.fixture
def fake_redis():
    server = FakeRedisServer()
    yield server
    server.stop()


def test_a_change_made_while_the_cache_was_down_shows_once_it_is_back(
    client, fake_redis
):
    category = make_category(name="Lamps", slug="lamps")
    make_product(category=category, name="Brass desk lamp")
    with redis_cache_at(fake_redis.url, CACHE_RETRY_SECONDS=0.2):
        # The filter menu is cached for the catalog version of this moment.
        assert "Lamps" in client.get("/products/").content.decode()

        fake_redis.stop()
        category.name = "Desk lighting"
        category.save()
        during = client.get("/products/").content.decode()

        fake_redis.start()
        time.sleep(0.3)
        after = client.get("/products/").content.decode()

    assert "Desk lighting" in during
    assert "Desk lighting" in after
    assert "Lamps" not in after
