"""Writes with tokens: permissions, history, If-Match, images, errors, limits."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from reversion.models import Version

from api.models import ApiToken
from api.services import api_token_create, api_tokens_revoke
from catalog.demo import demo_image_bytes
from catalog.models import Product
from catalog.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db

LIST = "/api/v1/products/"
NEW = {
    "name": "Desk lamp",
    "slug": "desk-lamp",
    "sku": "DL-1",
    "price": "35.50",
    "category": "lighting",
    "status": "published",
}


@pytest.fixture
def lighting():
    return make_category(name="Lighting", slug="lighting")


def post_json(client, url, data, **extra):
    return client.post(url, data, content_type="application/json", **extra)


def patch_json(client, url, data, **extra):
    return client.patch(url, data, content_type="application/json", **extra)


def test_editor_creates_a_product_recorded_in_history_with_the_token_user(
    editor_api, lighting
):
    response = post_json(editor_api, LIST, NEW)
    assert response.status_code == 201
    assert response["Location"].endswith("/api/v1/products/desk-lamp/")
    product = Product.objects.get(slug="desk-lamp")
    assert product.price == Decimal("35.50")
    version = Version.objects.get_for_object(product).get()
    assert version.revision.user == editor_api.user
    assert version.revision.comment == "Added through the API"


def test_viewer_and_visitor_tokens_and_anonymous_clients_cannot_write(
    viewer_api, visitor_api, anonymous_api, lighting
):
    product = make_product(category=lighting)
    url = f"{LIST}{product.slug}/"
    assert post_json(viewer_api, LIST, NEW).status_code == 403
    assert post_json(visitor_api, LIST, NEW).status_code == 403
    response = post_json(anonymous_api, LIST, NEW)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert patch_json(viewer_api, url, {"name": "No"}).status_code == 403
    assert viewer_api.delete(url).status_code == 403
    assert not Product.objects.filter(slug="desk-lamp").exists()
    assert Product.objects.get(pk=product.pk).name == product.name


def test_a_wrong_or_revoked_token_is_401(editor_api, lighting, client):
    make_product(category=lighting)
    response = client.get(LIST, HTTP_AUTHORIZATION="Bearer shr_not-a-token")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    token, key = api_token_create(user=editor_api.user, name="old")
    api_tokens_revoke(tokens=ApiToken.objects.filter(pk=token.pk))
    assert client.get(LIST, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_tokens_are_stored_as_digests_only(editor_api):
    token, key = api_token_create(user=editor_api.user, name="stock system")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in str(stored)
    assert stored["hint"] == key[:8]


def test_if_match_with_a_stale_etag_answers_412_and_writes_nothing(
    editor_api, lighting
):
    product = make_product(category=lighting, name="Lamp")
    url = f"{LIST}{product.slug}/"
    etag = editor_api.get(url)["ETag"]
    first = patch_json(editor_api, url, {"name": "Lamp 2"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    stale = patch_json(editor_api, url, {"name": "Lamp 3"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert editor_api.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    put = {**NEW, "slug": product.slug, "sku": product.sku}
    assert (
        editor_api.put(url, put, content_type="application/json", HTTP_IF_MATCH=etag)
    ).status_code == 412
    assert Product.objects.get(pk=product.pk).name == "Lamp 2"
    weak = patch_json(
        editor_api, url, {"name": "Lamp 4"}, HTTP_IF_MATCH="W/" + first["ETag"]
    )
    assert weak.status_code == 200


def test_api_writes_show_on_the_site_pages_at_once(editor_api, lighting, client):
    product = make_product(category=lighting, name="Old lamp")
    page = product.get_absolute_url()
    assert "Old lamp" in client.get(page).content.decode()
    patch_json(editor_api, f"{LIST}{product.slug}/", {"name": "New lamp"})
    assert "New lamp" in client.get(page).content.decode()
    editor_api.delete(f"{LIST}{product.slug}/")
    assert client.get(page).status_code == 404


def test_image_upload_goes_through_the_admin_checks(editor_api, lighting):
    product = make_product(category=lighting)
    url = f"{LIST}{product.slug}/images/"
    picture = SimpleUploadedFile(
        "photo.png", demo_image_bytes(seed=3, size=(700, 500)), "image/jpeg"
    )
    response = editor_api.post(url, {"image": picture, "alt_text": "Lit"})
    assert response.status_code == 201
    assert {r["format"] for r in response.json()["renditions"]} == {"jpeg", "webp"}
    assert product.images.count() == 1
    fake = SimpleUploadedFile("fake.jpg", b"<html>not an image</html>", "image/jpeg")
    refused = editor_api.post(url, {"image": fake, "alt_text": "Fake"})
    assert refused.status_code == 400
    assert "image" in refused.json()["fields"]
    assert product.images.count() == 1
    as_json = post_json(editor_api, url, {"alt_text": "x"})
    assert as_json.status_code == 415


def test_images_need_an_editor(viewer_api, lighting):
    product = make_product(category=lighting)
    picture = SimpleUploadedFile("p.jpg", demo_image_bytes(seed=1), "image/jpeg")
    response = viewer_api.post(
        f"{LIST}{product.slug}/images/", {"image": picture, "alt_text": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"name": ', "application/json", 400),
        ("name=Lamp", "application/x-www-form-urlencoded", 415),
        ('{"price": "NaN"}', "application/json", 400),
        ('{"price": "1e400"}', "application/json", 400),
        ('{"name": "Lamp\\u0000"}', "application/json", 400),
        ('{"stock": -1}', "application/json", 400),
        ("[1, 2]", "application/json", 400),
    ],
)
def test_bad_writes_answer_json_errors_and_change_nothing(
    editor_api, lighting, body, content_type, status
):
    product = make_product(category=lighting, name="Lamp", stock=3)
    response = editor_api.patch(
        f"{LIST}{product.slug}/", body, content_type=content_type
    )
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == status
    stored = Product.objects.get(pk=product.pk)
    assert (stored.name, stored.stock, stored.price) == ("Lamp", 3, product.price)


def test_a_taken_slug_is_a_field_error(editor_api, lighting):
    make_product(category=lighting, slug="desk-lamp")
    response = post_json(editor_api, LIST, NEW)
    assert response.status_code == 400
    assert "slug" in response.json()["fields"]


def test_unknown_addresses_and_methods_answer_json(anonymous_api, editor_api):
    missing = anonymous_api.get("/api/v1/nothing-here/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    nul = anonymous_api.get("/api/v1/products/a%00b/")
    assert nul.status_code == 400
    assert nul.json()["status"] == 400
    method = editor_api.delete(LIST)
    assert method.status_code == 405
    assert method.json()["code"] == "method_not_allowed"


def test_rate_limits_answer_429_with_retry_after(anonymous_api, settings):
    settings.API_RATE_ANONYMOUS = "2/minute"
    assert anonymous_api.get(LIST).status_code == 200
    assert anonymous_api.get(LIST).status_code == 200
    refused = anonymous_api.get(LIST)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "throttled"


def test_token_limits_count_per_token(editor_api, anonymous_api, settings):
    settings.API_RATE_ANONYMOUS = "1/minute"
    settings.API_RATE_TOKEN = "3/minute"
    assert anonymous_api.get(LIST).status_code == 200
    assert anonymous_api.get(LIST).status_code == 429
    assert [editor_api.get(LIST).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_cors_lets_any_origin_read_but_no_origin_write(anonymous_api, editor_api):
    read = anonymous_api.get(LIST, HTTP_ORIGIN="https://partner.example")
    assert read["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in read["Access-Control-Expose-Headers"]
    preflight_read = anonymous_api.options(
        LIST,
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight_read["Access-Control-Allow-Origin"] == "*"
    preflight_write = anonymous_api.options(
        LIST,
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert "Access-Control-Allow-Origin" not in preflight_write
    write = post_json(editor_api, LIST, {}, HTTP_ORIGIN="https://partner.example")
    assert "Access-Control-Allow-Origin" not in write
