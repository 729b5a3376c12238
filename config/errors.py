"""Error views Django's defaults do not cover: the 500 page and CSRF failures.

Django's own 400, 403 and 404 views render with the request's context, so
their pages get the request id from `config.requestid.request_id`.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponseForbidden, HttpResponseServerError
from django.template.loader import render_to_string

from config.requestid import current_request_id


def server_error(request: HttpRequest) -> HttpResponseServerError:
    """Show the styled 500 page with the request id and nothing internal.

    The page renders without the request's context processors, because the
    error may come from the database or the cache they would use.
    """
    context = {
        "request_id": getattr(request, "request_id", current_request_id()),
        "site_name": settings.SITE_NAME,
    }
    return HttpResponseServerError(render_to_string("500.html", context))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponseForbidden:
    """Show the 403 page with a hint at what to do when a form's check fails.

    The reason names Django's check ("CSRF token missing"); it is logged by
    Django and means nothing to a visitor, so the page leaves it out.
    """
    return HttpResponseForbidden(
        render_to_string("403.html", {"csrf_failure": True}, request=request)
    )
