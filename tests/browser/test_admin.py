"""A staff member edits the catalog in the admin and sees it on the site."""

import pytest
from django.conf import settings

from accounts.models import User
from catalog.demo import demo_image_bytes
from catalog.tests.factories import make_category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = f"/{settings.DJANGO_ADMIN_URL}"


def admin_login(page, *, email: str, password: str) -> None:
    """Sign in as staff: the admin sends people to the site's sign-in page."""
    page.goto(ADMIN)
    page.wait_for_url("**/accounts/login/**")
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{ADMIN}")


def test_staff_creates_publishes_reprices_and_reverts_a_product(
    page, tmp_path, settings
):
    # Two-factor for staff has its own tests in accounts.
    settings.STAFF_MFA_REQUIRED = False
    User.objects.create_superuser("staff@example.com", "a-long-password-1")
    make_category(name="Lighting", slug="lighting")
    photo = tmp_path / "lamp.jpg"
    photo.write_bytes(demo_image_bytes(seed=3, size=(800, 600)))

    admin_login(page, email="staff@example.com", password="a-long-password-1")

    page.goto(f"{ADMIN}catalog/product/add/")
    page.locator("#id_name").press_sequentially("Brass Lamp")
    assert page.input_value("#id_slug") == "brass-lamp"
    page.fill("#id_sku", "LAMP-100")
    page.locator("#id_category + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("Ligh")
    page.locator(".select2-results__option", has_text="Lighting").click()
    page.fill("#id_price", "120.00")
    page.fill("#id_stock", "4")
    page.select_option("#id_status", "published")
    page.set_input_files("input[name='images-0-image']", str(photo))
    page.fill("input[name='images-0-alt_text']", "Brass lamp on a desk")
    page.click("input[name='_save']")
    page.wait_for_url(f"**{ADMIN}catalog/product/")
    assert page.get_by_role("link", name="Brass Lamp").first.is_visible()

    page.goto("/products/")
    page.get_by_role("link", name="Brass Lamp").first.click()
    page.wait_for_url("**/products/brass-lamp/")
    assert "120.00" in page.locator(".price").inner_text()
    assert page.get_by_role("img", name="Brass lamp on a desk").is_visible()

    page.goto(f"{ADMIN}catalog/product/")
    page.get_by_role("link", name="Brass Lamp").first.click()
    page.fill("#id_price", "150.00")
    page.click("input[name='_save']")
    page.wait_for_url(f"**{ADMIN}catalog/product/")
    page.goto("/products/brass-lamp/")
    assert "150.00" in page.locator(".price").inner_text()

    page.goto(f"{ADMIN}catalog/product/")
    page.get_by_role("link", name="Brass Lamp").first.click()
    page.get_by_role("link", name="History").click()
    # The entry made when the product was added holds it at 120.00.
    page.locator("#change-history tbody tr", has_text="Added").locator(
        "a"
    ).first.click()
    assert page.input_value("#id_price") == "120.00"
    page.click("input[name='_save']")
    page.wait_for_url(f"**{ADMIN}catalog/product/")

    page.goto("/products/brass-lamp/")
    assert "120.00" in page.locator(".price").inner_text()
