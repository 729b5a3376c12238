"""The API's documentation page works under the site's policy."""

import pytest

from tests.browser.test_csp import SCREENSHOTS, PolicyWatch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_api_docs_render_every_endpoint_with_the_sites_own_assets(
    page, live_server
):
    """Swagger UI loads from the site's static files, reads /api/schema/, and
    lists the endpoints, with nothing refused by the content security
    policy."""
    watch = PolicyWatch(page)
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:"))
            else None
        ),
    )
    watch.open("/api/docs/")
    page.wait_for_selector(".opblock", timeout=10_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/changes/" in path for path in paths)
    assert any("/api/v1/products/{slug}/" in path for path in paths)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "api-docs.png", full_page=False)
    watch.collect()
    assert watch.problems == []
    assert outside == []
