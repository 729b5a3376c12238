"""A catalog-wide version number that keys cached catalog data.

Every write to the catalog bumps the version, so cached counts and menus are
never shown after a change; old keys simply expire.
"""

import hashlib
import math
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from catalog.models import Product

VERSION_KEY = "catalog:version"


# For each cache server (its circuit breaker), how many outages this process
# had seen when it last made cached catalog data stale after one.
_outages_settled: dict[object, int] = {}


def catalog_version() -> int:
    """The current catalog version, made new once after a cache outage.

    While the cache is unreachable, a catalog write cannot bump the version,
    so once the cache is back it would hold values from before that write.
    Every process that saw the outage, the writer among them, bumps the
    version when it next reads one. Only when every process that saw the
    outage has ended before the cache came back (a management command that
    wrote while it was down, with no visitors meanwhile) can such a value
    outlive the write, and then only until it expires: 120 s for counts,
    300 s for the category menu, an hour for the sitemap.
    """
    # Only the fail-soft Redis backend (config/cache_backends.py) has
    # outages; a local memory cache is never away.
    breaker = getattr(cache, "breaker", None)
    outages = breaker.outages if breaker is not None else 0
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, timeout=None)
    elif outages != _outages_settled.get(breaker, 0):
        try:
            version = cache.incr(VERSION_KEY)
        except ValueError:
            # Lost again at once; the next read tries again.
            return version
        _outages_settled[breaker] = outages
    return version


def catalog_changed(**kwargs) -> None:
    """Make every cached catalog value stale (usable as a signal receiver)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def _versioned(key: str) -> str:
    return f"catalog:{catalog_version()}:{key}"


def cached(key: str, compute, *, timeout: int = 300, follows_schedule: bool = False):
    """Return `compute()` cached under `key` for the current catalog version.

    With `follows_schedule`, the value depends on which products are visible
    now, so it is kept no later than the next scheduled publication or
    withdrawal: that change happens with no write to bump the version.
    """
    versioned = _versioned(key)
    value = cache.get(versioned)
    if value is None:
        value = compute()
        if follows_schedule:
            timeout = min(timeout, seconds_until_visibility_changes())
        cache.set(versioned, value, timeout=timeout)
    return value


def seconds_until_visibility_changes() -> int:
    """Whole seconds until the next scheduled change of what is visible."""
    now = timezone.now()
    moment = Product.objects.next_visibility_change(after=now)
    if moment is None:
        return 24 * 60 * 60
    return max(1, math.ceil((moment - now).total_seconds()))


def cache_page_per_catalog_version(*, timeout: int):
    """Cache a view's successful responses until the catalog changes.

    Responses list visible products, so they also expire when a scheduled
    product appears or disappears.

    For pages that are costly to build and read by crawlers (the sitemap),
    not for pages whose content depends on the visitor.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            url = request.build_absolute_uri().encode()
            key = _versioned("page:" + hashlib.sha256(url).hexdigest())
            stored = cache.get(key)
            if stored is not None:
                content, content_type = stored
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if response.status_code == 200:
                stored = (response.content, response["Content-Type"])
                ttl = min(timeout, seconds_until_visibility_changes())
                cache.set(key, stored, timeout=ttl)
            return response

        return wrapped

    return decorator
