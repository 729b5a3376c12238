"""Where browsers report what the content security policy blocked.

The policy's `report-uri` names this view. Each violation becomes one log
line, so a page that a change broke shows up in the log before anyone
writes in. Browsers post without a CSRF token and anyone can post here, so
reports are small, rate-limited per client address and only ever logged.
"""

import json
import logging
import time
from urllib.parse import urlsplit, urlunsplit

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.network import client_ip

logger = logging.getLogger("csp")

MAX_REPORT_BYTES = 16 * 1024
REPORTS_PER_MINUTE = 30
# Longest value written to the log from a report's field.
MAX_FIELD = 200


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log the violations in a browser's report; answer 204.

    Accepts both formats browsers send: `report-uri`'s
    {"csp-report": {...}} and the Reporting API's list of reports.
    """
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_REPORT_BYTES:
        return _plain(413, "A report is at most 16 KB.")
    if not _within_rate(client_ip(request)):
        response = _plain(429, "Too many reports; try again in a minute.")
        response["Retry-After"] = "60"
        return response
    try:
        violations = _violations(json.loads(request.body))
    except (ValueError, TypeError, KeyError, AttributeError):
        return _plain(400, "Send a JSON content security policy report.")
    for violation in violations:
        logger.warning(
            "CSP violation: %s blocked %s on %s at %s:%s",
            _field(violation, "effective-directive", "effectiveDirective")
            or _field(violation, "violated-directive"),
            _address(_field(violation, "blocked-uri", "blockedURL")),
            _address(_field(violation, "document-uri", "documentURL")),
            _address(_field(violation, "source-file", "sourceFile")),
            _field(violation, "line-number", "lineNumber"),
        )
    return HttpResponse(status=204)


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain")


def _within_rate(address: str) -> bool:
    """Count a report from `address`; False past the limit for this minute."""
    key = f"csp-report:{address}:{int(time.time() // 60)}"
    if cache.add(key, 1, timeout=60):
        return True
    try:
        return cache.incr(key) <= REPORTS_PER_MINUTE
    except ValueError:
        # The key expired between the two calls: a new minute began.
        cache.set(key, 1, timeout=60)
        return True


def _violations(payload) -> list[dict]:
    if isinstance(payload, dict):
        return [dict(payload["csp-report"])]
    return [
        dict(report["body"])
        for report in payload
        if report.get("type") == "csp-violation"
    ]


def _field(violation: dict, *names: str) -> str:
    for name in names:
        if violation.get(name) not in (None, ""):
            return str(violation[name])[:MAX_FIELD]
    return ""


def _address(value: str) -> str:
    """The value without query and fragment, where secrets would travel."""
    parts = urlsplit(value)
    if not parts.scheme or not parts.netloc:
        return value or "-"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
