"""Fixtures for the reports tests: a clean buffer and staff clients."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from reports import buffer, counting, services

User = get_user_model()

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _clean_buffer():
    """Each test starts with an empty buffer and a new day's salt."""
    memory = buffer._memory
    for name in memory.claims():
        memory.drop(name)
    memory.claim()
    buffer.stage.take()
    counting._salt_of_day = None
    yield
    memory.claim()
    for name in memory.claims():
        memory.drop(name)
    buffer.stage.take()


@pytest.fixture(autouse=True)
def _no_staff_two_factor(settings):
    settings.STAFF_MFA_REQUIRED = False


@pytest.fixture
def browser_client() -> Client:
    """An anonymous visitor's browser."""
    return Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.7")


def flush():
    return services.stats_flush()


def staff_client(email: str, *, group: str | None = None, **flags) -> Client:
    user = User.objects.create_user(email, "secret-password-1", is_staff=True, **flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client(HTTP_USER_AGENT=BROWSER)
    client.force_login(user)
    return client
