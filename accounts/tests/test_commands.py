from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import User

pytestmark = pytest.mark.django_db


def _run() -> str:
    out = StringIO()
    call_command("create_staff", stdout=out)
    return out.getvalue()


def test_create_staff_prints_a_working_password_once():
    output = _run()
    password = output.split("with password ")[1].split(" ")[0]

    user = authenticate(
        RequestFactory().post("/accounts/login/"),
        username="admin@example.com",
        password=password,
    )
    assert user is not None
    assert user.is_staff and user.is_superuser

    second = _run()
    assert "exists; password unchanged" in second
    assert password not in second
    assert User.objects.count() == 1


def test_an_account_from_createsuperuser_signs_in_to_the_admin_at_once(
    client, settings, monkeypatch
):
    settings.STAFF_MFA_REQUIRED = False
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1")
    call_command(
        "createsuperuser", "--noinput", "--email", "Boss@Example.com", stdout=StringIO()
    )

    response = client.post(
        "/accounts/login/?next=/admin/",
        {"login": "boss@example.com", "password": "a-long-password-1"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200
    assert "Site administration" in response.content.decode()


def test_staff_two_factor_still_applies_to_an_account_from_createsuperuser(
    client, settings, monkeypatch
):
    settings.STAFF_MFA_REQUIRED = True
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1")
    call_command(
        "createsuperuser", "--noinput", "--email", "boss@example.com", stdout=StringIO()
    )

    client.post(
        "/accounts/login/",
        {"login": "boss@example.com", "password": "a-long-password-1"},
    )
    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/2fa/" in response["Location"]
