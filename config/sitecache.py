"""The site's content version: the one way caches learn that content changed.

Cached pages (config/pagecache.py) and fragments (catalog/cache.py) are
kept under the current version, so a change makes every one of them stale at
once, on every app server, without finding and deleting keys. Every write
that visitors can see ends in `content_changed()`: the services call it for
their bulk writes, and `watch()` calls it for every saved or deleted row of
the models that pages show (admin forms, reverts, recoveries, imports,
cascades). A restore calls it too.

The version lives where every process that serves pages can read it:
- with a shared cache (Redis), in the cache;
- with a cache each process keeps to itself (local memory, the default on
  one machine), as the modification time of a file in the project's `var`
  folder, which a restore, `seed_demo` or another gunicorn worker can change
  and every worker reads with one `stat` call.

What is visible also changes with no write at all, when a scheduled product
reaches its `publish_at` or `unpublish_at`. The app tells `schedule_follow()`
how to find those moments, and the version then also names the last one
passed, so pages cached before it are not used after it.

With a read replica (config/replica.py), each change also records the
primary's WAL position next to the version, written before it: a replica
that has replayed that far shows what the version names, so a page it
renders may be stored under that version.
"""

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from config import replica

logger = logging.getLogger(__name__)

VERSION_KEY = "site:content-version"
POSITION_KEY = "site:content-position"

# When visible content changes with no write: (last moment passed, next
# moment to come), either None, for the clock time given.
Schedule = Callable[[datetime], tuple[datetime | None, datetime | None]]


@dataclass(frozen=True)
class ContentVersion:
    token: str
    # When the content last changed, by a write or a scheduled moment: the
    # pages' Last-Modified.
    changed_at: datetime


