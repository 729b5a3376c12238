"""Bytes on the wire: text is compressed, media are cached by browsers."""

import gzip

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import make_user
from catalog.tests.factories import make_category, make_image, make_product

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture
def lamp():
    product = make_product(name="Arc Lamp", slug="arc-lamp", category=make_category())
    make_image(product=product, size=(900, 600))
    return product


@pytest.mark.parametrize("cached", [False, True], ids=["rendered", "from the cache"])
def test_public_pages_are_sent_compressed_to_clients_that_accept_gzip(
    client, lamp, cached
):
    plain = client.get("/products/arc-lamp/")
    if not cached:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        packed = client.get("/products/arc-lamp/", **GZIP)

    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 2
    for response in (plain, packed):
        assert "Accept-Encoding" in response["Vary"]
    assert packed["ETag"] == f"W/{plain['ETag']}"
    # A client reads exactly the body's length, compressed or not.
    for response in (plain, packed):
        assert int(response["Content-Length"]) == len(response.content)
    if cached:
        assert len(queries) == 0


def test_a_compressed_page_answers_304_to_its_etag(client, lamp):
    first = client.get("/products/", **GZIP)

    again = client.get("/products/", HTTP_IF_NONE_MATCH=first["ETag"], **GZIP)

    assert again.status_code == 304


def test_pages_for_one_person_are_compressed_too(lamp):
    client = Client()
    client.force_login(make_user())

    response = client.get("/accounts/profile/", **GZIP)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert b"<h1" in gzip.decompress(response.content)


def test_images_are_not_compressed_again_and_renditions_are_kept_a_year(client, lamp):
    image = lamp.images.get()
    rendition_url = image.rendition_urls(webp=True)[0][0]
    assert "/renditions/" in rendition_url

    rendition = client.get(rendition_url, **GZIP)
    original = client.get(image.image.url, **GZIP)

    for response in (rendition, original):
        assert response.status_code == 200
        assert "Content-Encoding" not in response
    assert rendition["Cache-Control"] == "public, max-age=31536000, immutable"
    assert original["Cache-Control"] == "public, max-age=86400"
