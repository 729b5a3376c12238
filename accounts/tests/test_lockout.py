"""Brute-force lockout: django-axes as configured in config/settings.py."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY

from accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _attempt(client, password: str, ip: str = "203.0.113.7", email="ada@example.com"):
    return client.post(
        "/accounts/login/",
        {"login": email, "password": password},
        REMOTE_ADDR=ip,
    )


@pytest.fixture
def user():
    return make_user(email="ada@example.com")


def test_four_failures_still_allow_the_right_password(client, user):
    for _ in range(4):
        assert _attempt(client, "wrong-password").status_code == 200

    _attempt(client, PASSWORD)

    assert SESSION_KEY in client.session


def test_five_failures_lock_the_account_and_address_pair_with_a_429(client, user):
    for _ in range(5):
        _attempt(client, "wrong-password")

    response = _attempt(client, PASSWORD)

    assert response.status_code == 429
    assert SESSION_KEY not in client.session


def test_the_429_page_is_in_the_site_layout(client, user):
    for _ in range(5):
        _attempt(client, "wrong-password")

    response = _attempt(client, PASSWORD)

    page = response.content.decode()
    assert response.status_code == 429
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page
    assert "<h1>Too many attempts</h1>" in page
    assert "paused for 15 minutes" in page


def test_lockout_does_not_spread_to_other_addresses_or_accounts(client, user):
    make_user(email="bob@example.com")
    for _ in range(5):
        _attempt(client, "wrong-password")

    _attempt(client, PASSWORD, email="bob@example.com")
    assert SESSION_KEY in client.session
    client.post("/accounts/logout/")

    _attempt(client, PASSWORD, ip="198.51.100.9")
    assert SESSION_KEY in client.session


def test_lockout_counts_the_address_in_any_case(client, user):
    for email in ["ADA@example.com", "ada@EXAMPLE.com"] * 2 + ["Ada@Example.com"]:
        _attempt(client, "wrong-password", email=email)

    assert _attempt(client, PASSWORD).status_code == 429


def test_lockout_ends_after_fifteen_minutes(client, user, travel):
    for _ in range(5):
        _attempt(client, "wrong-password")

    with travel(timedelta(minutes=14)):
        assert _attempt(client, PASSWORD).status_code == 429
    # That attempt during the lockout started the 15 minutes again.
    with travel(timedelta(minutes=14 + 16)):
        _attempt(client, PASSWORD)

    assert SESSION_KEY in client.session


def test_lockout_uses_the_client_behind_the_trusted_proxy(client, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"login": "ada@example.com", "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )

    # Another client behind the same proxy is not locked out...
    client.post(
        "/accounts/login/",
        {"login": "ada@example.com", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.9",
    )
    assert SESSION_KEY in client.session
    client.post("/accounts/logout/")

    # ...and the locked one cannot escape by forging an address in front.
    response = client.post(
        "/accounts/login/",
        {"login": "ada@example.com", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7",
    )
    assert response.status_code == 429


def test_admin_sign_in_goes_through_the_same_lockout(client):
    make_user(email="boss@example.com", is_staff=True, is_superuser=True)
    for _ in range(5):
        _attempt(client, "wrong-password", email="boss@example.com")

    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"
    assert _attempt(client, PASSWORD, email="boss@example.com").status_code == 429


def test_the_admin_login_form_cannot_be_posted_to_directly(client):
    make_user(email="boss@example.com", is_staff=True, is_superuser=True)

    response = client.post(
        "/admin/login/", {"username": "boss@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session


def test_lockout_logs_name_neither_the_address_nor_the_ip(client, user, caplog):
    for _ in range(5):
        _attempt(client, "wrong-password")

    assert "AXES" in caplog.text
    assert "ada@example.com" not in caplog.text
    assert "203.0.113.7" not in caplog.text
