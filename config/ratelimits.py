"""The 429 page for both limits, with Retry-After saying how long to wait.

Two things answer "too many requests": django-axes, when an account has had
too many failed sign-ins from one address, and django-allauth's rate limits
(sign-up, password reset, ...). Both render 429.html through this module.
"""

import math
import time
from datetime import timedelta

from allauth.account import app_settings as account_settings
from allauth.core.internal.ratelimit import Rate, get_cache_key, get_rates
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

ALLAUTH_APP = "allauth.account"
# Form fields holding the email address that allauth's per-address limits
# (password reset, sign-in codes, verification emails) are keyed by.
SENT_KEYS = ("email", "login")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """Answer a locked-out sign-in (AXES_LOCKOUT_CALLABLE) with the 429 page.

    Retry-After is the time left until the lock ends: the cool-off counted
    from the latest failure axes recorded for this account and address. Axes
    passes the view's own answer too, which the 429 page replaces.
    """
    cool_off = get_cool_off(request)
    context = {"locked_out": True, "cooloff_timedelta": cool_off}
    if cool_off is None:
        # A lock without a cool-off lasts until staff lift it: no time to give.
        return render(request, "429.html", context, status=429)
    seconds = _lockout_seconds_left(request, credentials, cool_off)
    return _too_many(request, seconds, context)


def rate_limited(request: HttpRequest) -> HttpResponse:
    """Answer a request refused by an allauth rate limit (handler429)."""
    return _too_many(request, _rate_limit_seconds_left(request), {})


def _too_many(request: HttpRequest, seconds: int, context: dict) -> HttpResponse:
    context["wait_minutes"] = math.ceil(seconds / 60)
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _lockout_seconds_left(
    request: HttpRequest, credentials: dict | None, cool_off: timedelta
) -> int:
    full = math.ceil(cool_off.total_seconds())
    handler = AxesProxyHandler.get_implementation()
    if not isinstance(handler, AxesDatabaseHandler):
        # Other handlers keep no failure times to count from; the lock lasts
        # the whole cool-off from this refusal at most.
        return full
    latest = None
    for attempts in handler.filter_user_attempts(request, credentials):
        found = attempts.aggregate(latest=Max("attempt_time"))["latest"]
        if found and (latest is None or found > latest):
            latest = found
    if latest is None:
        return full
    left = (latest + cool_off - timezone.now()).total_seconds()
    return max(1, min(full, math.ceil(left)))


def _rate_limit_seconds_left(request: HttpRequest) -> int:
    """How long until the client's exhausted allauth limits let it in again.

    allauth does not say which limit refused the request, so every limit
    that can be read back for this client is: those kept per address, per
    signed-in user, and per email address for the address the form sent
    (allauth keys its reset, sign-in code and verification limits by it).
    When none of them is exhausted, the longest window of any limit is the
    answer: after it, every limit has let go.
    """
    now = time.time()
    rates = [
        (action, rate)
        for action in account_settings.RATE_LIMITS
        for rate in get_rates(app=ALLAUTH_APP, action=action)
    ]
    waits = [
        wait
        for action, rate in rates
        for cache_key in _cache_keys(request, action, rate)
        if (wait := _window_wait(cache.get(cache_key, []), rate, now)) is not None
    ]
    if waits:
        return max(1, math.ceil(max(waits)))
    return max((math.ceil(rate.duration) for _, rate in rates), default=1)


def _cache_keys(request: HttpRequest, action: str, rate: Rate) -> list[str]:
    """The keys allauth keeps this limit's hits under for this client."""
    user = getattr(request, "user", None)
    if rate.per == "user":
        if user is None or not user.is_authenticated:
            return []
        keys = [None]
    elif rate.per == "key":
        sent = {request.POST.get(name, "").strip().lower() for name in SENT_KEYS}
        keys = sorted(sent - {""})
    else:
        keys = [None]
    return [
        get_cache_key(
            request, app=ALLAUTH_APP, action=action, rate=rate, key=key, user=user
        )
        for key in keys
    ]


def _window_wait(history: list[float], rate: Rate, now: float) -> float | None:
    """Seconds until a full window has room again, or None if it has room."""
    # allauth keeps the times of recent hits, newest first; the client may
    # go on once the hit that filled the limit leaves the window.
    recent = [hit for hit in history if hit > now - rate.duration]
    if len(recent) < rate.amount:
        return None
    return recent[rate.amount - 1] + rate.duration - now
