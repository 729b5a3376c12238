"""The 429 page says how long to wait, in its text and in Retry-After."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import AnonymousUser
from django.db.models import F

from accounts.tests.factories import PASSWORD, make_user
from config.ratelimits import rate_limited

pytestmark = pytest.mark.django_db

# Only the limits a test sets, so that none of the site's longer ones counts.
NO_OTHER_LIMITS = {
    "login_failed": None,
    "confirm_email": None,
    "mfa_authenticate": None,
}


def _sign_in(client, password: str):
    return client.post(
        "/accounts/login/", {"login": "ada@example.com", "password": password}
    )


@pytest.fixture
def locked_out(client):
    make_user(email="ada@example.com")
    for _ in range(4):
        assert _sign_in(client, "wrong-password").status_code == 200
    response = _sign_in(client, "wrong-password")
    assert response.status_code == 429
    return response


def test_a_lockout_says_to_retry_after_the_whole_cool_off(locked_out):
    assert locked_out["Retry-After"] == "900"
    assert "paused for 15 minutes" in locked_out.text


def test_a_refused_right_password_restarts_the_cool_off(client, locked_out):
    """Axes counts a sign-in during the lock as a failure, from that moment."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=5))

    response = _sign_in(client, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"


def test_retry_after_counts_down_when_refusals_do_not_restart_the_lock(
    client, settings, locked_out
):
    settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=5))

    response = _sign_in(client, PASSWORD)

    assert response.status_code == 429
    # Ten minutes are left; a slow machine may have used a few seconds.
    assert 590 <= int(response["Retry-After"]) <= 600
    assert "paused for 10 minutes" in response.text


def test_a_lock_without_a_cool_off_gives_no_time_to_wait(client, settings):
    """Such a lock lasts until staff lift it."""
    settings.AXES_COOLOFF_TIME = None
    make_user(email="ada@example.com")
    for _ in range(5):
        response = _sign_in(client, "wrong-password")

    assert response.status_code == 429
    assert "Retry-After" not in response
    assert "signing in is paused." in response.text


def test_an_address_limit_says_when_its_oldest_hit_expires(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**NO_OTHER_LIMITS, "signup": "2/m/ip"}
    for number in range(2):
        client.post("/accounts/signup/", {"email": f"new{number}@example.com"})

    response = client.post("/accounts/signup/", {"email": "new3@example.com"})

    assert response.status_code == 429
    assert 50 <= int(response["Retry-After"]) <= 60
    assert "Please wait 1 minute and try again." in response.text
    assert "quote the reference" in response.text


def test_a_limit_per_email_address_says_when_that_address_may_ask_again(client):
    """The site's own limits: 5 reset emails a minute for one address."""
    for _ in range(5):
        client.post("/accounts/password/reset/", {"email": "ada@example.com"})

    response = client.post("/accounts/password/reset/", {"email": "ada@example.com"})

    assert response.status_code == 429
    assert 50 <= int(response["Retry-After"]) <= 60
    assert "Please wait 1 minute and try again." in response.text


def test_a_limit_that_cannot_be_read_back_says_the_longest_window(rf, settings):
    """With no exhausted limit in sight, waiting the longest window is safe."""
    settings.ACCOUNT_RATE_LIMITS = {**NO_OTHER_LIMITS, "reset_password": "1/2m/key"}
    request = rf.post("/accounts/password/reset/", {})
    request.user = AnonymousUser()

    response = rate_limited(request)

    assert response.status_code == 429
    assert response["Retry-After"] == "120"
    assert "Please wait 2 minutes and try again." in response.content.decode()
