"""Public pages read from a streaming replica (DATABASE_REPLICA_URL).

With a replica configured, the page cache (config/pagecache.py) renders the
public pages of anonymous visitors through `render()`, which lets the
database router below send their reads to the replica. Everything else
reads and writes the primary: requests of signed-in people and staff (they
carry a session cookie, so the page cache never treats them as anonymous),
every unsafe request, and every page outside the page cache.

A page is read from the replica only when it is safe to:
- the visitor has not written anything in the last
  DATABASE_REPLICA_PIN_SECONDS (`ReadYourWritesMiddleware` marks them with a
  cookie), so nobody misses their own change;
- the replica has replayed the primary's WAL up to the position recorded
  at the last content change (config/sitecache.py). A page rendered from a
  replica that lags would otherwise be stored, stale, under the new content
  version for PAGE_CACHE_SECONDS;
- the replica answers. When it does not, the error is logged and the
  process reads the primary for DATABASE_REPLICA_RETRY_SECONDS before it
  tries the replica again. A replica that fails halfway through a page
  makes the page render again from the primary.
"""

import contextlib
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
# Requests carrying this cookie read the primary. Its value means nothing:
# the browser drops it after DATABASE_REPLICA_PIN_SECONDS. A visitor who
# sets it by hand only makes their own pages read the primary.
PIN_COOKIE = "primary_until"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Whether the request being served may read the replica; set by `render()`.
_reading: ContextVar[bool] = ContextVar("replica_reading", default=False)
# Until when (time.monotonic()) this process leaves a failed replica alone.
_down_until = 0.0


def configured() -> bool:
    return REPLICA in settings.DATABASES


def primary_position() -> str | None:
    """The primary's current WAL position, or None without a replica."""
    if not configured():
        return None
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def render(
    request: HttpRequest,
    get_response: Callable[[HttpRequest], HttpResponse],
    position: Callable[[], str | None],
) -> HttpResponse:
    """Answer a public page, reading the replica when it is safe to.

    `position()` gives the WAL position the replica must have replayed; it
    is only asked when the replica might be used.
    """
    if not _usable(request, position):
        return get_response(request)
    token = _reading.set(True)
    try:
        response = get_response(request)
    finally:
        _reading.reset(token)
    # Django turned any exception into a response already; a query that
    # failed on the replica left this flag on its connection.
    if connections[REPLICA].errors_occurred:
        _went_down("failed while a page was read from it")
        if response.status_code >= 500:
            response = get_response(request)
    return response


def _usable(request: HttpRequest, position: Callable[[], str | None]) -> bool:
    if not configured() or PIN_COOKIE in request.COOKIES:
        return False
    if time.monotonic() < _down_until:
        return False
    wanted = position()
    if wanted is None:
        return False
    try:
        with connections[REPLICA].cursor() as cursor:
            # NULL when the server is not replaying WAL (not a replica).
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [wanted])
            caught_up = cursor.fetchone()[0]
    except DatabaseError as error:
        _went_down(f"did not answer ({error})")
        return False
    # The connection answered, so an error flagged on it earlier is over
    # (Django's own check between requests clears it the same way); from
    # here the flag means the page's own queries failed.
    connections[REPLICA].errors_occurred = False
    if not caught_up:
        logger.debug("The replica has not replayed %s yet; reading the primary", wanted)
    return bool(caught_up)


def _went_down(what: str) -> None:
    global _down_until
    seconds = settings.DATABASE_REPLICA_RETRY_SECONDS
    _down_until = time.monotonic() + seconds
    logger.error(
        "The read replica %s; pages are read from the primary for %s s", what, seconds
    )
    # A connection that failed is not reused; the next try opens a new one.
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


class ReplicaRouter:
    """Reads go to the replica only within `render()`; writes never do."""

    def db_for_read(self, model, **hints) -> str:
        return REPLICA if _reading.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        # The replica follows the primary's schema through replication.
        return db == DEFAULT_DB_ALIAS


class ReadYourWritesMiddleware:
    """Send whoever made an unsafe request to the primary for a few seconds.

    Longer than the replica's lag, so that the next pages a visitor or staff
    member sees show their own change. Every unsafe request counts, also
    one answered with an error: it may have committed before failing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in UNSAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
