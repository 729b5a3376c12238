"""Public pages answered from the cache, never stale.

A view marked with `@public_page` is served to anonymous visitors from the
cache: the home page, product lists, categories, product pages, search,
flat pages, the sitemap and robots.txt. The middleware sits near the top of
the stack, so a hit skips the session, authentication, CSRF and messages
middleware, the view, its queries and its templates. Only the middleware
above it (request id, security headers, the content security policy) runs,
so a cached page carries the same headers as a fresh one.

- Anonymous means no session cookie (and no messages cookie, which holds
  notes for one visitor). Other cookies, a `csrftoken` or an analytics
  cookie, neither split nor bypass the cache.
- Pages are kept under the site's content version (config/sitecache.py),
  so every change shows on the very next request, on every app server.
- The key holds the scheme, host, path, and only the query parameters the
  view declares, normalized by it, so unknown parameters and their order
  make no new entries.
- Only a 200 that sets no cookie, varies on nothing but the cookie header,
  and allows shared caching is stored.
- When many requests miss the same page at once, one renders it and the
  others wait for it, up to PAGE_CACHE_WAIT_SECONDS.
- Public pages carry ETag, Last-Modified (when the content last changed)
  and `Cache-Control: public, max-age=PAGE_CACHE_MAX_AGE`, and answer 304 to
  If-None-Match and If-Modified-Since, cached or not. Pages built for one
  person carry `private, no-store`.
- `public_page_served` is sent for every public page served, cached or
  not: the place for anything that must see every page view. It names the
  page as (kind, key): what the view gave with `count_as(response, ...)`,
  kept with the cached page, else the policy's `kind` and the path.
- With a read replica, pages are rendered from it when it has replayed the
  last content change (config/replica.py).
"""

