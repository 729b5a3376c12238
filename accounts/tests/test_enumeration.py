"""Sign-up does not tell whether an address already has an account.

With ACCOUNT_PREVENT_ENUMERATION allauth answers both cases with the same
page and mails the owner of an existing address instead of creating a second
account. These tests hold that the requester can tell the two apart neither
from the answer nor from how long it takes.
"""

import itertools
import re
import statistics
import time

import pytest
from django.conf import global_settings
from django.core import mail
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-passphrase-17"

_addresses = itertools.count(1)


def _sign_up(client: Client, email: str, **extra):
    return client.post(
        "/accounts/signup/",
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        **extra,
    )


def _as_seen_by_requester(client: Client, email: str) -> dict:
    """Everything the person who submitted the form gets to see."""
    response = _sign_up(client, email)
    followed = client.get(response["Location"])
    page = followed.content.decode().replace(email, "ADDRESS")
    # The CSRF token differs on every page; it says nothing about the address.
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return {
        "status": response.status_code,
        "location": response["Location"],
        # Mail templates render too, but only the mailbox's owner sees those.
        "templates": [t.name for t in response.templates if "/email/" not in t.name],
        "cookies": sorted(response.cookies),
        "followed_status": followed.status_code,
        "followed_templates": [t.name for t in followed.templates],
        "page": page,
    }


def test_sign_up_answers_alike_for_a_new_and_an_existing_address():
    """Status, redirect, templates and the page after it are the same."""
    make_user(email="taken@example.com")

    existing = _as_seen_by_requester(Client(), "taken@example.com")
    new = _as_seen_by_requester(Client(), "fresh@example.com")

    assert new == existing
    assert existing["location"] == "/accounts/confirm-email/"


def test_each_sign_up_sends_one_mail_to_the_address_given():
    """The owner hears of the attempt; the requester sees the same either way.

    The texts differ (a confirmation link, or "you already have an account"),
    but only the mailbox's owner reads them.
    """
    owner = make_user(email="taken@example.com")

    _sign_up(Client(), "taken@example.com")
    _sign_up(Client(), "fresh@example.com")

    assert [message.to for message in mail.outbox] == [
        ["taken@example.com"],
        ["fresh@example.com"],
    ]
    assert mail.outbox[0].from_email == mail.outbox[1].from_email
    assert "already" in mail.outbox[0].body
    assert "/accounts/confirm-email/" in mail.outbox[1].body
    # No second account, and the owner's password is left alone.
    assert User.objects.filter(email="taken@example.com").count() == 1
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


@pytest.mark.slow
def test_sign_up_takes_as_long_for_an_existing_address_as_for_a_new_one(settings):
    """Median times of 20 sign-ups of each kind differ by less than 20%.

    The production hasher is used, since hashing the new password is what
    made a new address slow. The two kinds alternate, and medians keep one
    slow outlier from deciding. Each request comes from its own address so
    allauth's per-address sign-up limit does not refuse the later ones.
    """
    existing_users = [make_user() for _ in range(21)]
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    client_numbers = itertools.count(1)

    def timed_sign_up(email: str) -> float:
        number = next(client_numbers)
        client_ip = f"10.0.{number // 250}.{number % 250 + 1}"
        started = time.perf_counter()
        response = _sign_up(Client(), email, REMOTE_ADDR=client_ip)
        elapsed = time.perf_counter() - started
        assert response.status_code == 302, response.content
        return elapsed

    # The first request of each kind compiles templates and fills caches.
    timed_sign_up(existing_users[0].email)
    timed_sign_up(f"warm-up{next(_addresses)}@example.com")

    new_times, existing_times = [], []
    for index, user in enumerate(existing_users[1:]):
        new_email = f"new{next(_addresses)}@example.com"
        if index % 2:
            existing_times.append(timed_sign_up(user.email))
            new_times.append(timed_sign_up(new_email))
        else:
            new_times.append(timed_sign_up(new_email))
            existing_times.append(timed_sign_up(user.email))

    new_median = statistics.median(new_times)
    existing_median = statistics.median(existing_times)
    print(
        f"sign-up medians over 20 each: new address {new_median * 1000:.0f} ms, "
        f"existing address {existing_median * 1000:.0f} ms"
    )
    difference = abs(new_median - existing_median) / max(new_median, existing_median)
    assert difference < 0.20, (new_median, existing_median)
