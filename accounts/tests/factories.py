"""Small factories for accounts test data."""

import itertools

from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

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


def make_totp(user: User) -> str:
    """Give `user` an authenticator app and recovery codes; return its secret.

    This is what enrolling at /accounts/2fa/totp/activate/ leaves behind, so
    the user's sign-in then asks for a code after the password.
    """
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str) -> str:
    """The code an authenticator app with `secret` shows now."""
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def wrong_totp_codes(secret: str, count: int) -> list[str]:
    """`count` six-digit codes that are not right for `secret` now.

    Tests that use them hold the clock still, so "now" does not move on to
    a period where one of them is right.
    """
    right = totp_code(secret)
    candidates = (f"{number:06d}" for number in range(1, 10**6, 7919))
    return list(itertools.islice((c for c in candidates if c != right), count))
