"""Staff compare two versions of a product in its history and restore one."""

from decimal import Decimal
from pathlib import Path

import pytest
import reversion
from django.conf import settings
from django.test import Client

from accounts.models import User
from catalog.models import Product, ProductImage
from catalog.tests.factories import make_image, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = f"/{settings.DJANGO_ADMIN_URL}"
# Git-ignored; CI keeps them as artifacts of the run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _record(product: Product, comment: str) -> None:
    with reversion.create_revision():
        reversion.set_comment(comment)
        reversion.add_to_revision(Product.objects.get(pk=product.pk))


def _overflow(page) -> int:
    """How many pixels the page is wider than the window."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_staff_compare_two_versions_and_restore_the_older(
    browser, live_server, settings
):
    settings.STAFF_MFA_REQUIRED = False
    product = make_product(
        name="Oak Desk",
        price=Decimal("100.00"),
        description="A solid oak desk with two drawers and brass handles.",
    )
    front = make_image(product=product, position=1, alt_text="Front", size=(400, 300))
    make_image(product=product, position=2, alt_text="Side", seed=2, size=(400, 300))
    back = make_image(
        product=product, position=3, alt_text="Back", seed=3, size=(400, 300)
    )
    _record(product, "Added.")
    Product.objects.filter(pk=product.pk).update(
        price=Decimal("150.00"),
        description="A solid walnut desk with three drawers and brass handles.",
    )
    ProductImage.objects.filter(pk=front.pk).update(position=4)
    back.delete()
    make_image(product=product, position=5, alt_text="Top", seed=4, size=(400, 300))
    _record(product, "Walnut, new photos.")

    user = User.objects.create_superuser("boss@example.com", "a-long-password-1")
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{ADMIN}catalog/product/{product.pk}/change/")
        page.get_by_role("link", name="History").click()
        page.screenshot(path=SCREENSHOTS / "admin-version-history-1280.png")
        # The first version against the product as it is now.
        page.locator("#change-history tbody tr", has_text="Added.").get_by_role(
            "radio", name="Compare from"
        ).check()
        assert page.get_by_role(
            "radio", name="Compare to the current version"
        ).is_checked()
        page.get_by_role("button", name="Compare").click()

        page.wait_for_url("**/history/compare/**")
        fields = page.locator(".version-fields")
        assert fields.locator("del", has_text="oak").is_visible()
        assert fields.locator("ins", has_text="walnut").is_visible()
        assert fields.locator("ins", has_text="150.00").is_visible()
        rows = page.locator(".version-parts tbody tr")
        assert [
            " ".join(text.split()[:1])
            for text in rows.locator(".version-status").all_inner_texts()
        ] == [
            "UNCHANGED",
            "REMOVED",
            "MOVED",
            "ADDED",
        ]
        thumbnail = rows.nth(3).locator("img.version-thumbnail")
        assert thumbnail.evaluate("image => image.complete && image.naturalWidth > 0")
        assert _overflow(page) <= 0
        page.screenshot(
            path=SCREENSHOTS / "admin-version-compare-1280.png", full_page=True
        )

        page.set_viewport_size({"width": 390, "height": 844})
        assert _overflow(page) <= 0
        page.screenshot(
            path=SCREENSHOTS / "admin-version-compare-390.png", full_page=True
        )
        page.goto(f"{ADMIN}catalog/product/{product.pk}/history/")
        assert _overflow(page) <= 0
        page.screenshot(
            path=SCREENSHOTS / "admin-version-history-390.png", full_page=True
        )
        page.go_back()

        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_role("link", name="Restore this version").click()
        assert page.input_value("#id_price") == "100.00"
        page.click("input[name='_save']")
        page.wait_for_url(f"**{ADMIN}catalog/product/")
    finally:
        context.close()

    product.refresh_from_db()
    assert product.price == Decimal("100.00")
    assert sorted(product.images.values_list("alt_text", flat=True)) == [
        "Back",
        "Front",
        "Side",
    ]
