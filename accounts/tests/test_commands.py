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
