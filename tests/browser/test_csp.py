"""Every page Showroom serves works under its content security policy.

Chromium enforces the policy the site sends; the tests open each public
page, the account pages and the admin pages staff use, and fail on any
violation, whether Chromium reports it on the console or as a
`securitypolicyviolation` event in the page.
"""

import logging
from decimal import Decimal
from pathlib import Path

import pytest
import reversion
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.sites.models import Site
from reversion.models import Version

from accounts.models import User
from accounts.tests.factories import totp_code
from catalog.models import Category, Product
from catalog.tests.factories import make_category, make_image, make_product
from content.demo import demo_pages_fill
from content.models import Page
from content.tests.factories import add_text, make_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

# Git-ignored; CI keeps them as artifacts of the run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ADMIN = f"/{settings.DJANGO_ADMIN_URL}"
PASSWORD = "a-long-passphrase-42"

# Runs in every document before the page's own scripts, so it also sees
# violations raised while the page loads.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


class PolicyWatch:
    """Opens pages and gathers what Chromium says against the policy."""

    def __init__(self, page) -> None:
        self.page = page
        self.problems: list[str] = []
        # On the context, so that admin pop-ups are watched too.
        page.context.add_init_script(COLLECT_VIOLATIONS)
        self.watch(page)
        page.context.on("page", self.watch)

    def watch(self, page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"error: {error}"))

    def _console(self, page, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text:
            self.problems.append(f"{page.url}: {text}")

    def open(self, path: str, *, status: int = 200) -> None:
        """Open `path`, check its status and collect its violations."""
        response = self.page.goto(path, wait_until="networkidle")
        assert response.status == status, f"{path} answered {response.status}"
        assert "content-security-policy" in response.headers, path
        self.collect()

    def collect(self) -> None:
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self.problems.append(f"{self.page.url}: {violation}")
        self.page.evaluate("window.__cspViolations = []")


def _content_pages() -> list[Page]:
    # Transactional tests empty the tables, so the site the migrations made
    # may be gone: make it again. The about page gets every kind of block.
    Site.objects.clear_cache()
    Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": "localhost", "name": "Showroom"}
    )
    # The first transactional test still finds the migrations' pages.
    Page.objects.exclude(url_path="home").delete()
    about = make_page(title="About", slug="about")
    add_text(about, "**About** the shop.")
    demo_pages_fill()
    contact = make_page(title="Contact", slug="contact")
    add_text(contact, "**Contact** the shop.")
    return [about, contact, Page.objects.get(url_path="home")]


def _catalog():
    lighting = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=lighting)
    with reversion.create_revision():
        lamp = make_product(
            name="Brass Lamp",
            slug="brass-lamp",
            category=lamps,
            price=Decimal("45.00"),
            description="Hand-finished *brass*.",
        )
    make_image(product=lamp, size=(1280, 960))
    make_image(product=lamp, size=(800, 600))
    make_product(name="Paper Lantern", category=lamps, price=Decimal("25.00"))
    # Deleted after a version of it was saved: "recover deleted" lists it.
    with reversion.create_revision():
        gone = make_product(name="Withdrawn Chair", category=lighting)
    gone.delete()
    return lamp


