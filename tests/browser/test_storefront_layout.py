"""The storefront's layout at phone and desktop widths.

What matters is on the first screen (the price on a product page, the
first products on a list), a phone shows two cards a row, the "Filter and
sort" panel is open only when a filter applies, and the product gallery's
thumbnails switch the photo with and without JavaScript. Screenshots go to
test-artifacts/screenshots/ to be looked at.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from catalog.tests.factories import make_category, make_image, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Git-ignored; CI keeps them as artifacts of the run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.fixture(params=VIEWPORTS)
def viewport(request, page):
    width, height = VIEWPORTS[request.param]
    page.set_viewport_size({"width": width, "height": height})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return request.param


@pytest.fixture
def no_script_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _lamps(count: int = 6):
    lighting = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=lighting)
    products = []
    for number in range(count):
        product = make_product(
            name=f"Brass Lamp {number + 1}",
            slug=f"brass-lamp-{number + 1}",
            category=lamps,
            price=Decimal(40 + 10 * number),
            summary="A lamp for reading corners.",
            description="Hand-finished brass.\n\n" + "A paragraph. " * 80,
        )
        make_image(product=product, size=(1280, 960))
        products.append(product)
    return products


def _with_photos(product, count: int = 3) -> None:
    """Give `product` more photos, each with its own alt text."""
    for number in range(2, count + 1):
        make_image(
            product=product, size=(1280, 960), seed=number, alt_text=f"Photo {number}"
        )


def _within_first_screen(page, locator) -> bool:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not displayed"
    return box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def test_product_page_shows_name_price_stock_and_save_on_the_first_screen(
    page, viewport
):
    product = _lamps(1)[0]
    _with_photos(product)

    page.goto(product.get_absolute_url())

    for part in ["h1", ".product-buy .price", ".product-buy .stock", ".save-product"]:
        assert _within_first_screen(page, page.locator(part)), (
            f"{part} is below the first screen at {viewport}"
        )
    # The photo shown first is the first one; the others wait for a choice.
    assert page.locator(".gallery-photo img:visible").count() == 1
    page.screenshot(path=SCREENSHOTS / f"layout-product-{viewport}.png")
    page.screenshot(
        path=SCREENSHOTS / f"layout-product-{viewport}-full.png", full_page=True
    )


def test_a_list_shows_its_first_products_on_the_first_screen(page, viewport):
    _lamps(6)

    page.goto("/products/")

    cards = page.locator(".card")
    assert _within_first_screen(page, cards.first), (
        f"the first card is below the first screen at {viewport}"
    )
    first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
    assert first["y"] == second["y"], "the first two cards are not on one row"
    if viewport == "phone":
        third = cards.nth(2).bounding_box()
        assert third["y"] > first["y"], "a phone row holds more than two cards"
    page.screenshot(path=SCREENSHOTS / f"layout-list-{viewport}.png")


def test_the_filter_panel_is_closed_without_filters_and_open_with_one(page, viewport):
    _lamps(3)

    for path in ["/products/", "/categories/lighting/", "/search/?q=lamp"]:
        page.goto(path)
        panel = page.locator("details.filter-panel")
        assert not panel.evaluate("details => details.open"), path
        assert not page.get_by_label("Sort by").is_visible(), path

    page.goto("/categories/lighting/")
    page.get_by_text("Filter and sort").click()
    page.get_by_label("In stock only").check()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/categories/lighting/?*in_stock=1*")
    assert page.locator("details.filter-panel").evaluate("details => details.open")
    assert page.get_by_label("In stock only").is_checked()
    page.screenshot(path=SCREENSHOTS / f"layout-category-filtered-{viewport}.png")

    page.goto("/search/?q=lamp&sort=-price")
    assert page.locator("details.filter-panel").evaluate("details => details.open")


def _shown_photo(page) -> str:
    return page.locator(".gallery-photo img:visible").get_attribute("alt")


def _switch_photos(page) -> None:
    """Choose each thumbnail by mouse and by keyboard; one photo shows."""
    assert _shown_photo(page) == "Brass Lamp 1 photo"
    page.locator(".gallery-thumb").nth(1).click()
    assert _shown_photo(page) == "Photo 2"
    assert page.get_by_role("radio", name="Photo 2 of 3").is_checked()
    page.keyboard.press("ArrowRight")
    assert _shown_photo(page) == "Photo 3"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.get_by_role("radio", name="Photo 1 of 3").is_checked()
    assert _shown_photo(page) == "Brass Lamp 1 photo"


def test_gallery_thumbnails_switch_the_photo_with_javascript(page, viewport):
    product = _lamps(1)[0]
    _with_photos(product)

    page.goto(product.get_absolute_url())
    _switch_photos(page)
    page.locator(".gallery-thumb").nth(2).click()
    page.screenshot(path=SCREENSHOTS / f"layout-gallery-third-{viewport}.png")


def test_gallery_thumbnails_switch_the_photo_without_javascript(no_script_page):
    product = _lamps(1)[0]
    _with_photos(product)

    no_script_page.goto(product.get_absolute_url())
    _switch_photos(no_script_page)
