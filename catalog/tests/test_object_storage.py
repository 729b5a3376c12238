"""Product images in S3-compatible storage, as several app servers keep them.

moto stands in for S3 inside the test process; tests/test_two_servers.py
does the same through moto's server and two real gunicorn instances.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.tests.adminforms import admin_form_data
from catalog.tests.factories import make_image, make_product
from catalog.tests.imagefiles import png_with_html_bytes, truncated_jpeg_bytes
from conftest import S3_ENDPOINT as ENDPOINT

BUCKET = "showroom-media"


def _picture_urls(html: str) -> list[str]:
    urls = re.findall(r'<img[^>]* src="([^"]+)"', html)
    for srcset in re.findall(r'srcset="([^"]+)"', html):
        urls += [entry.strip().split(" ")[0] for entry in srcset.split(",")]
    return [url.replace("&amp;", "&") for url in urls]


def _key_of(url: str) -> str:
    path = urlsplit(url).path
    prefix = f"/{BUCKET}/"
    assert path.startswith(prefix), url
    return path.removeprefix(prefix)


@pytest.mark.django_db
def test_an_image_and_every_rendition_go_to_the_bucket_and_pages_link_there(
    buckets, client
):
    buckets.media_in_bucket()
    s3 = buckets.client
    product = make_product()
    image = make_image(product=product, size=(1600, 1200))

    html = client.get(product.get_absolute_url()).content.decode()

    urls = _picture_urls(html)
    # Three widths in the original format and in WebP, and the <img> itself.
    assert len(set(urls)) == 6
    stored = buckets.keys(BUCKET)
    for url in urls:
        assert url.startswith(f"{ENDPOINT}/{BUCKET}/"), url
        assert "Signature" not in url
        assert _key_of(url) in stored
    assert image.image.name in stored
    head = s3.head_object(Bucket=BUCKET, Key=image.image.name)
    assert head["CacheControl"] == "public, max-age=86400"


@pytest.mark.django_db
def test_signed_addresses_outlive_the_cached_page_that_holds_them(buckets, client):
    buckets.media_in_bucket(signed=True)
    product = make_product()
    make_image(product=product)

    html = client.get(product.get_absolute_url()).content.decode()

    urls = _picture_urls(html)
    assert urls
    for url in urls:
        query = parse_qs(urlsplit(url).query)
        assert "X-Amz-Signature" in query
        # The fragment (an hour), the page (an hour and a minute) and an
        # hour to spare.
        assert int(query["X-Amz-Expires"][0]) == 3600 + 3660 + 3600
        assert _key_of(url) in buckets.keys(BUCKET)


@pytest.mark.django_db
def test_a_second_upload_with_the_same_name_gets_a_name_of_its_own(buckets):
    buckets.media_in_bucket()
    product = make_product()

    first = make_image(product=product)
    second = make_image(product=product)

    assert first.image.name != second.image.name
    assert default_storage.exists(first.image.name)


def _upload(admin_client, product, data: bytes, name: str):
    url = reverse("admin:catalog_product_change", args=[product.pk])
    form = admin_form_data(admin_client.get(url))
    form.update(
        {
            "images-0-image": SimpleUploadedFile(name, data),
            "images-0-alt_text": "Front view",
            "images-0-position": "0",
        }
    )
    return admin_client.post(url, form)


def test_uploads_to_the_bucket_are_checked_as_on_disk(buckets, admin_client):
    buckets.media_in_bucket()
    s3 = buckets.client
    product = make_product()

    refused = _upload(admin_client, product, truncated_jpeg_bytes(), "photo.jpg")
    assert refused.status_code == 200
    assert not product.images.exists()
    assert buckets.keys(BUCKET) == set()

    cleaned = _upload(admin_client, product, png_with_html_bytes(), "cv.pdf")
    assert cleaned.status_code == 302
    image = product.images.get()
    assert image.image.name.endswith(".png")
    stored = s3.get_object(Bucket=BUCKET, Key=image.image.name)
    assert stored["ContentType"] == "image/png"
    body = stored["Body"].read()
    assert body.startswith(b"\x89PNG") and b"<html" not in body
    assert image.renditions_current()
