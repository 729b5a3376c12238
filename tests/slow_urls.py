"""The site's URLs plus `/slow/?seconds=N`, for the fault tests only."""

import logging
import time

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns

logger = logging.getLogger(__name__)

MAX_SECONDS = 10


def slow(request: HttpRequest) -> HttpResponse:
    """Answer after `seconds` (at most 10), logging when the request starts.

    The log line tells a test that a worker holds the request, so that a
    signal sent afterwards finds it in flight.
    """
    try:
        seconds = min(float(request.GET.get("seconds", "2")), MAX_SECONDS)
    except ValueError:
        return HttpResponse("seconds must be a number\n", status=400)
    tag = request.GET.get("tag", "")
    logger.info("slow request started tag=%s", tag)
    time.sleep(seconds)
    return HttpResponse(f"slept {seconds} tag={tag}\n", content_type="text/plain")


urlpatterns = [path("slow/", slow), *site_urlpatterns]
