"""Site-wide request checks."""

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse


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
