"""Playwright driving the system Chromium against pytest-django's live server.

`playwright install` cannot download browsers here, so the tests use the
Debian package (`/usr/bin/chromium`, or CHROMIUM_PATH). Without it they skip,
unless REQUIRE_BROWSER=1, where a missing browser fails the run. The
session's browser (`browser`) is in tests/conftest.py, shared with the
two-server test: Playwright's sync API runs one event loop per thread.
"""

import pytest


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
