"""System checks for how the accounts app sees its clients."""

from django.conf import settings
from django.core.checks import CheckMessage, Warning


def check_trusted_proxy_count(app_configs, **kwargs) -> list[CheckMessage]:
    """Warn when the site is behind a proxy but trusts none.

    With SECURE_PROXY_SSL_HEADER set, requests arrive through a proxy, so
    without DJANGO_TRUSTED_PROXY_COUNT every client has the proxy's address:
    one client's failed sign-ins lock accounts, and its requests use up the
    per-address rate limits, for everyone.
    """
    if settings.SECURE_PROXY_SSL_HEADER and settings.TRUSTED_PROXY_COUNT <= 0:
        return [
            Warning(
                "The site is behind a proxy (SECURE_PROXY_SSL_HEADER is set) "
                "but DJANGO_TRUSTED_PROXY_COUNT is 0, so every client has the "
                "proxy's address: one client's failed sign-ins and requests "
                "lock out and rate-limit all of them.",
                hint=(
                    "Set DJANGO_TRUSTED_PROXY_COUNT to the number of proxies in "
                    "front of the site that append the client's address to "
                    "X-Forwarded-For (1 for a single nginx)."
                ),
                id="accounts.W001",
            )
        ]
    return []
