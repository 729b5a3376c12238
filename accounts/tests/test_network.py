"""The client address behind the trusted proxies."""

import pytest
from django.test import RequestFactory

from accounts.network import client_ip, login_username


def _request(xff: str | None = None, remote: str = "10.0.0.1"):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request("203.0.113.7")) == "10.0.0.1"


@pytest.mark.parametrize(
    ("count", "xff", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
    ],
)
def test_the_client_is_the_nth_address_from_the_right(settings, count, xff, expected):
    settings.TRUSTED_PROXY_COUNT = count

    assert client_ip(_request(xff)) == expected


def test_a_header_shorter_than_the_proxy_chain_is_not_believed(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(_request("203.0.113.7")) == "10.0.0.1"
    assert client_ip(_request()) == "10.0.0.1"


def test_login_username_is_one_spelling_of_the_address():
    request = RequestFactory().post("/")

    assert login_username(request, {"email": " Ada@Example.COM "}) == "ada@example.com"
    assert login_username(request, {"username": "Bob@x.org"}) == "bob@x.org"
    assert login_username(request, {}) is None
