"""A staff member edits the catalog in the admin and sees it on the site."""

from datetime import timedelta
from pathlib import Path
from pprint import pformat

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import User
from catalog.demo import demo_catalog_create, demo_image_bytes
from catalog.models import Product
from catalog.tests.factories import make_category, make_image, make_product

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


# How the admin looks: the pages Showroom customizes, at 1280 px, in the
# light and dark themes, checked with axe-core.

ROOT = Path(__file__).resolve().parents[2]
# Git-ignored; CI keeps them as artifacts of the run.
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
CHANGELIST = f"{ADMIN}catalog/product/"


@pytest.fixture
def staff_context(browser, live_server, settings):
    """Open browser contexts signed in as a superuser, closed afterwards.

    The session is made with Django's test client, so these tests do not
    depend on the sign-in page's wording (tested above and in accounts).
    """
    settings.STAFF_MFA_REQUIRED = False
    user = User.objects.create_superuser("boss@example.com", "a-long-password-1")
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    contexts = []

    def open_context(**options):
        context = browser.new_context(
            base_url=live_server.url, viewport=DESKTOP, **options
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


# What makes two buttons look alike, read from the computed styles.
LOOK = [
    "font-family",
    "font-size",
    "font-weight",
    "line-height",
    "letter-spacing",
    "text-transform",
    "color",
    "background-color",
    "border-top-width",
    "border-radius",
    "padding-top",
    "padding-bottom",
    "padding-left",
]


def _look(locator) -> dict[str, str]:
    return locator.evaluate(
        "(element, names) => Object.fromEntries(names.map("
        "name => [name, getComputedStyle(element).getPropertyValue(name)]))",
        LOOK,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_share_preview_button_looks_like_the_object_tool_links_beside_it(
    staff_context, scheme
):
    product = make_product(name="Brass Lamp")
    page = staff_context(color_scheme=scheme).new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{ADMIN}catalog/product/{product.pk}/change/")

    button = page.get_by_role("button", name="Share preview")
    history = page.locator(".object-tools a.historylink")
    assert _look(button) == _look(history)
    button_box, history_box = button.bounding_box(), history.bounding_box()
    assert (button_box["y"], button_box["height"]) == (
        history_box["y"],
        history_box["height"],
    )
    # The theme really is the one asked for: the page behind is dark or not.
    body = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (body == "rgb(255, 255, 255)") == (scheme == "light")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".object-tools").screenshot(
        path=SCREENSHOTS / f"admin-object-tools-{scheme}.png"
    )


def test_product_list_with_demo_data_fits_1280_px(staff_context):
    demo_catalog_create(products=24)
    now = timezone.now()
    first, second = Product.objects.order_by("pk")[:2]
    Product.objects.filter(pk=first.pk).update(publish_at=now + timedelta(days=30))
    Product.objects.filter(pk=second.pk).update(unpublish_at=now - timedelta(days=1))
    page = staff_context().new_page()
    page.set_default_timeout(10_000)

    page.goto(CHANGELIST)

    results = page.locator("#changelist .results")
    scroll_width, client_width = results.evaluate(
        "element => [element.scrollWidth, element.clientWidth]"
    )
    assert scroll_width <= client_width, (
        f"the list is {scroll_width} px wide in {client_width} px"
    )
    last_column = page.locator("#result_list thead th").last
    assert last_column.inner_text().strip().lower() == "updated"
    right_edge = last_column.bounding_box()["x"] + last_column.bounding_box()["width"]
    results_box = results.bounding_box()
    assert right_edge <= results_box["x"] + results_box["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    row = page.locator("#result_list tbody tr", has_text=first.sku)
    status = " ".join(row.locator(".field-publication").inner_text().split())
    assert status.startswith("Scheduled from ")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-product-list-1280.png")


def test_category_autocomplete_shows_full_paths_in_the_browser(staff_context):
    lighting = make_category(name="Lighting")
    outdoor = make_category(name="Outdoor")
    make_category(name="Lamps", parent=lighting)
    make_category(name="Lamps", parent=outdoor)
    page = staff_context().new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{ADMIN}catalog/product/add/")
    page.locator("#id_category + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("Lamps")

    options = page.locator(".select2-results__option", has_text="Lamps")
    options.first.wait_for()
    assert options.all_inner_texts() == [
        "Lighting \u203a Lamps",
        "Outdoor \u203a Lamps",
    ]
    page.screenshot(path=SCREENSHOTS / "admin-category-autocomplete.png")


def _axe_violations(page, path: str) -> set[tuple[str, str]]:
    """(rule, element) for each axe-core violation on the page at `path`."""
    if path:
        page.goto(path)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']}))"
        ".violations.map(v => [v.id, v.nodes.map(n => n.target.join(' '))])"
    )
    return {(rule, target) for rule, targets in violations for target in targets}


def _plain(path: str) -> str:
    """The same page in Django's stock admin (tests/browser/plain_admin_urls)."""
    path = path.replace(ADMIN, "/plain-admin/", 1)
    return path.replace("accounts/useremailaddress/", "account/emailaddress/")


def _own_violations(page, path: str) -> list[tuple[str, str]]:
    """What axe finds on Showroom's page at `path` and not on the stock one."""
    return sorted(_axe_violations(page, path) - _axe_violations(page, _plain(path)))


def test_customized_admin_pages_add_no_axe_violations_of_their_own(
    staff_context, settings
):
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run `npm ci` (make test does)")
    settings.ROOT_URLCONF = "tests.browser.plain_admin_urls"
    lighting = make_category(name="Lighting")
    lamps = make_category(name="Lamps", parent=lighting)
    product = make_product(name="Brass Lamp", category=lamps)
    make_image(product=product)
    make_product(name="Arc Lamp", publish_at=timezone.now() + timedelta(days=30))
    product_pages = [
        CHANGELIST,
        f"{CHANGELIST}?publication=scheduled",
        f"{CHANGELIST}{product.pk}/change/",
        f"{CHANGELIST}add/",
    ]
    other_pages = [
        ADMIN,
        f"{ADMIN}catalog/category/",
        f"{ADMIN}catalog/category/{lamps.pk}/change/",
        f"{ADMIN}accounts/useremailaddress/",
    ]
    light = staff_context(bypass_csp=True).new_page()
    dark = staff_context(bypass_csp=True, color_scheme="dark").new_page()
    found = {}

    for path in product_pages + other_pages:
        found[path] = _own_violations(light, path)
    # admin.css styles the product pages; its colours are checked in the
    # dark theme too.
    for path in product_pages:
        found[f"{path} (dark)"] = _own_violations(dark, path)
    # These have no stock counterpart: all they show is Showroom's.
    found["export"] = sorted(_axe_violations(light, f"{CHANGELIST}export/"))
    light.goto(CHANGELIST)
    light.locator(f"input.action-select[value='{product.pk}']").check()
    light.select_option("select[name='action']", "move_to_category")
    light.get_by_role("button", name="Go").click()
    light.get_by_role("button", name="Move products").wait_for()
    found["move action"] = sorted(_axe_violations(light, ""))

    own = {page: violations for page, violations in found.items() if violations}
    assert not own, "axe violations of Showroom's own:\n" + pformat(own, width=88)
