"""Error pages name the request's id, which the response and the log share."""

import io
import logging
import re
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from accounts.tests.factories import make_user
from config.errors import server_error
from config.urls import handler429, handler500
from config.urls import urlpatterns as site_urlpatterns

__all__ = ["handler429", "handler500"]


def _raise_permission_denied(request):
    raise PermissionDenied("internal reason: is_staff is False")


def _query_a_missing_table(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_column FROM table_that_is_not_there")
    return HttpResponse("unreachable")


def _log_a_line(request):
    logging.getLogger("showroom.test").warning("made while answering")
    return HttpResponse("logged")


# The site's own URLs and handlers, plus views that fail on purpose.
urlpatterns = [
    path("test/forbidden/", _raise_permission_denied),
    path("test/broken/", _query_a_missing_table),
    path("test/log/", _log_a_line),
    *site_urlpatterns,
]

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_lines():
    """The lines the site's stdout log handler writes, as production has them."""
    handler = next(
        h for h in logging.getLogger("django").handlers if h.name == "stdout"
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: stream.getvalue().splitlines()
    handler.setStream(previous)


def _page_id(response) -> str:
    match = re.search(r"quote the reference <code>([^<]+)</code>", response.text)
    assert match, "the page shows no request id"
    return match.group(1)


def _assert_id_everywhere(response, lines: list[str], logged: str) -> None:
    """The page's id is the X-Request-ID header and is on each line logged."""
    request_id = response["X-Request-ID"]
    assert _page_id(response) == request_id
    matching = [line for line in lines if logged in line]
    assert matching, f"no log line with {logged!r} in {lines}"
    assert all(f"request_id={request_id} " in line for line in matching)


@pytest.mark.django_db
def test_the_400_page_shows_the_id_of_its_log_line(client, log_lines):
    response = client.get("/products/a%00b/")

    assert response.status_code == 400
    assert "Bad request" in response.text
    _assert_id_everywhere(
        response, log_lines(), "NUL character in the requested address"
    )


@pytest.mark.django_db
@pytest.mark.urls("tests.test_errors")
def test_the_403_page_shows_the_id_of_its_log_line(client, log_lines):
    response = client.get("/test/forbidden/")

    assert response.status_code == 403
    assert "You do not have permission" in response.text
    assert "internal reason" not in response.text
    _assert_id_everywhere(response, log_lines(), "Forbidden (Permission denied)")


@pytest.mark.django_db
def test_the_404_page_shows_the_id_of_its_log_line(client, log_lines):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.text
    _assert_id_everywhere(response, log_lines(), "Not Found: /no/such/page/")


@pytest.mark.django_db
def test_a_405_is_the_styled_page_with_the_id_and_the_allow_header(client, log_lines):
    response = client.post("/robots.txt")

    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Method not allowed</h1>" in response.text
    assert "does not accept a POST request" in response.text
    assert 'class="site-header"' in response.text
    _assert_id_everywhere(
        response, log_lines(), "Method Not Allowed (POST): /robots.txt"
    )


@pytest.mark.django_db
def test_following_a_link_to_a_form_address_shows_the_405_page(client):
    """A GET where only a form's POST belongs, as from a bookmarked address."""
    client.force_login(make_user(email="ada@example.com"))

    response = client.get("/accounts/saved/brass-lamp/add/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "does not accept a GET request" in response.text
    assert _page_id(response) == response["X-Request-ID"]


@pytest.mark.django_db
def test_a_405_is_logged_once(client, log_lines):
    client.post("/healthz")

    assert len([line for line in log_lines() if "Method Not Allowed" in line]) == 1


@pytest.mark.django_db
def test_the_429_page_shows_the_id_of_its_log_line(client, log_lines):
    make_user(email="ada@example.com")
    for _ in range(5):
        client.post("/accounts/login/", {"login": "ada@example.com", "password": "no"})
    earlier = len(log_lines())

    response = client.post(
        "/accounts/login/", {"login": "ada@example.com", "password": "no"}
    )

    assert response.status_code == 429
    logged = log_lines()[earlier:]
    _assert_id_everywhere(response, logged, "Too Many Requests: /accounts/login/")


@pytest.mark.django_db
@pytest.mark.urls("tests.test_errors")
def test_the_500_page_shows_the_id_of_its_log_line_and_nothing_internal(log_lines):
    client = Client(raise_request_exception=False)

    response = client.get("/test/broken/")

    assert response.status_code == 500
    assert "Something went wrong" in response.text
    _assert_id_everywhere(response, log_lines(), "Internal Server Error: /test/broken/")
    for internal in (
        "Traceback",
        "secret_column",
        "table_that_is_not_there",
        "SELECT",
        "OperationalError",
        "ProgrammingError",
        settings.SECRET_KEY,
        "DATABASES",
        "SECRET_KEY",
    ):
        assert internal not in response.text
    # The log keeps what the page hides, on the same single line as the id.
    error_line = next(line for line in log_lines() if "Internal Server Error" in line)
    assert "table_that_is_not_there" in error_line


def test_the_500_page_needs_neither_database_nor_cache(rf):
    """No django_db mark: any query while rendering would fail the test too."""
    request = rf.get("/")
    request.request_id = "0123456789abcdef0123456789abcdef"
    with (
        mock.patch(
            "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
            side_effect=OperationalError("database is down"),
        ),
        mock.patch.object(cache, "get", side_effect=ConnectionError("cache down")),
        mock.patch.object(cache, "set", side_effect=ConnectionError("cache down")),
    ):
        response = server_error(request)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "0123456789abcdef0123456789abcdef" in response.content.decode()


@pytest.mark.django_db
def test_a_csrf_failure_explains_what_to_do_and_shows_the_id(log_lines):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/accounts/login/", {"login": "a@example.com"})

    assert response.status_code == 403
    assert "security check failed" in response.text
    assert "reload the page" in response.text
    assert "CSRF" not in response.text
    _assert_id_everywhere(response, log_lines(), "Forbidden (CSRF cookie not set.)")


@pytest.mark.django_db
@pytest.mark.urls("tests.test_errors")
def test_a_log_line_made_by_a_view_carries_the_request_id(client, log_lines):
    response = client.get("/test/log/")

    line = next(line for line in log_lines() if "made while answering" in line)
    assert f"request_id={response['X-Request-ID']} " in line


def test_a_log_line_made_outside_a_request_has_a_dash_for_its_id(log_lines):
    logging.getLogger("showroom.test").warning("made by a command")

    line = next(line for line in log_lines() if "made by a command" in line)
    assert "request_id=- " in line


@pytest.mark.django_db
def test_each_request_gets_its_own_random_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert HEX_ID.fullmatch(first)
    assert HEX_ID.fullmatch(second)
    assert first != second


@pytest.mark.django_db
def test_a_cached_page_gets_a_new_id_each_time(client):
    """The sitemap is cached whole; its id must not be cached with it."""
    first = client.get("/sitemap.xml")
    second = client.get("/sitemap.xml")

    assert first.content == second.content
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_an_id_sent_by_the_client_is_ignored_by_default(client):
    response = client.get("/healthz", headers={"X-Request-ID": "a" * 32})

    assert response["X-Request-ID"] != "a" * 32
    assert HEX_ID.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sent",
    ["0af7651916cd43dd8448eb211c80319c", "7c9e6679-7425-40de-944b-e07fc1f90ae7"],
)
def test_a_trusted_proxy_id_is_kept_on_the_page_and_the_log(
    client, settings, log_lines, sent
):
    settings.REQUEST_ID_FROM_PROXY = True

    response = client.get("/no/such/page/", headers={"X-Request-ID": sent})

    assert response["X-Request-ID"] == sent
    _assert_id_everywhere(response, log_lines(), "Not Found: /no/such/page/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sent",
    [
        "short",
        "a" * 65,
        "0af7651916cd43dd 8448eb211c80319c",
        "<script>alert(1)</script>aaaaaaaa",
        "0af7651916cd43dd8448eb211c80319c\nrequest_id=forged",
        "",
    ],
)
def test_a_malformed_proxy_id_is_replaced_by_a_random_one(client, settings, sent):
    settings.REQUEST_ID_FROM_PROXY = True

    response = client.get("/healthz", headers={"X-Request-ID": sent})

    assert HEX_ID.fullmatch(response["X-Request-ID"])
