"""Keep staff without two-factor out of the admin."""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


class StaffTwoFactorMiddleware:
    """Send staff to TOTP enrolment before the admin, when it is required.

    allauth already asks for the second factor at sign-in once it is set up;
    this closes the gap before it is, for every admin page, not just the
    index, so no admin URL can be reached with a password alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func, view_args, view_kwargs
    ) -> HttpResponse | None:
        match = request.resolver_match
        if (
            settings.STAFF_MFA_REQUIRED
            and match is not None
            and "admin" in match.namespaces
            and request.user.is_authenticated
            and request.user.is_staff
            and not Authenticator.objects.filter(
                user=request.user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            messages.info(
                request,
                "Staff accounts need two-factor authentication. Set up an "
                "authenticator app to open the admin.",
            )
            return redirect("mfa_activate_totp")
        return None
