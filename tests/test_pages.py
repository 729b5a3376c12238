"""Site-wide pages: health, robots, favicon and the styled error pages."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path
from django.views.defaults import server_error


def _raise_permission_denied(request):
    raise PermissionDenied


def _raise_bad_request(request):
    raise SuspiciousOperation("tampered")


def _raise_error(request):
    raise RuntimeError("boom: secret detail")


urlpatterns = [
    path("forbidden/", _raise_permission_denied),
    path("bad/", _raise_bad_request),
    path("broken/", _raise_error),
]


@pytest.mark.django_db
def test_healthz_is_ok_when_database_and_cache_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_is_degraded_but_200_when_only_the_cache_is_down(client):
    """Pages are served without the cache, so the server stays in rotation."""
    with mock.patch("config.views.cache.set", side_effect=ConnectionError("down")):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "error"}


def test_robots_txt_is_plain_text_and_hides_admin(client, db):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in response.content.decode()


def test_favicon_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.ico")
    assert response["Location"].startswith("/static/")


@pytest.mark.django_db
def test_unknown_address_shows_the_styled_404(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert 'class="site-header"' in content


@pytest.mark.django_db
@pytest.mark.urls("tests.test_pages")
def test_forbidden_shows_the_styled_403(client):
    response = client.get("/forbidden/")

    assert response.status_code == 403
    assert "Access denied" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.test_pages")
def test_bad_request_shows_the_styled_400(client):
    response = client.get("/bad/")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls("tests.test_pages")
def test_server_error_shows_the_styled_500_without_details(client):
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    content = response.content.decode()
    assert "Something went wrong" in content
    assert "secret detail" not in content
    assert "Traceback" not in content


def test_500_page_renders_with_the_database_unavailable(rf):
    """No django_db mark: any query while rendering would raise here."""
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("database is down"),
    ):
        response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/categories/%00/", "/pages/%00/", "/products/a%00b/", "/%00"]
)
def test_a_nul_character_in_the_address_is_a_styled_400(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