import contextlib
import dataclasses
import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.gzip import re_accepts_gzip
from django.urls import Resolver404, resolve
from django.utils.cache import (
    get_conditional_response,
    has_vary_header,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import http_date
from django.utils.text import compress_string

from config import replica, sitecache

# Sent with `request`, `response`, `cached` (whether the cache answered) and
# `page` (the page's (kind, key), or None when the view names none) for
# every public page served to anyone, including 304s and 404s. A receiver
# runs on every page view, so it must be quick: count in the cache, write to
# the database later.
public_page_served = Signal()

# Headers that belong to one answer, not to the page.
_PER_RESPONSE = {"x-request-id", "set-cookie", "date"}


@dataclass(frozen=True)
class PublicPage:
    """How a view's pages are cached: which parameters make a page."""

    # Returns what of the query string changes the page, normalized, or
    # None when the page must not be cached (a parameter that is not valid).
    params: Callable[[QueryDict], Hashable | None] = field(default=lambda _: ())
    # Parameters that make the page personal (a share-preview token).
    bypass: tuple[str, ...] = ()
    # Whether a rendered page may be stored, checked on a miss only: a page
    # in the cache was stored because it passed.
    storable: Callable[[QueryDict], bool] = field(default=lambda _: True)
    # What the pages are, for counting ("home", "page"): the page is then
    # (kind, path) unless the view names it with `count_as`.
    kind: str = ""


def count_as(response: HttpResponse, kind: str, key: object) -> HttpResponse:
    """Name the page a response shows, e.g. ("product", 42), for counting.

    Kept with the page in the cache, so a cached answer is named too.
    """
    response.counted_as = (kind, str(key))
    return response


def _page_named(
    request: HttpRequest, response: HttpResponse, policy: PublicPage
) -> tuple[str, str] | None:
    named = getattr(response, "counted_as", None)
    if named is None and policy.kind:
        named = (policy.kind, request.path)
    return named


# Views marked with `public_page`, by function: the URLconf keeps the view
# itself, so `reverse()` by function (FlatPage.get_absolute_url) still works.
_policies: dict[Callable, PublicPage] = {}


def public_page(
    view: Callable | None = None,
    *,
    params: Callable[[QueryDict], Hashable | None] | None = None,
    bypass: tuple[str, ...] = (),
    storable: Callable[[QueryDict], bool] | None = None,
    kind: str = "",
):
    """Mark a view's anonymous GET and HEAD answers as cacheable.

    Usable bare (`@public_page`), with arguments, or on another app's view
    (`public_page(flatpage)`); the view is returned unchanged.
    `params(request.GET)` gives the normalized query parameters that change
    the page. `kind` names its pages for counting (see `count_as`).
    """
    policy = PublicPage(bypass=bypass, kind=kind)
    if params is not None:
        policy = dataclasses.replace(policy, params=params)
    if storable is not None:
        policy = dataclasses.replace(policy, storable=storable)

    def register(func: Callable) -> Callable:
        _policies[func] = policy
        return func

    return register(view) if view is not None else register


@dataclass
class _Stored:
    content: bytes
    headers: list[tuple[str, str]]
    # The content compressed once, when the page was stored, for the
    # clients that accept gzip; None when that would not make it smaller.
    gzipped: bytes | None = None
    # The page's name for counting (`count_as`).
    counted_as: tuple[str, str] | None = None

    def response(self, request: HttpRequest) -> HttpResponse:
        """The page, compressed for a client that accepts it.

        GZipTextMiddleware, above, compresses every other answer on its way
        out; it leaves this one alone since it has a Content-Encoding, so a
        hit never compresses anything. A public page holds nothing secret,
        so it needs none of the random padding GZipMiddleware adds against
        BREACH.
        """
        gzip = self.gzipped is not None and re_accepts_gzip.search(
            request.META.get("HTTP_ACCEPT_ENCODING", "")
        )
        response = HttpResponse(self.gzipped if gzip else self.content)
        response.counted_as = self.counted_as
        for name, value in self.headers:
            response[name] = value
        # Stored with the page's own length: this body may be the other one.
        response["Content-Length"] = str(len(response.content))
        if self.gzipped is not None:
            patch_vary_headers(response, ("Accept-Encoding",))
        if gzip:
            response["Content-Encoding"] = "gzip"
            etag = response.get("ETag", "")
            if etag.startswith('"'):
                # As GZipMiddleware does: the bytes differ, the page does not.
                response["ETag"] = f"W/{etag}"
        return response


def _policy(request: HttpRequest) -> PublicPage | None:
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return _policy_for_path(request.path_info, urlconf)


# Resolving an address costs more than the rest of a cache hit together; the
# answer only depends on the address, and the most visited ones repeat.
@lru_cache(maxsize=4096)
def _policy_for_path(path: str, urlconf: str) -> PublicPage | None:
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return _policies.get(match.func)


def _personal(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return (
        settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies
    )


def _storable(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "")
    if any(word in control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v}
    return vary <= {"cookie"}


def _gzipped(response: HttpResponse) -> bytes | None:
    if len(response.content) < 200 or response.has_header("Content-Encoding"):
        return None
    compressed = compress_string(response.content)
    return compressed if len(compressed) < len(response.content) else None


def _key(request: HttpRequest, token: str, params: Hashable) -> str:
    # The host is the one Django checked against ALLOWED_HOSTS on the first,
    # uncached answer; a host it refused never had a page stored.
    source = repr((request.scheme, request.get_host(), request.path, params))
    digest = hashlib.sha256(source.encode()).hexdigest()
    return f"page:{token}:{digest}"


class _NearbyPages:
    """The pages this process served last, in front of a shared cache.

    With Redis, a hit then costs one small read (the content version)
    instead of two, one of them the whole page: measured by `make bench`,
    that took cached pages from about 0.6 to about 0.9 of the floor. Keys
    carry the content version, so a page here is as fresh as in Redis.
    With the local memory cache, which is in the process already, it holds
    nothing.
    """

    def __init__(self) -> None:
        self._pages: OrderedDict[str, _Stored] = OrderedDict()

    def _used(self) -> bool:
        # `cache` is a proxy, which isinstance() does not see through.
        return settings.PAGE_CACHE_NEARBY_PAGES > 0 and not isinstance(
            caches[DEFAULT_CACHE_ALIAS], LocMemCache
        )

    def get(self, key: str) -> "_Stored | None":
        stored = self._pages.get(key)
        if stored is not None:
            with contextlib.suppress(KeyError):  # dropped by another thread
                self._pages.move_to_end(key)
        return stored

    def put(self, key: str, stored: "_Stored") -> None:
        if not self._used():
            return
        self._pages[key] = stored
        while len(self._pages) > settings.PAGE_CACHE_NEARBY_PAGES:
            with contextlib.suppress(KeyError):
                self._pages.popitem(last=False)


_nearby = _NearbyPages()


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        policy = _policy(request)
        if policy is None:
            return self._personal_marked(request, self.get_response(request))
        if (
            request.method not in ("GET", "HEAD")
            or _personal(request)
            or any(name in request.GET for name in policy.bypass)
        ):
            response = self._personal_marked(request, self.get_response(request))
            public_page_served.send(
                PublicPage,
                request=request,
                response=response,
                cached=False,
                page=_page_named(request, response, policy),
            )
            return response
        response, cached = self._public(request, policy)
        public_page_served.send(
            PublicPage,
            request=request,
            response=response,
            cached=cached,
            page=_page_named(request, response, policy),
        )
        return response

    def _public(
        self, request: HttpRequest, policy: PublicPage
    ) -> tuple[HttpResponse, bool]:
        """The page for an anonymous visitor, and whether the cache had it."""
        version = sitecache.content_version()
        params = policy.params(request.GET)
        if version is None or params is None or settings.PAGE_CACHE_SECONDS <= 0:
            response = self._render(request, version)
            return self._conditional(request, response, version, stored=None), False
        key = _key(request, version.token, params)
        stored = _nearby.get(key)
        if stored is None:
            stored = cache.get(key)
            if stored is not None:
                _nearby.put(key, stored)
        if stored is None:
            stored, response = self._render_once(request, key, policy, version)
            if response is not None:
                return self._conditional(request, response, version, stored), False
        return self._conditional(
            request, stored.response(request), version, stored
        ), True

    def _render(
        self, request: HttpRequest, version: sitecache.ContentVersion | None
    ) -> HttpResponse:
        """Render the page as of `version`, from the replica when it has it."""
        with sitecache.held(version):
            return replica.render(
                request, self.get_response, sitecache.content_position
            )

    def _render_once(
        self,
        request: HttpRequest,
        key: str,
        policy: PublicPage,
        version: sitecache.ContentVersion,
    ) -> tuple[_Stored | None, HttpResponse | None]:
        """Render and store the page, or wait for another request doing so.

        Returns the stored page when another request rendered it, else the
        response rendered here (and what was stored of it, if anything).
        """
        lock = key + ":rendering"
        if not cache.add(
            lock, 1, timeout=max(1, int(settings.PAGE_CACHE_WAIT_SECONDS * 2))
        ):
            deadline = time.monotonic() + settings.PAGE_CACHE_WAIT_SECONDS
            while time.monotonic() < deadline:
                time.sleep(0.01)
                found = cache.get_many([key, lock])
                if key in found:
                    _nearby.put(key, found[key])
                    return found[key], None
                if lock not in found:
                    # The other request's page could not be stored (a 404,
                    # say): render it here too.
                    break
        try:
            response = self._render(request, version)
            stored = self._store(key, response, policy.storable(request.GET))
        finally:
            cache.delete(lock)
        return stored, response

    def _store(self, key: str, response: HttpResponse, allowed: bool) -> _Stored | None:
        if hasattr(response, "render") and callable(response.render):
            response.render()
        if not allowed or not _storable(response):
            return None
        patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_MAX_AGE)
        set_response_etag(response)
        headers = [
            (name, value)
            for name, value in response.items()
            if name.lower() not in _PER_RESPONSE
        ]
        stored = _Stored(
            content=response.content,
            headers=headers,
            gzipped=_gzipped(response),
            counted_as=getattr(response, "counted_as", None),
        )
        cache.set(key, stored, timeout=settings.PAGE_CACHE_SECONDS)
        _nearby.put(key, stored)
        return stored

    def _conditional(
        self,
        request: HttpRequest,
        response: HttpResponse,
        version: sitecache.ContentVersion | None,
        stored: _Stored | None,
    ) -> HttpResponse:
        if stored is None:
            # Rendered and not stored: shared caches may keep it only when
            # it could have been stored.
            if not _storable(response):
                return self._personal_marked(request, response)
            patch_cache_control(
                response, public=True, max_age=settings.PAGE_CACHE_MAX_AGE
            )
            set_response_etag(response)
        last_modified = version.changed_at.timestamp() if version else None
        if last_modified is not None and time.time() >= math.ceil(last_modified):
            # HTTP dates have whole seconds. The header rounds up, and is
            # only sent once that second is over, so that a later change is
            # always later than any date a client sends back.
            response["Last-Modified"] = http_date(math.ceil(last_modified))
        answer = get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=last_modified,
            response=response,
        )
        # A 304 shows the same page again, from the browser's copy.
        answer.counted_as = getattr(response, "counted_as", None)
        return answer

    @staticmethod
    def _personal_marked(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Keep pages built for one person out of shared caches."""
        if "Cache-Control" not in response and (
            _personal(request) or has_vary_header(response, "Cookie")
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response
