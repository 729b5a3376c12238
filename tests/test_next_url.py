"""The one rule for `next` targets (config/next_url.py)."""

import pytest
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from config.next_url import MAX_LENGTH, is_safe_next_url
from tests.next_urls import (
    HOSTILE_NEXT_URLS,
    NEXT_VALUES,
    ODD_SITE_PATHS,
    assert_stays_on_site,
)


def _request(*, secure: bool):
    return RequestFactory().get("/somewhere/", secure=secure)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/profile/",
        "/products/?page=2&sort=price#top",
        "/products/caf\u00e9-chair/",
        "/search/?q=brass%20lamp",
        "/admin/login/?next=/admin/",
    ],
)
@pytest.mark.parametrize("secure", [False, True])
def test_paths_of_this_site_are_accepted(url, secure):
    assert is_safe_next_url(url, request=_request(secure=secure))


def test_an_absolute_url_needs_the_request_scheme_and_host():
    """https pages never send to http, http pages keep to http."""
    http, https = _request(secure=False), _request(secure=True)

    assert is_safe_next_url("https://testserver/products/", request=https)
    assert is_safe_next_url("https://testserver", request=https)
    assert is_safe_next_url("http://testserver/products/", request=http)
    assert not is_safe_next_url("http://testserver/products/", request=https)
    assert not is_safe_next_url("https://testserver/products/", request=http)
    assert not is_safe_next_url("https://testserver:8443/products/", request=https)
    assert not is_safe_next_url("https://testserver.evil.com/", request=https)


@pytest.mark.parametrize("url", HOSTILE_NEXT_URLS)
def test_hostile_values_are_refused_from_https(url):
    assert not is_safe_next_url(url, request=_request(secure=True))


@pytest.mark.parametrize(
    "url",
    [
        url
        for url in HOSTILE_NEXT_URLS
        # Over http a same-host http URL is a page of this site.
        if url != "http://testserver/products/"
    ],
)
def test_hostile_values_are_refused_from_http(url):
    assert not is_safe_next_url(url, request=_request(secure=False))


@pytest.mark.parametrize("url", ODD_SITE_PATHS)
def test_odd_paths_are_judged_without_error(url):
    """Stray percent signs and other scripts are only text in a path."""
    for secure in (False, True):
        if is_safe_next_url(url, request=_request(secure=secure)):
            assert_stays_on_site(url, secure=secure)


def test_a_percent_encoded_space_is_part_of_a_path_but_a_raw_one_is_not():
    request = _request(secure=False)

    assert is_safe_next_url("/search/?q=brass%20lamp", request=request)
    assert not is_safe_next_url("/search/?q=brass lamp", request=request)
    assert not is_safe_next_url("/search/?q=%0d%0a", request=request)


def test_url_names_are_never_accepted():
    """A bare word would be taken for a URL name by django's redirect()."""
    for name in ["account_logout", "accounts:profile", "admin:index", "home"]:
        assert not is_safe_next_url(name, request=_request(secure=False))


def test_a_path_longer_than_the_limit_is_refused():
    request = _request(secure=False)

    assert is_safe_next_url("/" + "x" * (MAX_LENGTH - 1), request=request)
    assert not is_safe_next_url("/" + "x" * MAX_LENGTH, request=request)


def test_without_a_request_only_paths_are_accepted():
    assert is_safe_next_url("/accounts/profile/", request=None)
    assert not is_safe_next_url("https://testserver/", request=None)
    assert not is_safe_next_url("//evil.com", request=None)


@pytest.mark.parametrize("value", [None, 42, b"/bytes/", ["/"], ""])
def test_values_that_are_not_text_are_refused(value):
    assert not is_safe_next_url(value, request=_request(secure=False))


@settings(max_examples=500, deadline=None)
@given(url=NEXT_VALUES, secure=st.booleans())
def test_whatever_is_accepted_stays_on_this_site(url, secure):
    """Any accepted value, read as a browser would, is a page of this site."""
    if is_safe_next_url(url, request=_request(secure=secure)):
        assert_stays_on_site(url, secure=secure)
