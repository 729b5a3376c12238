"""Browsers' reports of blocked content are logged, within limits."""

import json
import logging

import pytest
from django.urls import reverse

from config.cspreport import REPORTS_PER_MINUTE

URL = reverse("csp-report")

REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "https://shop.example.com/products/lamp/?preview=secret",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "blocked-uri": "inline",
        "source-file": "https://shop.example.com/static/admin/js/x.js",
        "line-number": 12,
    }
}
REPORTING_API_BODY = [
    {
        "type": "csp-violation",
        "body": {
            "documentURL": "https://shop.example.com/",
            "effectiveDirective": "img-src",
            "blockedURL": "https://tracker.example.net/pixel.gif?id=1",
            "sourceFile": "",
            "lineNumber": 0,
        },
    },
    {"type": "deprecation", "body": {"id": "something-old"}},
]


def _post(client, body, *, content_type="application/csp-report", **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type=content_type, **extra)


@pytest.fixture
def csp_lines(caplog):
    """The lines the report view logged, as they read."""
    caplog.set_level(logging.WARNING, logger="csp")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "csp"]


def test_the_policy_names_the_report_address(client, db):
    response = client.get("/robots.txt")

    assert f"report-uri {URL}" in response["Content-Security-Policy"]


def test_a_report_is_logged_without_query_strings(client, csp_lines):
    response = _post(client, REPORT_URI_BODY)

    assert response.status_code == 204
    assert csp_lines() == [
        "CSP violation: style-src-attr blocked inline on "
        "https://shop.example.com/products/lamp/ at "
        "https://shop.example.com/static/admin/js/x.js:12"
    ]


def test_reporting_api_batches_log_their_csp_violations_only(client, csp_lines):
    response = _post(
        client, REPORTING_API_BODY, content_type="application/reports+json"
    )

    assert response.status_code == 204
    assert csp_lines() == [
        "CSP violation: img-src blocked https://tracker.example.net/pixel.gif "
        "on https://shop.example.com/ at -:0"
    ]


@pytest.mark.parametrize(
    "body", ["not json", "[1, 2]", '{"other": 1}', '"text"', '{"csp-report": 5}']
)
def test_a_malformed_report_gets_a_clear_400(client, csp_lines, body):
    response = _post(client, body)

    assert response.status_code == 400
    assert response.content == b"Send a JSON content security policy report."
    assert csp_lines() == []


def test_a_large_report_is_refused_unread(client, csp_lines):
    body = {"csp-report": {"blocked-uri": "x" * 20_000}}

    response = _post(client, body)

    assert response.status_code == 413
    assert csp_lines() == []


def test_only_post_is_accepted(client, db):
    assert client.get(URL).status_code == 405


def test_one_address_is_limited_per_minute_without_silencing_others(
    client, csp_lines, monkeypatch
):
    # All within one minute, whatever the clock says.
    monkeypatch.setattr("config.cspreport.time.time", lambda: 1_800_000_000.0)
    for _ in range(REPORTS_PER_MINUTE):
        response = _post(client, REPORT_URI_BODY, REMOTE_ADDR="203.0.113.5")
        assert response.status_code == 204

    refused = _post(client, REPORT_URI_BODY, REMOTE_ADDR="203.0.113.5")
    other = _post(client, REPORT_URI_BODY, REMOTE_ADDR="198.51.100.7")

    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert other.status_code == 204
    assert len(csp_lines()) == REPORTS_PER_MINUTE + 1
