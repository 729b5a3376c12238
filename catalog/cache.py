"""A catalog-wide version number that keys cached catalog data.

Every write to the catalog bumps the version, so cached counts and menus are
never shown after a change; old keys simply expire.
"""

import hashlib
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

VERSION_KEY = "catalog:version"


def catalog_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, timeout=None)
    return version


def catalog_changed(**kwargs) -> None:
    """Make every cached catalog value stale (usable as a signal receiver)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def _versioned(key: str) -> str:
    return f"catalog:{catalog_version()}:{key}"


def cached(key: str, compute, *, timeout: int = 300):
    """Return `compute()` cached under `key` for the current catalog version."""
    versioned = _versioned(key)
    value = cache.get(versioned)
    if value is None:
        value = compute()
        cache.set(versioned, value, timeout=timeout)
    return value


def cache_page_per_catalog_version(*, timeout: int):
    """Cache a view's successful responses until the catalog changes.

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
                cache.set(key, stored, timeout=timeout)
            return response

        return wrapped

    return decorator
