from decimal import Decimal
from pathlib import Path

import pytest

from catalog.tests.factories import make_category, make_image, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Git-ignored; CI keeps them as artifacts of the run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}


def _catalog():
    lighting = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=lighting)
    for name, price in [
        ("Brass Lamp", "45.00"),
        ("Arc Floor Lamp", "320.00"),
        ("Paper Lantern", "25.00"),
    ]:
        product = make_product(
            name=name,
            category=lamps,
            price=Decimal(price),
            summary=f"{name} for reading corners.",
            description="Hand-finished.",
        )
        make_image(product=product, size=(1280, 960))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_visitor_browses_filters_opens_a_product_and_searches(page, viewport):
    _catalog()
    width, height = VIEWPORTS[viewport]
    page.set_viewport_size({"width": width, "height": height})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto("/")
    page.screenshot(path=SCREENSHOTS / f"home-{viewport}.png", full_page=True)
    page.get_by_role("link", name="Lighting").first.click()
    page.wait_for_url("**/categories/lighting/")
    assert page.get_by_role("heading", level=1).inner_text() == "Lighting"

    page.get_by_text("Filter and sort").click()
    page.get_by_label("From").fill("100")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**min_price=100**")
    cards = page.locator(".card-title")
    assert cards.all_inner_texts() == ["Arc Floor Lamp"]
    page.screenshot(path=SCREENSHOTS / f"category-{viewport}.png", full_page=True)

    cards.first.click()
    page.wait_for_url("**/products/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Arc Floor Lamp"
    assert page.get_by_text("320.00 EUR").first.is_visible()
    assert page.get_by_role("navigation", name="Breadcrumb").is_visible()
    page.screenshot(path=SCREENSHOTS / f"product-{viewport}.png", full_page=True)

    page.get_by_label("Search products").fill("lantern")
    page.get_by_label("Search products").press("Enter")
    page.wait_for_url("**/search/?q=lantern")
    assert page.locator(".card-title mark").inner_text().lower() == "lantern"
    page.get_by_role("link", name="Paper Lantern").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Paper Lantern"
    page.screenshot(path=SCREENSHOTS / f"search-result-{viewport}.png", full_page=True)
