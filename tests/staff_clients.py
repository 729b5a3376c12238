"""Staff and visitor clients for the admin tests of every app (a pytest
plugin the root conftest loads)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

User = get_user_model()


@pytest.fixture
def no_staff_two_factor(settings):
    """Staff two-factor has its own tests in accounts; admin tests turn it
    off."""
    settings.STAFF_MFA_REQUIRED = False


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("boss@example.com", "secret-password-1")


@pytest.fixture
def admin_client(superuser) -> Client:
    return _client_for(superuser)


def _staff_in_group(email: str, group: str):
    user = User.objects.create_user(email, "secret-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db):
    return _staff_in_group("editor@example.com", "Editors")


@pytest.fixture
def editor_client(editor) -> Client:
    return _client_for(editor)


@pytest.fixture
def viewer(db):
    return _staff_in_group("viewer@example.com", "Viewers")


@pytest.fixture
def viewer_client(viewer) -> Client:
    return _client_for(viewer)


@pytest.fixture
def visitor_client(db) -> Client:
    """A signed-in customer without staff access."""
    user = User.objects.create_user("visitor@example.com", "secret-password-1")
    return _client_for(user)
