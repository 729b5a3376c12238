"""Many codes sent at once still meet the code step's limit and the lockout.

The lockout is read before a code is checked and written after, so codes
sent together can all pass the read; the code step's own limit is taken
atomically before the check, and caps what they can try.
"""

import http.client
import threading
import urllib.parse
from collections import Counter
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from axes.models import AccessAttempt
from django.db import connection

from accounts.tests.factories import PASSWORD, make_totp, make_user, wrong_totp_codes

EMAIL = "ada@example.com"


class _Browser:
    """Just enough of a browser for the live server: cookies and CSRF."""

    def __init__(self, url: str) -> None:
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(
                {**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
            )
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        return response, text

    def keep_cookies(self, response) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared in-memory test database refuses concurrent writes",
)
def test_forty_codes_at_once_try_at_most_ten_and_lock_the_pair(live_server, travel):
    # The clock stands still, so that none of the wrong codes becomes right.
    with travel(timedelta(0)):
        _forty_codes_at_once(live_server.url)


def _forty_codes_at_once(url: str) -> None:
    secret = make_totp(make_user(email=EMAIL))
    browser = _Browser(url)
    browser.keep_cookies(browser.request("GET", "/accounts/login/")[0])
    response, _ = browser.request(
        "POST", "/accounts/login/", {"login": EMAIL, "password": PASSWORD}
    )
    browser.keep_cookies(response)
    assert response.headers["Location"] == "/accounts/2fa/authenticate/"

    answers = Counter()
    answers_lock = threading.Lock()
    # Eight at a time: the live server, like Django's runserver, keeps only a
    # short queue of waiting connections.
    in_flight = threading.Semaphore(8)

    def guess(code: str) -> None:
        with in_flight:
            try:
                response, _ = browser.request(
                    "POST", "/accounts/2fa/authenticate/", {"code": code}
                )
                answer = response.status
            except OSError as error:
                answer = type(error).__name__
        with answers_lock:
            answers[answer] += 1

    threads = [
        threading.Thread(target=guess, args=(code,))
        for code in wrong_totp_codes(secret, 40)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Each is told that the code is wrong or the step's limit reached (200),
    # that the pair is locked (429) or, once the lock has ended the pending
    # sign-in, to start over (302).
    assert sum(answers.values()) == 40
    assert set(answers) <= {200, 302, 429}
    failures = AccessAttempt.objects.get(username=EMAIL).failures_since_start
    assert 5 <= failures <= 10
    # Whatever order they were answered in, the pair is locked now.
    response, _ = browser.request(
        "POST", "/accounts/login/", {"login": EMAIL, "password": PASSWORD}
    )
    assert response.status == 429
