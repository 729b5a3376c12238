"""How allauth fits Showroom: the client address rule and sign-in history."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from accounts import network, services
from accounts.models import User
from config.next_url import is_safe_next_url


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # One rule for allauth's rate limits and axes' lockout, so both see
        # the same client behind the proxies.
        return network.client_ip(request)

    def login(self, request: HttpRequest, user: User) -> None:
        super().login(request, user)
        services.sign_in_record(
            user=user,
            ip_address=network.client_ip(request) or None,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )

    def is_safe_url(self, url: str) -> bool:
        # allauth asks this of every `next` it would follow (sign-in,
        # sign-up, sign-out, the password, email and two-factor pages, and
        # the admin's sign-in); the site's one rule answers.
        return is_safe_next_url(url, request=self.request)
