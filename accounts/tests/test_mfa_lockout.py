"""The code step of a two-factor sign-in is under the same lockout as the
password, and has a rate limit of its own (accounts.forms.SecondFactorForm).
"""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.tests.factories import (
    PASSWORD,
    make_totp,
    make_user,
    totp_code,
    wrong_totp_codes,
)

pytestmark = pytest.mark.django_db

EMAIL = "ada@example.com"
IP_A = "203.0.113.7"
IP_B = "198.51.100.9"


def _password(client, *, ip: str = IP_A, email: str = EMAIL, password=PASSWORD):
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=ip
    )


def _code(client, code: str, *, ip: str = IP_A):
    return client.post("/accounts/2fa/authenticate/", {"code": code}, REMOTE_ADDR=ip)


def _signed_in(client) -> bool:
    return SESSION_KEY in client.session


@pytest.fixture(autouse=True)
def _still_clock(travel):
    """Hold the clock still, so the code worked out here is the site's one."""
    with travel(timedelta(0)):
        yield


@pytest.fixture
def secret() -> str:
    return make_totp(make_user(email=EMAIL))


def test_the_right_code_after_four_wrong_ones_signs_in(client, secret):
    assert _password(client)["Location"] == "/accounts/2fa/authenticate/"
    for code in wrong_totp_codes(secret, 4):
        response = _code(client, code)
        assert response.status_code == 200
        assert "Incorrect code." in response.content.decode()

    _code(client, totp_code(secret))

    assert _signed_in(client)


def test_five_wrong_codes_lock_the_sign_in_with_the_429_page(client, secret):
    _password(client)
    for code in wrong_totp_codes(secret, 4):
        assert _code(client, code).status_code == 200

    response = _code(client, wrong_totp_codes(secret, 5)[-1])

    assert response.status_code == 429
    assert "<h1>Too many attempts</h1>" in response.content.decode()
    attempt = AccessAttempt.objects.get(username=EMAIL, ip_address=IP_A)
    assert attempt.failures_since_start == 5
    assert attempt.path_info == "/accounts/2fa/authenticate/"
    assert not _signed_in(client)


def test_after_the_lock_the_visitor_starts_over_and_the_password_is_refused(
    client, secret
):
    _password(client)
    for code in wrong_totp_codes(secret, 5):
        _code(client, code)

    # A sixth try, even with the right code, finds no sign-in waiting...
    response = _code(client, totp_code(secret))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not _signed_in(client)
    # ...and starting again is refused at the password.
    assert _password(client).status_code == 429


def test_the_right_code_is_refused_until_the_cool_off_ends(client, secret, travel):
    _password(client)
    for code in wrong_totp_codes(secret, 5):
        _code(client, code)

    with travel(timedelta(minutes=14)):
        assert _password(client).status_code == 429
    # That attempt during the lockout started the 15 minutes again.
    with travel(timedelta(minutes=14 + 16)):
        assert _password(client)["Location"] == "/accounts/2fa/authenticate/"
        _code(client, totp_code(secret))

    assert _signed_in(client)


def test_a_locked_client_is_refused_at_the_code_step_before_the_code_counts(
    client, secret
):
    _password(client)
    # Meanwhile, from the same address, someone spends the five failures on
    # the password.
    other = Client()
    for _ in range(5):
        _password(other, password="wrong-password")

    response = _code(client, totp_code(secret))

    assert response.status_code == 429
    assert not _signed_in(client)
    assert client.get("/accounts/2fa/authenticate/")["Location"] == "/accounts/login/"
    # The refused code was not counted as a sixth failure.
    attempt = AccessAttempt.objects.get(username=EMAIL, ip_address=IP_A)
    assert attempt.failures_since_start == 5


def test_wrong_passwords_and_wrong_codes_add_up_to_one_lockout(client, secret):
    for _ in range(3):
        _password(client, password="wrong-password")
    _password(client)
    codes = wrong_totp_codes(secret, 2)
    assert _code(client, codes[0]).status_code == 200

    assert _code(client, codes[1]).status_code == 429


