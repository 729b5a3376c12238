"""Request ids: one per request, on the response, the error pages and the logs.

A visitor who reports an error page can quote the id it shows, and the
operator finds the log lines of that very request by searching for
`request_id=<id>`.
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

HEADER = "X-Request-ID"
# What a log line shows for records made outside any request (commands,
# start-up, gunicorn's own messages).
NO_REQUEST = "-"

# nginx's $request_id (32 hex digits) and UUIDs in either spelling fit; the
# id ends up in log lines and pages, so nothing else is let through.
_TRUSTED_ID = re.compile(r"[0-9A-Za-z-]{16,64}")

_current: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """Return the id of the request being handled, or "-" outside requests."""
    return _current.get()


def _new_request_id(request: HttpRequest) -> str:
    if settings.REQUEST_ID_FROM_PROXY:
        sent = request.headers.get(HEADER, "")
        if _TRUSTED_ID.fullmatch(sent):
            return sent
    return uuid.uuid4().hex


def _forget_request_id(**kwargs: object) -> None:
    _current.set(NO_REQUEST)


# Django logs an error response ("Not Found: /x") only after the middleware
# chain has returned, so the id must outlive the middleware call; it is
# forgotten once the response is closed, which is when Django sends this.
request_finished.connect(_forget_request_id, dispatch_uid="config.requestid")


class RequestIdMiddleware:
    """Give each request an id and send it back in the X-Request-ID header.

    The id is random unless REQUEST_ID_FROM_PROXY is on, where a well-formed
    id sent by the proxy in front of the site is kept, so that the proxy's
    log lines and the site's share it. The middleware also turns Django's
    empty 405 answers into the styled 405 page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = _new_request_id(request)
        _current.set(request.request_id)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        if response.status_code == 405 and _is_empty(response):
            _render_method_not_allowed(request, response)
        return response


def _is_empty(response: HttpResponse) -> bool:
    return not response.streaming and not response.content


def _render_method_not_allowed(request: HttpRequest, response: HttpResponse) -> None:
    # The body is filled in on the response Django made, instead of a new
    # one, so that its Allow header stays and Django does not log it twice.
    response.content = render_to_string(
        "405.html", {"method": request.method}, request=request
    )
    response["Content-Type"] = "text/html; charset=utf-8"


class RequestIdFilter(logging.Filter):
    """Stamp each log record with the id of the request it was made in."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


def request_id(request: HttpRequest) -> dict[str, str]:
    """Template context processor: the request's id for the error pages."""
    return {"request_id": getattr(request, "request_id", current_request_id())}
