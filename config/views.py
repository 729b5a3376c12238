"""Site-wide endpoints that belong to no app: health, robots, favicon, security.txt."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.static import serve

from config.objectstorage import media_cache_control
from config.pagecache import public_page
from config.siteurl import site_url

logger = logging.getLogger(__name__)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: the database did not answer")
        return False


def _cache_answers() -> bool:
    try:
        cache.set("healthz", "ok", timeout=10)
        return cache.get("healthz") == "ok"
    except Exception:
        logger.exception("Health check: the cache did not answer")
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Tell a load balancer whether this server can serve pages.

    Only the database is needed for that: pages are served without the cache
    while it is down (config.cache_backends), so a cache outage answers 200
    with status "degraded". Answering 503 then would let a load balancer take
    every server out at once because of one shared Redis.
    """
    checks = {"database": _database_answers(), "cache": _cache_answers()}
    if not checks["database"]:
        status, code = "error", 503
    elif not checks["cache"]:
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse(
        {"status": status, **{n: "ok" if up else "error" for n, up in checks.items()}},
        status=code,
    )


@public_page
@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "robots.txt",
        {"sitemap_url": site_url(request, reverse("sitemap"))},
        content_type="text/plain; charset=utf-8",
    )


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico before reading any page; send them to the
    # hashed, long-cached copy instead of serving a second one.
    return redirect(static("favicon.ico"), permanent=True)


# RFC 9116 asks for an expiry less than a year ahead, so that a file nobody
# looks after stops being trusted; without SECURITY_TXT_EXPIRES it moves on
# with each day the site runs, as long as SECURITY_CONTACT is set.
SECURITY_TXT_LIFETIME = timedelta(days=364)


@require_GET
@cache_control(max_age=86400, public=True)
def security_txt(request: HttpRequest) -> HttpResponse:
    """Tell security researchers how to report a problem (RFC 9116).

    Without SECURITY_CONTACT there is nobody to name, and the address
    answers 404 rather than point researchers at a made-up contact.
    """
    if not settings.SECURITY_CONTACT:
        raise Http404("No security contact is configured.")
    expires = settings.SECURITY_TXT_EXPIRES or (
        timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        + SECURITY_TXT_LIFETIME
    )
    lines = [f"Contact: {contact}" for contact in settings.SECURITY_CONTACT]
    lines.append(f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}")
    lines.append("Preferred-Languages: en")
    if request.is_secure():
        # The file may only name an https address as its canonical one.
        lines.append(f"Canonical: {site_url(request, request.path)}")
    return HttpResponse(
        "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
    )


def media(request: HttpRequest, path: str) -> HttpResponse:
    """An uploaded file, when Django serves them itself (DJANGO_SERVE_MEDIA),
    with the Cache-Control a bucket would give it."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = media_cache_control(path)
    return response
