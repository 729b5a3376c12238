"""Every API error as JSON of one shape, never an HTML page.

    {"status": 400, "code": "invalid", "detail": "…", "fields": {"price": ["…"]}}

`fields` appears with 400s about particular fields only. The site's own
400 and 404 views hand requests under /api/ to these functions, so an
unknown address or a NUL in the path answers JSON too.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The product changed since you read it (If-Match does not match its "
        "ETag). Read it again and repeat the change."
    )
    default_code = "precondition_failed"


def _error_body(status_code: int, code: str, detail: str, fields=None) -> dict:
    body = {"status": status_code, "code": code, "detail": detail}
    if fields:
        body["fields"] = fields
    return body


def exception_handler(exc, context):
    """DRF's handler (headers such as Retry-After and WWW-Authenticate),
    with the body in the API's shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = _error_body(
            response.status_code,
            "invalid",
            "The request is not valid; see `fields`.",
            fields,
        )
        return response
    detail = getattr(exc, "detail", str(exc))
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    response.data = _error_body(
        response.status_code,
        codes if isinstance(codes, str) else "error",
        str(detail),
    )
    return response


def bad_request(request: HttpRequest, exception=None, **kwargs):
    """The site's 400 view: JSON under /api/."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            _error_body(400, "bad_request", "The request is not valid."), status=400
        )
    return defaults.bad_request(request, exception, **kwargs)


def page_not_found(request: HttpRequest, exception=None, **kwargs):
    """The site's 404 view: JSON under /api/."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            _error_body(404, "not_found", "Nothing is at this address."), status=404
        )
    return defaults.page_not_found(request, exception, **kwargs)


def page_not_found_view(request: HttpRequest) -> JsonResponse:
    """Addresses under /api/ that name no endpoint."""
    return page_not_found(request)
