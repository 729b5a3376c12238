"""/.well-known/security.txt (RFC 9116) names the contact from the environment."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

URL = "/.well-known/security.txt"


def _fields(response) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in response.content.decode().splitlines():
        name, _, value = line.partition(": ")
        fields.setdefault(name, []).append(value)
    return fields


@pytest.fixture
def contact(settings):
    settings.SECURITY_CONTACT = ["mailto:security@example.com"]


@pytest.mark.django_db
def test_without_a_contact_the_file_is_not_found(client, settings):
    settings.SECURITY_CONTACT = []

    response = client.get(URL)

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "security contact" not in response.text


def test_the_file_names_the_contact_and_the_language(client, contact):
    response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = _fields(response)
    assert fields["Contact"] == ["mailto:security@example.com"]
    assert fields["Preferred-Languages"] == ["en"]


def test_several_contacts_each_get_a_line(client, settings):
    settings.SECURITY_CONTACT = [
        "mailto:security@example.com",
        "https://example.com/report",
    ]

    fields = _fields(client.get(URL))

    assert fields["Contact"] == [
        "mailto:security@example.com",
        "https://example.com/report",
    ]


def test_expires_is_less_than_a_year_ahead_by_default(client, contact):
    fields = _fields(client.get(URL))

    expires = datetime.strptime(fields["Expires"][0], "%Y-%m-%dT%H:%M:%SZ")
    ahead = expires.replace(tzinfo=UTC) - timezone.now()
    assert timedelta(days=300) < ahead < timedelta(days=365)


def test_expires_comes_from_the_setting_when_given(client, contact, settings):
    settings.SECURITY_TXT_EXPIRES = datetime(2027, 6, 30, 12, 0, tzinfo=UTC)

    fields = _fields(client.get(URL))

    assert fields["Expires"] == ["2027-06-30T12:00:00Z"]


def test_canonical_is_the_https_address_of_the_file(client, contact):
    response = client.get(URL, secure=True, headers={"host": "localhost"})

    assert _fields(response)["Canonical"] == [
        "https://localhost/.well-known/security.txt"
    ]


def test_no_canonical_is_claimed_over_plain_http(client, contact):
    assert "Canonical" not in _fields(client.get(URL))


def test_the_file_is_only_read(client, contact, db):
    response = client.post(URL)

    assert response.status_code == 405
    assert response["Allow"] == "GET"


def _start_with(**environ: str) -> subprocess.CompletedProcess:
    """Load the settings in a new process, with no .env file read."""
    code = (
        "import environ; environ.Env.read_env = lambda *a, **k: None\n"
        "from config import settings as s\n"
        "print(s.SECURITY_CONTACT, s.SECURITY_TXT_EXPIRES)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SECRET_KEY": "k" * 50, **environ},
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        check=False,
    )


def test_the_environment_sets_contacts_and_expiry():
    started = _start_with(
        SECURITY_CONTACT="mailto:a@example.com,https://example.com/report",
        SECURITY_TXT_EXPIRES="2027-06-30T14:00:00+02:00",
    )

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == (
        "['mailto:a@example.com', 'https://example.com/report'] "
        "2027-06-30 12:00:00+00:00"
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SECURITY_CONTACT": "security@example.com"}, "must start with mailto:"),
        ({"SECURITY_CONTACT": "http://example.com"}, "must start with mailto:"),
        ({"SECURITY_TXT_EXPIRES": "next year"}, "is not an ISO 8601 date"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_a_clear_message(environ, message):
    started = _start_with(**environ)

    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert message in started.stderr
