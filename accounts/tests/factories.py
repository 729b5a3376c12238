"""Small factories for accounts test data."""

import itertools

from allauth.account.models import EmailAddress

from accounts.models import User

PASSWORD = "a-long-passphrase-42"

_numbers = itertools.count(1)


def make_user(
    *,
    email: str | None = None,
    password: str = PASSWORD,
    verified: bool = True,
    **fields,
) -> User:
    """A user with a primary address, verified unless told otherwise."""
    email = email or f"person{next(_numbers)}@example.com"
    user = User.objects.create_user(email=email, password=password, **fields)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user
