"""The allauth flows as Showroom configures them (config/settings.py).

These pages are allauth's; the tests pin down the behaviour the settings ask
for: verified sign-up, sign-in by email, sign-out by POST, password reset,
password change and email change.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core import mail

from accounts.models import SignInEvent, User
from accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s]+/accounts/(?:confirm-email|password/reset/key)/\S+/")


def _link_in_last_email() -> str:
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return urlsplit(match.group(0)).path


def _sign_up(client, email: str = "new@example.com"):
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def _sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post(
        "/accounts/login/", {"login": email, "password": password, **extra}
    )


def test_sign_up_sends_a_verification_link_and_does_not_sign_in(client):
    response = _sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert SESSION_KEY not in client.session
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_sign_up_rejects_a_short_or_common_password(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": "password", "password2": "password"},
    )

    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert "too common" in response.content.decode()
    assert not User.objects.exists()


def test_unverified_account_cannot_sign_in_until_the_link_is_opened(client):
    _sign_up(client)
    link = _link_in_last_email()

    response = _sign_in(client, "new@example.com")
    assert SESSION_KEY not in client.session
    assert response["Location"] == "/accounts/confirm-email/"

    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified

    _sign_in(client, "new@example.com")
    assert SESSION_KEY in client.session


def test_verification_link_expires_after_the_configured_days(client, settings, travel):
    _sign_up(client)
    link = _link_in_last_email()

    with travel(timedelta(days=settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS + 1)):
        page = client.get(link)
        client.post(link)

    assert "expired or is invalid" in page.content.decode()
    assert not EmailAddress.objects.get(email="new@example.com").verified


def test_verification_link_still_works_before_it_expires(client, settings, travel):
    _sign_up(client)
    link = _link_in_last_email()

    with travel(timedelta(days=settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS - 1)):
        client.post(link)

    assert EmailAddress.objects.get(email="new@example.com").verified


def test_sign_in_gives_a_new_session_key_and_records_the_sign_in(client):
    user = make_user(email="ada@example.com")
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key

    _sign_in(client, "ada@example.com", HTTP_USER_AGENT="TestBrowser/1.0")

    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session.session_key != before
    event = SignInEvent.objects.get(user=user)
    assert event.ip_address == "127.0.0.1"


def test_sign_in_matches_the_address_in_any_case(client):
    make_user(email="ada@example.com")

    _sign_in(client, "ADA@Example.COM")

    assert SESSION_KEY in client.session


def test_without_remember_me_the_session_ends_with_the_browser(client):
    make_user(email="ada@example.com")

    _sign_in(client, "ada@example.com")

    assert client.session.get_expire_at_browser_close()


def test_remember_me_keeps_the_session_for_the_cookie_age(client, settings):
    make_user(email="ada@example.com")

    _sign_in(client, "ada@example.com", remember="on")

    assert not client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_session_cookie_is_http_only_and_same_site_lax(client):
    make_user(email="ada@example.com")

    response = _sign_in(client, "ada@example.com")

    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_sign_out_needs_a_post(client):
    user = make_user()
    client.force_login(user)

    client.get("/accounts/logout/")
    assert SESSION_KEY in client.session

    client.post("/accounts/logout/")
    assert SESSION_KEY not in client.session


def test_password_reset_answers_the_same_for_unknown_addresses(client):
    make_user(email="known@example.com")

    known = client.post(
        "/accounts/password/reset/", {"email": "known@example.com"}, follow=True
    )
    unknown = client.post(
        "/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True
    )

    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.content == unknown.content
    # Only the real account gets a link that can set a password.
    reset_links = [m.to for m in mail.outbox if "/password/reset/key/" in m.body]
    assert reset_links == [["known@example.com"]]


def test_password_reset_link_sets_a_new_password(client):
    user = make_user(email="known@example.com")
    client.post("/accounts/password/reset/", {"email": "known@example.com"})
    link = _link_in_last_email()

    form_page = client.get(link)  # allauth moves the key into the session
    client.post(
        form_page["Location"],
        {
            "password1": "another-long-passphrase",
            "password2": "another-long-passphrase",
        },
    )

    user.refresh_from_db()
    assert user.check_password("another-long-passphrase")


def test_password_change_needs_the_old_password(client):
    user = make_user(email="ada@example.com")
    _sign_in(client, "ada@example.com")

    client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "another-long-passphrase",
            "password2": "another-long-passphrase",
        },
    )

    user.refresh_from_db()
    assert user.check_password("another-long-passphrase")


def test_email_change_takes_effect_only_after_the_new_address_is_verified(client):
    user = make_user(email="old@example.com")
    _sign_in(client, "old@example.com")

    client.post("/accounts/email/", {"action_add": "", "email": "new@example.com"})

    user.refresh_from_db()
    assert user.email == "old@example.com"
    assert mail.outbox[-1].to == ["new@example.com"]

    client.post(_link_in_last_email())

    user.refresh_from_db()
    assert user.email == "new@example.com"
    assert list(
        EmailAddress.objects.filter(user=user).values_list("email", flat=True)
    ) == ["new@example.com"]


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"],
)
def test_allauth_pages_use_the_site_layout(client, path):
    page = client.get(path).content.decode()

    assert page.startswith("<!doctype html>")
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page
    assert '<a class="skip-link" href="#main">' in page
    assert '<form class="stack-form"' in page


def test_account_pages_use_the_site_layout_with_the_account_menu(client):
    client.force_login(make_user())

    for path in ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"]:
        page = client.get(path).content.decode()
        assert '<link rel="stylesheet" href="/static/css/site.css">' in page, path
        assert '<nav class="account-nav" aria-label="Account">' in page, path


def test_header_offers_sign_in_and_sign_up_or_account_and_sign_out(client):
    page = client.get("/").content.decode()
    assert 'href="/accounts/login/">Sign in</a>' in page
    assert 'href="/accounts/signup/">Sign up</a>' in page

    client.force_login(make_user())
    page = client.get("/").content.decode()
    assert 'href="/accounts/profile/">Account</a>' in page
    assert 'method="post" action="/accounts/logout/"' in page
