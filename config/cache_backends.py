"""A Redis cache backend that the site survives losing.

`FailSoftRedisCache` is Django's Redis backend with two changes:

- A server that refuses connections, resets them or does not answer within
  `CACHE_TIMEOUT_SECONDS` makes an operation behave as a miss instead of
  raising: `get` returns the default, `set` stores nothing, `incr` raises
  `ValueError` as for a missing key, `add` reports the value as stored.
- After such a failure the process skips the server for
  `CACHE_RETRY_SECONDS`, then lets one call through to try it again, so a
  hung server costs each process one timeout per window, not one per call.
  The outage is logged once when it starts and once when it ends.

Settings use it whenever `CACHE_URL` names a Redis server.

Why not django-redis with IGNORE_EXCEPTIONS: it turns errors into misses but
has no breaker, so a hung server costs every cache call of every request its
socket timeout (several per page), and it logs every ignored error. Django's
own backend plus the breaker here is smaller than adding a second client.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What an unreachable or hung server raises: redis-py's errors for refused,
# reset and timed-out connections, and the OSError of a socket call that
# redis-py does not wrap.
FAULTS = (RedisConnectionError, RedisTimeoutError, OSError)

_UNANSWERED = object()


class CircuitBreaker:
    """Whether this process should try a cache server now.

    Shared by every thread of the process: Django gives each thread its own
    cache object, and a threaded worker should pay for a hung server once per
    window, not once per thread.
    """

    def __init__(self, *, name: str, retry_seconds: float) -> None:
        self.name = name
        self.retry_seconds = retry_seconds
        # How many outages of this server the process has seen; catalog
        # data cached before one may be stale (catalog/cache.py).
        self.outages = 0
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._next_try = 0.0

    def allows_a_try(self) -> bool:
        """Closed, or open with the window passed (then one caller probes)."""
        if self._down_since is None:
            return True
        with self._lock:
            if self._down_since is None:
                return True
            now = time.monotonic()
            if now < self._next_try:
                return False
            # Only this caller probes; the others keep skipping the server
            # until the probe has answered or the next window has passed.
            self._next_try = now + self.retry_seconds
            return True

    def record_success(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            downtime = time.monotonic() - self._down_since
            self._down_since = None
        logger.warning(
            "The cache at %s answers again after %.1f s without it.",
            self.name,
            downtime,
        )

    def record_failure(self, error: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            self._next_try = now + self.retry_seconds
            if self._down_since is not None:
                return
            self._down_since = now
            self.outages += 1
        logger.error(
            "The cache at %s did not answer (%s: %s); pages are served without "
            "it, and it is tried again every %g s.",
            self.name,
            type(error).__name__,
            error,
            self.retry_seconds,
        )


def _address(url: SplitResult) -> str:
    if url.scheme == "unix":
        return url.path
    return f"{url.hostname}:{url.port or 6379}"


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def _breaker_for(servers: list[str], retry_seconds: float) -> CircuitBreaker:
    # Addresses only: a password in the URL must not reach the log.
    name = ", ".join(_address(urlsplit(server)) for server in servers)
    key = ",".join(servers)
    with _breakers_lock:
        if key not in _breakers:
            _breakers[key] = CircuitBreaker(name=name, retry_seconds=retry_seconds)
        return _breakers[key]


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client that makes one redis-py client per pool.

    Django makes a new `redis.Redis` for every call; redis-py builds its
    table of response callbacks each time, which cost 0.4 of the 0.5 ms of
    a page cache hit (cProfile, bench/middleware_cost.py). A client holds
    nothing but its pool, and redis-py clients are safe to share between
    threads, so one per pool does the same work.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache, answering as a miss while the server is away."""

    def __init__(self, server, params: dict) -> None:
        # Options given in CACHE_URL (`?socket_timeout=1`) win over the
        # settings; redis-py's own default would wait 5 s per call.
        options = {
            "socket_connect_timeout": settings.CACHE_TIMEOUT_SECONDS,
            "socket_timeout": settings.CACHE_TIMEOUT_SECONDS,
            **params.get("OPTIONS", {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        # Public: catalog/cache.py reads its count of outages.
        self.breaker = _breaker_for(self._servers, settings.CACHE_RETRY_SECONDS)

    def _attempt(self, operation: Callable[..., Any], *args: Any) -> Any:
        if not self.breaker.allows_a_try():
            return _UNANSWERED
        try:
            result = operation(*args)
        except FAULTS as error:
            self.breaker.record_failure(error)
            return _UNANSWERED
        self.breaker.record_success()
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        # Reported as stored: allauth takes its rate-limit lock with add()
        # and would refuse every sign-in for want of the lock. Its limits
        # (and the one-time use of a TOTP code) so lapse during an outage;
        # the lockout after failed sign-ins lives in the database and holds.
        result = self._attempt(super().add, key, value, timeout, version)
        return True if result is _UNANSWERED else result

    def get(self, key, default=None, version=None):
        result = self._attempt(super().get, key, default, version)
        return default if result is _UNANSWERED else result

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._attempt(super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        result = self._attempt(super().touch, key, timeout, version)
        return False if result is _UNANSWERED else result

    def delete(self, key, version=None) -> bool:
        result = self._attempt(super().delete, key, version)
        return False if result is _UNANSWERED else result

    def get_many(self, keys, version=None) -> dict:
        result = self._attempt(super().get_many, keys, version)
        return {} if result is _UNANSWERED else result

    def has_key(self, key, version=None) -> bool:
        result = self._attempt(super().has_key, key, version)
        return False if result is _UNANSWERED else result

    def incr(self, key, delta=1, version=None) -> int:
        result = self._attempt(super().incr, key, delta, version)
        if result is _UNANSWERED:
            # What Django's backends raise for a missing key, which callers
            # already handle.
            raise ValueError(f"Key {key!r} not found: the cache is unavailable.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        result = self._attempt(super().set_many, data, timeout, version)
        # Like Django's backends, return the keys that were not stored.
        return list(data) if result is _UNANSWERED else result

    def delete_many(self, keys, version=None) -> None:
        self._attempt(super().delete_many, keys, version)

    def clear(self) -> bool:
        result = self._attempt(super().clear)
        return False if result is _UNANSWERED else result
