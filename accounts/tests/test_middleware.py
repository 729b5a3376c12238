"""Staff must enrol two-factor before the admin opens for them."""

from datetime import timedelta

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth import SESSION_KEY

from accounts.tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _current_code(secret: str) -> str:
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def _sign_in(client, email: str):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def _enrol_totp(client) -> None:
    # allauth asks for the password again before two-factor settings change.
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    client.post("/accounts/2fa/totp/activate/", {"code": _current_code(secret)})


@pytest.fixture
def staff(settings):
    settings.STAFF_MFA_REQUIRED = True
    return make_user(email="boss@example.com", is_staff=True, is_superuser=True)


def test_staff_without_two_factor_are_sent_to_enrol(client, staff):
    client.force_login(staff)

    response = client.get("/admin/catalog/product/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_may_use_the_admin_without_two_factor_when_not_required(
    client, staff, settings
):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200


def test_visitors_pages_do_not_ask_staff_for_two_factor(client, staff):
    client.force_login(staff)

    assert client.get("/accounts/profile/").status_code == 200


def test_enrolling_totp_gives_recovery_codes_and_opens_the_admin(client, staff):
    _sign_in(client, "boss@example.com")

    _enrol_totp(client)

    types = set(Authenticator.objects.filter(user=staff).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert client.get("/admin/").status_code == 200


def test_after_enrolling_the_sign_in_asks_for_the_code(client, staff, travel):
    _sign_in(client, "boss@example.com")
    _enrol_totp(client)
    client.post("/accounts/logout/")

    response = _sign_in(client, "boss@example.com")

    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302

    totp = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    secret = get_adapter().decrypt(totp.data["secret"])
    # The enrolment used this period's code; codes are good once.
    with travel(timedelta(seconds=30)):
        client.post("/accounts/2fa/authenticate/", {"code": _current_code(secret)})
        assert client.get("/admin/").status_code == 200
