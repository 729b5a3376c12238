"""Site-wide request checks, and compression of text answers."""

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

# Formats worth compressing; images and archives are compressed already.
TEXT_TYPES = ("text/", "application/json", "application/xml", "image/svg+xml")


class NulInPath(SuspiciousOperation):
    """An address with a NUL character, which no page of the site can have."""


class RejectNulInPathMiddleware:
    """Answer 400 to addresses holding a NUL character.

    PostgreSQL refuses NUL in text, so such a path would reach a query in
    any view that looks the address up (categories, flat pages) and end as a
    server error instead of the visitor's mistake.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            # SuspiciousOperation becomes Django's styled 400 page.
            raise NulInPath("NUL character in the requested address")
        return self.get_response(request)


class GZipTextMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its random padding against BREACH),
    for text only.

    It would compress anything of 200 bytes or more, so uploads served by
    Django (DJANGO_SERVE_MEDIA) and the admin's file downloads would be
    compressed again on every request for nothing.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponse
    ) -> HttpResponse:
        if not response.get("Content-Type", "").startswith(TEXT_TYPES):
            return response
        return super().process_response(request, response)
