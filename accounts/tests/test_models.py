import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_user_signs_in_with_email_in_any_case():
    User.objects.create_user(email="Ada@Example.com", password="a-long-passphrase")

    user = authenticate(
        RequestFactory().post("/accounts/login/"),
        username="ada@example.com",
        password="a-long-passphrase",
    )

    assert user is not None
    assert user.email == "Ada@example.com"


def test_user_without_email_is_refused():
    with pytest.raises(ValueError, match="email address is required"):
        User.objects.create_user(email="", password="x")


def test_superuser_is_staff_and_superuser():
    user = User.objects.create_superuser(email="boss@example.com", password="pw")

    assert user.is_staff
    assert user.is_superuser
    assert str(user) == "boss@example.com"


def test_full_name_falls_back_to_email():
    user = User(email="someone@example.com")

    assert user.get_full_name() == "someone@example.com"
    assert user.get_short_name() == "someone@example.com"


def test_two_accounts_cannot_differ_only_in_the_case_of_their_address():
    User.objects.create_user(email="ada@example.com", password="x")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="Ada@example.com", password="y")


def test_the_admin_refuses_an_address_that_differs_only_in_case(admin_client, settings):
    settings.STAFF_MFA_REQUIRED = False
    User.objects.create_user(email="ada@example.com", password="x")

    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "ADA@example.com",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
        },
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 2  # Ada and the admin.