class _FileStamp:
    """A version each process on this machine reads from a file's mtime."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # A file of its own, so that recording a position where none is
        # known never rewrites the version file (which could undo a bump
        # made meanwhile).
        self.position_path = path.with_name(path.name + ".position")

    def read(self) -> int:
        try:
            return os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            self.bump()
            return os.stat(self.path).st_mtime_ns

    def bump(self) -> None:
        # The clock in nanoseconds, set explicitly: the file system's own
        # timestamps are coarse (a few ms), so two changes in a row could
        # otherwise leave the same time, and the second go unseen.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            current = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            self.path.touch()
            current = 0
        stamp = max(time.time_ns(), current + 1)
        os.utime(self.path, ns=(stamp, stamp))

    def position(self) -> str | None:
        try:
            return self.position_path.read_text() or None
        except FileNotFoundError:
            return None

    def position_record(self, position: str | None) -> None:
        """Replace the recorded position; None forgets it."""
        if position is None:
            self.position_path.unlink(missing_ok=True)
            return
        temporary = self._position_written(position)
        os.replace(temporary, self.position_path)

    def position_add(self, position: str) -> None:
        """Record `position` unless one is recorded already."""
        temporary = self._position_written(position)
        try:
            os.link(temporary, self.position_path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()

    def _position_written(self, position: str) -> Path:
        # Written aside and then moved or linked into place, so that a
        # reader never sees half a position.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.position_path.with_name(
            f"{self.position_path.name}.{os.getpid()}.{time.time_ns()}"
        )
        temporary.write_text(position)
        return temporary


class _CacheStamp:
    """A version shared through the cache by every app server."""

    def __init__(self) -> None:
        # For each cache server (its circuit breaker), how many outages this
        # process had seen when it last made the version new after one.
        self._outages_settled: dict[object, int] = {}

    def read(self) -> int | None:
        """The version, or None while the cache cannot be reached.

        While the cache is unreachable a write cannot change the version,
        so once the cache is back it would hold values from before that
        write. Every process that saw the outage, the writer among them,
        changes the version when it next reads it. Only when every process
        that saw the outage has ended before the cache came back (a
        management command that wrote while it was down, with no visitors
        meanwhile) can a stale value outlive the write, and then only until
        it expires (PAGE_CACHE_SECONDS).
        """
        # Only the fail-soft Redis backend (config/cache_backends.py) has
        # outages.
        breaker = getattr(cache, "breaker", None)
        outages = breaker.outages if breaker is not None else 0
        stamp = cache.get(VERSION_KEY)
        if stamp is None:
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
            return cache.get(VERSION_KEY)
        if outages != self._outages_settled.get(breaker, 0):
            # Changes made during the outage recorded no position either.
            self.position_record(None)
            self.bump()
            self._outages_settled[breaker] = outages
            return cache.get(VERSION_KEY)
        return stamp

    def bump(self) -> None:
        current = cache.get(VERSION_KEY) or 0
        cache.set(VERSION_KEY, max(time.time_ns(), current + 1), timeout=None)

    def position(self) -> str | None:
        return cache.get(POSITION_KEY)

    def position_record(self, position: str | None) -> None:
        """Replace the recorded position; None forgets it."""
        if position is None:
            cache.delete(POSITION_KEY)
        else:
            cache.set(POSITION_KEY, position, timeout=None)

    def position_add(self, position: str) -> None:
        """Record `position` unless one is recorded already."""
        cache.add(POSITION_KEY, position, timeout=None)


_stamps: dict[str, _FileStamp | _CacheStamp] = {}
_schedule: Schedule | None = None
# This process's view of the schedule: (stamp, last moment, next moment),
# replaced whole so that threads never see parts of two.
_schedule_state: tuple[int, datetime | None, datetime | None] | None = None
# The version a page is being rendered for (`held`), if any.
_held: ContextVar[tuple[ContentVersion | None] | None] = ContextVar(
    "content_version_held", default=None
)


def _stamp() -> _FileStamp | _CacheStamp:
    # Keyed by where the version lives, so that tests which swap the cache
    # or the version file get the matching store. `cache` is a proxy, which
    # isinstance() does not see through.
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, LocMemCache):
        kind = f"file:{settings.SITE_CACHE_VERSION_FILE}"
    else:
        kind = f"{type(backend).__name__}:{getattr(backend, '_servers', '')}"
    store = _stamps.get(kind)
    if store is None:
        if isinstance(backend, LocMemCache):
            store = _FileStamp(Path(settings.SITE_CACHE_VERSION_FILE))
        else:
            store = _CacheStamp()
        _stamps[kind] = store
    return store


def schedule_follow(schedule: Schedule) -> None:
    """Make the version also follow `schedule` (called from an AppConfig)."""
    global _schedule
    _schedule = schedule


def _last_scheduled_moment(stamp: int, now: datetime) -> datetime | None:
    """The last scheduled moment passed, computed once per stamp and moment.

    Which moments are scheduled only changes with a write, which changes
    the stamp, so each process asks the database once per stamp and once
    each time a moment passes.
    """
    global _schedule_state
    if _schedule is None:
        return None
    state = _schedule_state
    if state is None or state[0] != stamp or (state[2] is not None and now >= state[2]):
        last, upcoming = _schedule(now)
        state = _schedule_state = (stamp, last, upcoming)
    return state[1]


def content_version() -> ContentVersion | None:
    """The current version, or None while the cache or the database cannot
    be reached.

    Within `held(version)`, `version`.
    """
    if (held_version := _held.get()) is not None:
        return held_version[0]
    stamp = _stamp().read()
    if stamp is None:
        return None
    changed_at = datetime.fromtimestamp(stamp / 1e9, tz=UTC)
    try:
        last = _last_scheduled_moment(stamp, timezone.now())
    except DatabaseError:
        # Without the database the schedule is unknown: nothing is cached,
        # and pages that need no database (robots.txt) are still served.
        return None
    if last is None:
        return ContentVersion(token=str(stamp), changed_at=changed_at)
    token = f"{stamp}.{int(last.timestamp() * 1e6)}"
    return ContentVersion(token=token, changed_at=max(changed_at, last))


@contextlib.contextmanager
def held(version: ContentVersion | None) -> Iterator[None]:
    """Make `content_version()` answer `version` within the block.

    A page is rendered for the version read before it: its fragments are
    then stored under the same version as the page, and a page read from
    the replica never stores a fragment under a version newer than the
    position the replica was checked against.
    """
    token = _held.set((version,))
    try:
        yield
    finally:
        _held.reset(token)


def content_position() -> str | None:
    """The primary's WAL position when content last changed, or None.

    A replica that has replayed this far shows the content of every version
    read before this call. When none is recorded (the first call after the
    feature was deployed, or after a cache outage), the primary's current
    position is recorded and returned, which is later than every change.
    None without a replica, or when the primary cannot be asked.
    """
    stamp = _stamp()
    position = stamp.position()
    if position is None:
        try:
            position = replica.primary_position()
        except DatabaseError:
            logger.exception("Could not read the primary's WAL position")
            return None
        if position is not None:
            stamp.position_add(position)
    return position


def content_changed(**kwargs) -> None:
    """Make every cached page and fragment stale, now and at commit.

    The second change matters: a visitor's request between the first one
    and the commit may cache what it read from the old rows. Accepts and
    ignores signal arguments, so `watch` can connect it.
    """
    _stamp().bump()
    transaction.on_commit(_content_committed)


def _content_committed() -> None:
    stamp = _stamp()
    # The position goes first: whoever reads the new version then finds it.
    try:
        position = replica.primary_position()
    except DatabaseError:
        # The change is committed; without its position no replica may
        # render pages until a later one is recorded (`content_position`).
        logger.exception("Could not read the primary's WAL position")
        position = None
    stamp.position_record(position)
    stamp.bump()


def watch(models: Iterable[type[Model]]) -> None:
    """Call `content_changed` whenever a row of `models` is saved or deleted.

    Writes that send no signals (queryset `update`, `bulk_create`, moves in
    the category tree) call `content_changed` themselves.
    """
    for model in models:
        post_save.connect(content_changed, sender=model, weak=False)
        post_delete.connect(content_changed, sender=model, weak=False)
