"""Rate limits: per client address without a token, per token with one.

Counts live in the default cache, which app servers share (Redis), as the
sign-in limits do. The rates are API_RATE_ANONYMOUS and API_RATE_TOKEN.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.network import client_ip


class AnonymousRateThrottle(SimpleRateThrottle):
    scope = "anonymous"

    def get_rate(self) -> str:
        # Read on each request (DRF reads its rates once, at import).
        return settings.API_RATE_ANONYMOUS

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is not None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        return settings.API_RATE_TOKEN

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
