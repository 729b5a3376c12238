"""Writes on accounts."""

import secrets

from django.db import transaction

from accounts.models import User


@transaction.atomic
def staff_account_create_first(*, email: str) -> tuple[User, str | None]:
    """Create the first staff account with a random password.

    Return the account and its password, or an existing superuser and None
    when there is one already, so running this twice changes nothing.
    """
    existing = User.objects.filter(is_superuser=True).order_by("pk").first()
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(12)
    user = User.objects.create_superuser(email=email, password=password)
    return user, password
