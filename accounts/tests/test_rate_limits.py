"""One client's failures never shut another client out (ACCOUNT_RATE_LIMITS
and the axes lockout, as configured in config/settings.py).
"""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
IP_A = "203.0.113.7"
IP_B = "198.51.100.9"


def _meta(ip: str, *, via_proxy: bool) -> dict[str, str]:
    # Behind the proxy both clients connect from the proxy's address and
    # differ only in the address the proxy appends to X-Forwarded-For.
    if via_proxy:
        return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": ip}
    return {"REMOTE_ADDR": ip}


def _sign_in(client, email: str, password: str, meta: dict[str, str]):
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, **meta
    )


def _attack(meta: dict[str, str], target: str, others: list[str]) -> Client:
    """Six wrong passwords on `target`, then 32 spread over `others`."""
    attacker = Client()
    for _ in range(6):
        _sign_in(attacker, target, "wrong-password", meta)
    for number in range(32):
        _sign_in(attacker, others[number % len(others)], "wrong-password", meta)
    return attacker


@pytest.mark.parametrize("via_proxy", [False, True], ids=["direct", "via-proxy"])
def test_one_clients_failures_never_refuse_another_client(settings, via_proxy):
    settings.TRUSTED_PROXY_COUNT = 1 if via_proxy else 0
    target = make_user().email
    others = [make_user().email for _ in range(8)]

    attacker = _attack(_meta(IP_A, via_proxy=via_proxy), target, others)

    # The attacker is refused: by the lockout on the account it hammered,
    # and by the per-address sign-in limit on every other one...
    meta_a = _meta(IP_A, via_proxy=via_proxy)
    assert _sign_in(attacker, target, PASSWORD, meta_a).status_code == 429
    assert _sign_in(attacker, others[0], PASSWORD, meta_a).status_code == 429
    assert SESSION_KEY not in attacker.session
    # ...while another client signs in to every one of those accounts.
    owner = Client()
    for email in [target, *others]:
        _sign_in(owner, email, PASSWORD, _meta(IP_B, via_proxy=via_proxy))
        assert SESSION_KEY in owner.session, email
        owner.post("/accounts/logout/", **_meta(IP_B, via_proxy=via_proxy))


def test_behind_a_proxy_that_is_not_trusted_every_client_is_one(settings):
    """What accounts.W001 warns about: clients share the proxy's address."""
    settings.TRUSTED_PROXY_COUNT = 0
    target = make_user().email
    others = [make_user().email for _ in range(8)]

    _attack(_meta(IP_A, via_proxy=True), target, others)

    owner = Client()
    response = _sign_in(owner, target, PASSWORD, _meta(IP_B, via_proxy=True))
    assert response.status_code == 429


def _reset(client, email: str, ip: str):
    return client.post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=ip)


def test_reset_emails_to_one_address_pause_for_a_minute_after_five(travel):
    """The one per-address limit another client meets, and only briefly.

    It keeps a mailbox from being flooded with reset emails: after five in a
    minute, from anywhere, the next waits until the minute is over.
    """
    email = make_user().email
    with travel(timedelta(0)):
        flooder, owner = Client(), Client()
        for _ in range(5):
            assert _reset(flooder, email, IP_A).status_code == 302

        assert _reset(owner, email, IP_B).status_code == 429
        assert _reset(owner, make_user().email, IP_B).status_code == 302
    with travel(timedelta(minutes=1)):
        assert _reset(owner, email, IP_B).status_code == 302
