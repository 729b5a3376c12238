"""CORS for the API: reads from any origin, writes from none.

A few lines rather than django-cors-headers: that package allows a set of
methods for every origin it lets in, while this rule depends on the method
(GET and HEAD from anywhere, nothing else from anywhere). Responses to GET
and HEAD under /api/ carry `Access-Control-Allow-Origin: *` and expose the
headers a conditional or paged read needs. A preflight is answered only for
GET and HEAD; for any other method it carries no CORS header, so browsers
refuse cross-origin writes. Tokens are never cookies, so `*` lends no
visitor's credentials to another site.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from api.errors import API_PREFIX

READ_METHODS = ("GET", "HEAD")
EXPOSED = "ETag, Last-Modified, Retry-After"
# Headers a cross-origin read may send: conditional requests and a token.
ALLOWED_HEADERS = "Authorization, If-None-Match, If-Modified-Since"
PREFLIGHT_MAX_AGE = "86400"


class ReadOnlyCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in (
            request.META
        ):
            response = HttpResponse(status=204)
            wanted = request.META["HTTP_ACCESS_CONTROL_REQUEST_METHOD"].upper()
            if wanted in READ_METHODS:
                response["Access-Control-Allow-Origin"] = "*"
                response["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
                response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
                response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
            return response
        response = self.get_response(request)
        if request.method in READ_METHODS:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = EXPOSED
        return response
