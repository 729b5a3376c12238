"""Clients for the API tests: anonymous, and tokens of each kind of user."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from api.services import api_token_create

User = get_user_model()


class TokenClient(Client):
    """A test client that signs every request with an API token."""

    def __init__(self, key: str, **defaults) -> None:
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {key}", **defaults)


def _token_client(user) -> TokenClient:
    _, key = api_token_create(user=user, name="test")
    client = TokenClient(key)
    client.user = user
    return client


def staff_user(email: str, group: str):
    user = User.objects.create_user(email, "secret-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    """Rate limits have their own test; elsewhere they stay out of the way."""
    settings.API_RATE_ANONYMOUS = "100000/minute"
    settings.API_RATE_TOKEN = "100000/minute"


@pytest.fixture
def editor_api(db) -> TokenClient:
    return _token_client(staff_user("editor@example.com", "Editors"))


@pytest.fixture
def viewer_api(db) -> TokenClient:
    return _token_client(staff_user("viewer@example.com", "Viewers"))


@pytest.fixture
def visitor_api(db) -> TokenClient:
    return _token_client(User.objects.create_user("visitor@example.com", "pw-12345678"))


@pytest.fixture
def anonymous_api(db) -> Client:
    return Client()
