"""Every response carries the content security policy and the security headers.

Pages, the admin, error pages, static files and uploads alike; public pages
need no nonce, so a cached copy serves every visitor.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.templatetags.static import static

from accounts.models import User
from catalog.tests.factories import make_category, make_image, make_product
from config.headers import media_origins

pytestmark = pytest.mark.django_db

ADMIN = f"/{django_settings.DJANGO_ADMIN_URL}"
MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


def policy(response) -> dict[str, list[str]]:
    """The response's content security policy, directive by directive."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} given twice"
        directives[name] = sources
    return directives


@pytest.fixture
def product():
    lamps = make_category(name="Lamps", slug="lamps")
    product = make_product(name="Brass Lamp", slug="brass-lamp", category=lamps)
    make_image(product=product)
    return product


@pytest.fixture
def public_pages(product) -> list[str]:
    return [
        "/",
        "/products/",
        "/categories/lamps/",
        product.get_absolute_url(),
        "/search/?q=lamp",
        "/accounts/login/",
        "/accounts/signup/",
    ]


def test_pages_allow_only_the_sites_own_scripts_styles_and_images(client, public_pages):
    for url in public_pages:
        response = client.get(url)
        assert response.status_code == 200, url

        assert policy(response) == {
            "default-src": ["'none'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:"],
            "connect-src": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
            "base-uri": ["'self'"],
            "object-src": ["'none'"],
            "report-uri": ["/csp-report/"],
        }, url


def test_public_pages_need_no_nonce_so_cached_copies_can_be_shared(
    client, public_pages
):
    for url in public_pages:
        first, second = client.get(url), client.get(url)

        assert "nonce-" not in first["Content-Security-Policy"], url
        assert first["Content-Security-Policy"] == second["Content-Security-Policy"]
        assert "unsafe-inline" not in first["Content-Security-Policy"]
        assert "unsafe-eval" not in first["Content-Security-Policy"]


def test_the_admin_and_error_pages_get_the_same_policy(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    user = User.objects.create_superuser("staff@example.com", "a-long-password-1")
    home = policy(client.get("/"))
    client.force_login(user)

    for url, status in [
        (ADMIN, 200),
        (f"{ADMIN}catalog/product/", 200),
        (f"{ADMIN}catalog/product/add/", 200),
        ("/no-such-page/", 404),
        ("/products/?page=-1", 404),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        assert policy(response) == home, url


def test_uploads_served_from_another_origin_are_allowed_as_images():
    assert media_origins("https://cdn.example.com/media/") == [
        "https://cdn.example.com"
    ]
    assert media_origins("http://127.0.0.1:9000/bucket/") == ["http://127.0.0.1:9000"]
    assert media_origins("media/") == []
    assert media_origins("/media/") == []


def test_pages_carry_the_security_headers(client, public_pages):
    for url in [*public_pages, "/robots.txt", "/healthz", "/no-such-page/"]:
        response = client.get(url)

        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url
        permissions = response["Permissions-Policy"].split(", ")
        for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
            assert f"{feature}=()" in permissions, url


def test_text_responses_name_their_charset(client, public_pages):
    for url in [*public_pages, "/robots.txt", "/sitemap.xml", "/no-such-page/"]:
        response = client.get(url)

        assert "charset=utf-8" in response["Content-Type"], url


def test_static_files_carry_corp_nosniff_and_the_policy(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = MANIFEST
    call_command("collectstatic", interactive=False, verbosity=0)

    # The client starts WhiteNoise on its first request, with these settings.
    response = client.get(static("css/site.css"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert policy(response)["default-src"] == ["'none'"]


@pytest.fixture
def upload_url(settings):
    """The address of a small PNG in the test's media folder."""
    folder = Path(settings.MEDIA_ROOT) / "headers-test"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return f"{django_settings.MEDIA_URL}headers-test/photo.png"


def test_uploaded_images_carry_corp_nosniff_and_the_policy(client, upload_url):
    response = client.get(upload_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert policy(response)["default-src"] == ["'none'"]