def _user(email: str, **flags) -> User:
    if flags.get("is_superuser"):
        # Its address counts as verified already.
        return User.objects.create_superuser(email, PASSWORD)
    user = User.objects.create_user(email, PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def _sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.fill('input[name="login"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/profile/")


def test_public_pages_break_no_rule_of_the_policy(page):
    lamp = _catalog()
    content_pages = _content_pages()
    watch = PolicyWatch(page)

    for path in [
        "/",
        "/products/",
        "/products/?category=lighting&min_price=10&max_price=100&in_stock=on"
        "&sort=-price",
        "/categories/lighting/",
        "/categories/lighting/lamps/?sort=name",
        lamp.get_absolute_url(),
        "/search/?q=lamp",
        "/search/?q=zzzzqqq",
        *(content_page.get_absolute_url() for content_page in content_pages),
    ]:
        watch.open(path)
    watch.open("/no-such-page/", status=404)

    # Images below the fold load lazily: scroll them in, then look again.
    page.goto(lamp.get_absolute_url())
    page.mouse.wheel(0, 5000)
    page.wait_for_load_state("networkidle")
    watch.collect()
    assert page.locator(".gallery img, picture img").count() >= 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "csp-product.png", full_page=True)

    assert watch.problems == [], "\n".join(watch.problems)


def test_account_pages_break_no_rule_of_the_policy(page):
    lamp = _catalog()
    ada = _user("ada@example.com")
    watch = PolicyWatch(page)

    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        watch.open(path)
    _sign_in(page, "ada@example.com")
    watch.collect()

    page.goto(lamp.get_absolute_url())
    page.get_by_role("button", name="Save product").click()
    page.wait_for_url(f"**{lamp.get_absolute_url()}")
    watch.collect()
    for path in [
        "/accounts/profile/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/accounts/2fa/",
    ]:
        watch.open(path)
    # Setting up TOTP asks for the password again first.
    page.goto("/accounts/2fa/totp/activate/", wait_until="networkidle")
    page.wait_for_url("**/accounts/reauthenticate/**")
    watch.collect()
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    page.wait_for_load_state("networkidle")
    watch.collect()
    # Its QR code is a data: image; its text is the secret.
    qr_code = page.locator("img[src^='data:image/svg+xml']")
    assert qr_code.evaluate("image => image.naturalWidth") > 0
    page.fill('input[name="code"]', totp_code(qr_code.get_attribute("alt")))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/**")
    page.wait_for_load_state("networkidle")
    watch.collect()
    watch.open("/accounts/2fa/recovery-codes/")

    # An address change waiting for its confirmation.
    EmailAddress.objects.create(
        user=ada, email="ada@example.org", primary=False, verified=False
    )
    watch.open("/accounts/email/")
    # Its buttons post a hidden form, which still works.
    page.get_by_role("button", name="Re-send verification").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Confirmation email sent to ada@example.org").is_visible()
    watch.collect()

    # Signing in again asks for the code.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill('input[name="login"]', "ada@example.com")
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.wait_for_load_state("networkidle")
    watch.collect()

    assert watch.problems == [], "\n".join(watch.problems)


def test_admin_pages_break_no_rule_of_the_policy(page, settings, tmp_path):
    # Two-factor for staff has its own tests in accounts.
    settings.STAFF_MFA_REQUIRED = False
    lamp = _catalog()
    about = _content_pages()[0]
    staff = _user("staff@example.com", is_superuser=True)
    lighting = Category.objects.get(slug="lighting")
    version = Version.objects.get_for_object(lamp).first()
    deleted = Version.objects.get_deleted(Product).first()
    watch = PolicyWatch(page)

    _sign_in(page, "staff@example.com")
    for path in [
        ADMIN,
        f"{ADMIN}catalog/product/",
        f"{ADMIN}catalog/product/?status__exact=published&q=lamp",
        f"{ADMIN}catalog/product/{lamp.pk}/change/",
        f"{ADMIN}catalog/product/{lamp.pk}/history/",
        f"{ADMIN}catalog/product/recover/",
        f"{ADMIN}catalog/product/import/",
        f"{ADMIN}catalog/product/export/",
        f"{ADMIN}catalog/category/",
        f"{ADMIN}catalog/category/{lighting.pk}/change/",
        f"{ADMIN}content/page/",
        f"{ADMIN}content/page/{about.pk}/change/",
        f"{ADMIN}content/page/add/",
        f"{ADMIN}accounts/user/",
        f"{ADMIN}accounts/user/{staff.pk}/change/",
        f"{ADMIN}catalog/product/{lamp.pk}/history/{version.pk}/",
        f"{ADMIN}catalog/product/recover/{deleted.pk}/",
        f"{ADMIN}catalog/product/{lamp.pk}/delete/",
    ]:
        watch.open(path)

    # A bulk action with a form of its own.
    watch.open(f"{ADMIN}catalog/product/")
    page.locator("tr", has_text="Brass Lamp").locator(".action-select").check()
    page.select_option("select[name=action]", value="move_to_category")
    page.get_by_role("button", name="Go").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("1 product selected").is_visible()
    watch.collect()

    # An import shows what it would change before it is confirmed.
    rows = tmp_path / "products.csv"
    rows.write_text(
        "sku,name,slug,price,stock,category,status\n"
        "DESK-1,Desk Lamp,desk-lamp,30.00,2,lamps,draft\n"
    )
    watch.open(f"{ADMIN}catalog/product/import/")
    page.set_input_files("input[name=import_file]", str(rows))
    page.select_option("select[name=format]", label="csv")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="Confirm import").is_visible()
    page.screenshot(path=SCREENSHOTS / "csp-admin-import.png", full_page=True)
    watch.collect()

    watch.open(f"{ADMIN}catalog/product/{lamp.pk}/change/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "csp-admin-product.png", full_page=True)
    # The admin's stylesheets apply: the header has its coloured background.
    header = page.locator("#header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") not in (
        "rgba(0, 0, 0, 0)",
        "transparent",
    )
    share = page.get_by_role("button", name="Share preview")
    assert share.evaluate("e => getComputedStyle(e).cursor") == "pointer"

    # The admin's scripts run: the category autocomplete fetches its
    # choices, and the inline "add another image" row appears.
    watch.open(f"{ADMIN}catalog/product/add/")
    page.locator("#id_category + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("Lam")
    page.locator(".select2-results__option", has_text="Lamps").click()
    page.locator(".add-row a", has_text="Add another Product image").click()
    page.get_by_role("heading", name="Search engines").click()
    watch.collect()
    # The "+" beside the category adds one in a pop-up, which hands the new
    # category back to the form when saved.
    with page.expect_popup() as popup_info:
        page.locator("#add_id_category").click()
    popup = popup_info.value
    popup.wait_for_load_state("networkidle")
    popup.locator("#id_name").press_sequentially("Desks")
    assert popup.input_value("#id_slug") == "desks"
    # Listen before clicking: the pop-up may close before a later wait starts.
    with popup.expect_event("close"):
        popup.click("input[name='_save']")
    assert page.locator("#id_category option:checked").inner_text() == "Desks"
    watch.collect()

    # The export page's "select all" box works without its inline handler.
    watch.open(f"{ADMIN}catalog/product/export/")
    fields = page.locator(".selectable-field-export-row input[type=checkbox]")
    assert fields.count() > 1
    page.get_by_label("Select all").uncheck()
    assert not any(box.is_checked() for box in fields.all())
    page.get_by_label("Select all").check()
    assert all(box.is_checked() for box in fields.all())
    watch.collect()

    assert watch.problems == [], "\n".join(watch.problems)


def test_a_blocked_style_is_reported_by_the_browser_and_logged(page, caplog):
    caplog.set_level(logging.WARNING, logger="csp")
    page.goto("/")

    page.evaluate("document.body.setAttribute('style', 'background: red')")

    # The browser posts its report on its own: wait for it, a few seconds
    # at most.
    lines = []
    for _ in range(100):
        lines = [r.getMessage() for r in caplog.records if r.name == "csp"]
        if lines:
            break
        page.wait_for_timeout(100)
    assert len(lines) == 1
    assert lines[0].startswith(
        f"CSP violation: style-src-attr blocked inline on {page.url} at "
    )
