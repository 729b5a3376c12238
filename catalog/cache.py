"""Catalog values cached under the site's content version.

A write to the catalog, or a scheduled product appearing or disappearing,
makes a new content version (config/sitecache.py), so a cached count or menu
is never shown after a change; old keys simply expire.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.core.cache import cache

from catalog import publishing
from config import sitecache

T = TypeVar("T")


def cached(key: str, compute: Callable[[], T], *, timeout: int = 300) -> T:
    """Return `compute()`, cached under `key` for the current content version.

    While the cache cannot be reached, the value is computed every time.
    """
    version = sitecache.content_version()
    if version is None:
        return compute()
    versioned = f"catalog:{version.token}:{key}"
    value = cache.get(versioned)
    if value is None:
        value = compute()
        cache.set(versioned, value, timeout=timeout)
    return value


def visibility_moments(now: datetime) -> tuple[datetime | None, datetime | None]:
    """When visible products and pages last changed by the clock, and will
    next (every model `catalog.publishing.schedule_follow` was given)."""
    return publishing.visibility_moments(at=now)
