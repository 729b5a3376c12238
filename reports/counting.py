"""What a page view counts as, and which views are not counted at all.

Nothing here sets a cookie or keeps anything about the person: a view adds
one to its page and to the day's page views, and gives a salted hash of
(address, user agent, day) that tells today's visitors apart. The salt is
random, lives only in the cache (or, with the local-memory cache, in a file
beside the content version that every process on the machine reads) and
expires with its day, so a hash cannot be recomputed afterwards.
"""

import contextlib
import hashlib
import os
import secrets
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.network import client_ip
from catalog import previews
from reports import buffer

# Statuses of a page that was shown: a 304 shows the browser's copy again.
# Redirects, errors and 404s are not views of a page.
_SHOWN = (200, 304)

_crawlers = CrawlerDetect()


@lru_cache(maxsize=4096)
def is_crawler(user_agent: str) -> bool:
    """Whether the user agent is a bot, crawler or other program.

    crawlerdetect's patterns cost about 20 µs a check; the same few
    browsers' strings come back all day.
    """
    if not user_agent.strip():
        return True
    return _crawlers.isCrawler(user_agent)


def counted(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether this answer is a page view by a person who did not opt out."""
    meta = request.META
    if request.method != "GET" or response.status_code not in _SHOWN:
        return False
    if meta.get("HTTP_DNT") == "1" or meta.get("HTTP_SEC_GPC") == "1":
        return False
    if previews.PARAMETER in request.GET:
        return False
    if is_crawler(meta.get("HTTP_USER_AGENT", "")):
        return False
    # A cache hit skipped authentication: that visitor had no session, so is
    # no staff member.
    user = getattr(request, "user", None)
    return not (user is not None and user.is_staff)


def today() -> date:
    return timezone.localdate()


def _seconds_left(day: date) -> int:
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time()))
    return max(1, int((end - timezone.now()).total_seconds()) + 1)


_salt_of_day: tuple[date, str] | None = None


def salt(day: date) -> str:
    """The day's random salt, the same in every process, gone the day after.

    Kept in this process for the rest of its day too, which saves a cache
    call per view; it is never written anywhere else.
    """
    global _salt_of_day
    known = _salt_of_day
    if known is not None and known[0] == day:
        return known[1]
    cache = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(cache, RedisCache):
        key = f"reports:salt:{day.isoformat()}"
        cache.add(key, secrets.token_hex(16), timeout=_seconds_left(day))
        value = cache.get(key)
    else:
        value = _file_salt(day)
    if value is None:
        # The cache did not answer: a salt of this process alone, so the
        # visitors it sees may count twice today, never be tied to anyone.
        value = secrets.token_hex(16)
    _salt_of_day = (day, value)
    return value


def _file_salt(day: date) -> str:
    # django-environ's Path, or pathlib's where tests set it.
    folder = Path(str(settings.SITE_CACHE_VERSION_FILE)).parent
    path = folder / f"visitor-salt-{day.isoformat()}"
    with contextlib.suppress(FileNotFoundError):
        return path.read_text()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("visitor-salt-*"):
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
    # Written whole under another name, then linked into place: linking
    # fails when another process was first, and then its salt is the one.
    draft = folder / f".visitor-salt-{secrets.token_hex(8)}"
    draft.write_text(secrets.token_hex(16))
    os.chmod(draft, 0o600)
    with contextlib.suppress(FileExistsError):
        os.link(draft, path)
    draft.unlink()
    return path.read_text()


def visitor_digest(request: HttpRequest, day: date) -> str:
    """A hash that tells today's visitors apart and identifies nobody."""
    source = "\n".join(
        (salt(day), client_ip(request), request.META.get("HTTP_USER_AGENT", ""))
    )
    return hashlib.blake2b(source.encode(), digest_size=16).hexdigest()


def view_fields(request: HttpRequest, page: tuple[str, str]) -> list[str]:
    """The buffer fields one counted view adds to."""
    day = today()
    kind, key = page
    return [
        buffer.field(day, "pageviews", ""),
        buffer.field(day, kind, key[:200]),
        buffer.field(day, "visitor", visitor_digest(request, day)),
    ]
