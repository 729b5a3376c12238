"""Every text answer names its charset, so no browser has to guess it."""

import pytest

from catalog.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    lighting = make_category(name="Lighting", slug="lighting")
    make_product(name="Brass lamp", slug="brass-lamp", category=lighting)


@pytest.fixture
def contact(settings):
    settings.SECURITY_CONTACT = ["mailto:security@example.com"]


PAGES = [
    ("GET", "/", 200),
    ("GET", "/products/", 200),
    ("GET", "/categories/lighting/", 200),
    ("GET", "/products/brass-lamp/", 200),
    ("GET", "/search/?q=lamp", 200),
    ("GET", "/pages/about/", 200),
    ("GET", "/robots.txt", 200),
    ("GET", "/sitemap.xml", 200),
    ("GET", "/sitemap-products.xml", 200),
    ("GET", "/.well-known/security.txt", 200),
    ("GET", "/accounts/login/", 200),
    ("GET", "/no/such/page/", 404),
    ("POST", "/robots.txt", 405),
    ("GET", "/healthz", 200),
]


@pytest.mark.usefixtures("catalog", "contact")
@pytest.mark.parametrize(("method", "url", "status"), PAGES)
def test_every_text_answer_names_its_charset(client, method, url, status):
    response = client.generic(method, url)

    assert response.status_code == status
    content_type = response["Content-Type"]
    if content_type.startswith(("text/", "application/xml")):
        assert content_type.endswith("; charset=utf-8")
    else:
        assert content_type == "application/json"


@pytest.mark.usefixtures("catalog", "contact")
@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/.well-known/security.txt", "text/plain; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/sitemap-categories.xml", "application/xml; charset=utf-8"),
    ],
)
def test_plain_text_and_sitemaps_say_utf_8(client, url, content_type):
    assert client.get(url)["Content-Type"] == content_type
