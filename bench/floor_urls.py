"""The site's URLs plus `/floor/`, the cheapest page Django can serve.

The floor's rate is what the site's pages are measured against: whatever
they cost above it is the site's own work, not gunicorn's or the
middleware's.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler429, handler500
from config.urls import urlpatterns as site_urlpatterns

__all__ = ["handler429", "handler500", "urlpatterns"]


def floor(request: HttpRequest) -> HttpResponse:
    """A few bytes, or `?bytes=N` of them (at most 1 MB): the floor with a
    body the size of a page, to tell what sending a page costs by itself."""
    try:
        size = min(int(request.GET.get("bytes", "")), 1_000_000)
    except ValueError:
        return HttpResponse("floor\n", content_type="text/plain")
    return HttpResponse(b"f" * max(size, 0), content_type="text/plain")


# First, so that resolving it costs one match; every other page pays for
# one failed match more than on the site, a fraction of a microsecond.
urlpatterns = [path("floor/", floor), *site_urlpatterns]
