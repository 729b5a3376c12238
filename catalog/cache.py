"""A catalog-wide version number that keys cached catalog data.

Every write to the catalog bumps the version, so cached counts and menus are
never shown after a change; old keys simply expire.
"""

from django.core.cache import cache

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


def cached(key: str, compute, *, timeout: int = 300):
    """Return `compute()` cached under `key` for the current catalog version."""
    versioned = f"catalog:{catalog_version()}:{key}"
    value = cache.get(versioned)
    if value is None:
        value = compute()
        cache.set(versioned, value, timeout=timeout)
    return value
