"""The sign-in lockout that passwords and second-factor codes share.

django-axes counts failed sign-ins per account and client address and locks
the pair out after AXES_FAILURE_LIMIT of them. It sees passwords through the
authentication backends; the code step of a two-factor sign-in never reaches
them, so it reports its failures and asks about the lock through here.
"""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest

from accounts.models import User


def _credentials(user: User) -> dict[str, str]:
    # The same spelling the password step gives axes, so that wrong passwords
    # and wrong codes add up in one (account, address) record.
    return {"email": user.email}


def sign_in_locked_out(request: HttpRequest, *, user: User) -> bool:
    """Return whether this client is locked out of signing in as `user`.

    A locked-out request is marked the way axes marks one refused at the
    password, so that axes' middleware answers it with the lockout page.
    """
    credentials = _credentials(user)
    if AxesProxyHandler.is_allowed(request, credentials):
        return False
    request.axes_locked_out = True
    request.axes_credentials = credentials
    return True


def sign_in_failed(request: HttpRequest, *, user: User) -> bool:
    """Count a wrong second-factor code as a failed sign-in for `user`.

    Django's own signal for a failed sign-in is what axes records, as it does
    for a wrong password. Return whether this failure locked the client out.
    """
    user_login_failed.send(
        sender=__name__, credentials=_credentials(user), request=request
    )
    return bool(getattr(request, "axes_locked_out", False))