def test_starting_over_with_the_right_password_does_not_forgive_wrong_codes(
    client, secret
):
    _password(client)
    codes = wrong_totp_codes(secret, 5)
    for code in codes[:4]:
        _code(client, code)

    # A new session, as a guesser would start over.
    again = Client()
    assert _password(again)["Location"] == "/accounts/2fa/authenticate/"

    assert _code(again, codes[4]).status_code == 429


def test_wrong_recovery_codes_count_as_failed_sign_ins(client, secret):
    _password(client)
    for code in ["12345678", "87654321", "11112222", "33334444"]:
        assert _code(client, code).status_code == 200

    assert _code(client, "55556666").status_code == 429


def test_a_right_recovery_code_signs_in(client):
    user = make_user()
    make_totp(user)
    authenticator = Authenticator.objects.get(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    )
    recovery_code = RecoveryCodes(authenticator).get_unused_codes()[0]
    _password(client, email=user.email)

    _code(client, recovery_code)

    assert _signed_in(client)


@pytest.mark.parametrize("via_proxy", [False, True], ids=["direct", "via-proxy"])
def test_a_lock_on_one_address_leaves_the_account_open_from_another(
    secret, settings, via_proxy
):
    # Behind one trusted proxy both clients connect from the proxy's address
    # and differ only in the address the proxy appends.
    settings.TRUSTED_PROXY_COUNT = 1 if via_proxy else 0

    def meta(ip: str) -> dict[str, str]:
        if via_proxy:
            return {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": ip}
        return {"REMOTE_ADDR": ip}

    def sign_in(client, ip: str, code: str):
        client.post(
            "/accounts/login/", {"login": EMAIL, "password": PASSWORD}, **meta(ip)
        )
        return client.post("/accounts/2fa/authenticate/", {"code": code}, **meta(ip))

    attacker, owner = Client(), Client()
    for code in wrong_totp_codes(secret, 5):
        response = sign_in(attacker, IP_A, code)
    assert response.status_code == 429

    sign_in(owner, IP_B, totp_code(secret))

    assert _signed_in(owner)


def test_the_code_step_limit_holds_back_guesses_from_many_addresses(secret, travel):
    """Ten wrong codes per account in 15 minutes, from all addresses together.

    Only someone who knows the password reaches the code step, so only they
    can use up an account's allowance; the owner waits out the 15 minutes.
    """
    codes = iter(wrong_totp_codes(secret, 10))
    for ip, tries in [("192.0.2.1", 4), ("192.0.2.2", 4), ("192.0.2.3", 2)]:
        guesser = Client()
        _password(guesser, ip=ip)
        for _ in range(tries):
            assert _code(guesser, next(codes), ip=ip).status_code == 200

    owner = Client()
    _password(owner, ip=IP_B)
    response = _code(owner, totp_code(secret), ip=IP_B)

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not _signed_in(owner)
    with travel(timedelta(minutes=15)):
        _password(owner, ip=IP_B)
        _code(owner, totp_code(secret), ip=IP_B)
    assert _signed_in(owner)


def test_the_code_step_limit_holds_back_one_address_trying_many_accounts():
    """Ten codes a minute per address, whichever accounts they are for."""
    users = [make_user() for _ in range(3)]
    secrets = [make_totp(user) for user in users]
    for user, secret, tries in zip(users, secrets, [4, 4, 2], strict=True):
        client = Client()
        _password(client, email=user.email)
        for code in wrong_totp_codes(secret, tries):
            assert _code(client, code).status_code == 200

    response = _code(client, totp_code(secrets[2]))

    assert "Too many failed login attempts" in response.content.decode()
    assert not _signed_in(client)


def test_the_failure_record_does_not_keep_the_code(client, secret):
    _password(client)
    wrong = wrong_totp_codes(secret, 1)[0]

    _code(client, wrong)

    attempt = AccessAttempt.objects.get(username=EMAIL, ip_address=IP_A)
    assert "code=" in attempt.post_data
    assert wrong not in attempt.post_data
