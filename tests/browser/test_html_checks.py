"""Every public and account page is valid HTML and has no axe violations.

Each page is opened through the live server at phone and desktop widths.
The HTML the server sent goes to the Nu Html Checker in one run, and
axe-core checks the page as the browser shows it at each width. The admin
pages Showroom customizes may show only the violations Django's own admin
pages show.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
import reversion
from django.conf import settings
from django.contrib.sites.models import Site
from django.test import Client
from reversion.models import Version

from accounts import services as account_services
from accounts.tests.factories import make_user
from catalog.tests.factories import make_category, make_image, make_product
from content.demo import demo_pages_fill
from content.models import Page
from content.tests.factories import add_text, make_page
from tests.browser.checkers import (
    axe_violations,
    describe_violations,
    require_axe,
    require_vnu,
    vnu_errors,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}
# Git-ignored; CI keeps them as artifacts of the run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ADMIN = f"/{settings.DJANGO_ADMIN_URL}"


def _catalog():
    lighting = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=lighting)
    products = []
    for number, (name, price) in enumerate(
        [
            ("Brass Lamp", "45.00"),
            ("Arc Floor Lamp", "320.00"),
            ("Paper Lantern", "25.00"),
            ("Desk Lamp", "60.00"),
            ("Wall Sconce", "85.00"),
        ]
    ):
        product = make_product(
            name=name,
            category=lamps,
            price=Decimal(price),
            summary=f"{name} for reading corners.",
            description="Hand-finished *brass*.\n\n- Cotton cord\n- Dimmer",
            featured=number < 2,
        )
        for _ in range(3 if number == 0 else 1):
            make_image(product=product, size=(1280, 960))
        products.append(product)
    return products


def _content_page() -> Page:
    """The about page with every kind of block, as the demo makes it."""
    # Transactional tests empty the tables, so the site the migrations made
    # may be gone: make it again.
    Site.objects.clear_cache()
    Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": "localhost", "name": "Showroom"}
    )
    # The first transactional test still finds the migrations' pages.
    Page.objects.exclude(url_path="home").delete()
    about = make_page(title="About us", slug="about")
    add_text(about, "**About** the shop.\n\n## Visits")
    demo_pages_fill()
    return about


class Checks:
    """Opens pages at each width and gathers what the checkers say."""

    def __init__(self, browser, base_url: str, folder: Path) -> None:
        self.base_url = base_url
        self.folder = folder
        # The HTML files' names, and the page each holds.
        self.labels: dict[str, str] = {}
        self.files: list[Path] = []
        self.problems: list[str] = []
        # The policy refuses injected scripts; axe is one.
        self.contexts = {
            name: browser.new_context(
                base_url=base_url,
                bypass_csp=True,
                viewport={"width": width, "height": height},
            )
            for name, (width, height) in VIEWPORTS.items()
        }
        self.pages = {name: c.new_page() for name, c in self.contexts.items()}

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()

    def sign_in(self, user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        for context in self.contexts.values():
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": cookie.value,
                        "url": self.base_url,
                    }
                ]
            )

    def open(self, path: str, *, status: int = 200) -> None:
        for name, page in self.pages.items():
            response = page.goto(path)
            assert response.status == status, f"{path} answered {response.status}"
            if name == "phone":
                self.save_html(path, response.text())
            self.check_axe(f"{path} at {name}", page)
            self.screenshot(page, f"{path}-{name}")

    def screenshot(self, page, label: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        if name in VIEWPORTS:
            name = f"home-{name}"
        page.screenshot(path=SCREENSHOTS / f"checked-{name}.png", full_page=True)

    def save_html(self, label: str, html: str) -> None:
        file = self.folder / f"{len(self.files):02d}.html"
        file.write_text(html, encoding="utf-8")
        self.files.append(file)
        self.labels[file.name] = label

    def check_axe(self, label: str, page) -> None:
        for line in describe_violations(axe_violations(page)):
            self.problems.append(f"axe {label}: {line}")

    def check_html(self) -> None:
        for line in vnu_errors(self.files):
            name, _, rest = line.partition(":")
            self.problems.append(f"vnu {self.labels.get(name, name)}:{rest}")

    def report(self) -> str:
        return f"{len(self.problems)} problems:\n" + "\n".join(self.problems)


@pytest.fixture
def checks(browser, live_server, tmp_path):
    require_vnu()
    require_axe()
    checks = Checks(browser, live_server.url, tmp_path)
    yield checks
    checks.close()


def test_public_pages_are_valid_and_accessible(checks):
    products = _catalog()
    about = _content_page()

    for path in [
        "/",
        "/products/",
        "/products/?min_price=30&sort=-price",
        "/categories/lighting/",
        "/categories/lighting/lamps/?in_stock=1",
        products[0].get_absolute_url(),
        products[1].get_absolute_url(),
        "/search/",
        "/search/?q=lamp",
        "/search/?q=zzzzqqq",
        about.get_absolute_url(),
    ]:
        checks.open(path)
    checks.open("/no-such-page/", status=404)
    checks.check_html()

    assert checks.problems == [], checks.report()


def test_account_pages_are_valid_and_accessible(checks):
    products = _catalog()
    for path in [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
    ]:
        checks.open(path)

    # A sign-up the form refuses shows its errors beside the fields.
    page = checks.pages["phone"]
    page.goto("/accounts/signup/")
    page.fill('input[name="email"]', "not-an-address@example")
    page.fill('input[name="password1"]', "short")
    page.fill('input[name="password2"]', "other")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    checks.save_html("sign-up with errors", answer.value.text())
    checks.check_axe("sign-up with errors", page)
    checks.screenshot(page, "sign-up-with-errors-phone")

    user = make_user(email="ada@example.com")
    account_services.saved_product_add(user=user, product=products[0])
    checks.sign_in(user)
    for path in [
        "/accounts/profile/",
        products[0].get_absolute_url(),
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/profile/delete/",
        "/accounts/logout/",
    ]:
        checks.open(path)
    checks.check_html()

    assert checks.problems == [], checks.report()


# What axe finds in markup that Django's admin draws itself, on widgets the
# baseline pages (groups) do not have: the pair of inputs of a date and time
# field under one label, the tabular inline's unlabelled header cell and
# fields labelled only by their column, and the breadcrumbs' links. The
# rule, and a pattern that the element axe points at matches.
DJANGO_STOCK = [
    ("label", r"^#id_\w+_[01]$"),
    ("label", r"^#id_\w+-\d+-\w+$"),
    ("label-title-only", r"^#id_\w+-\d+-\w+$"),
    ("empty-table-header", r"^thead > tr > \.original$"),
    ("link-in-text-block", r"^\.breadcrumbs > a"),
]


def _django_stock(rule: str, target: str) -> bool:
    return any(rule == r and re.search(p, target) for r, p in DJANGO_STOCK)


def _admin_violations(checks, paths: list[str]) -> list[tuple[str, str, str]]:
    """(path, rule, element) for each of axe's findings at desktop width."""
    page = checks.pages["desktop"]
    found = []
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        checks.screenshot(page, f"admin-{path}")
        for violation in axe_violations(page):
            found.extend(
                (path, violation["id"], target) for target in violation["targets"]
            )
    return found


def test_admin_pages_showroom_customizes_add_no_violations_of_their_own(
    checks, settings
):
    """Django's own admin pages (groups) are the baseline to compare with."""
    settings.STAFF_MFA_REQUIRED = False
    lamp = _catalog()[0]
    staff = make_user(email="staff@example.com", is_staff=True, is_superuser=True)
    checks.sign_in(staff)
    with reversion.create_revision():
        reversion.add_to_revision(lamp)
    with reversion.create_revision():
        lamp.summary = "A brass lamp, newly polished."
        lamp.save()
    history = f"{ADMIN}catalog/product/{lamp.pk}/history/"
    first = Version.objects.get_for_object(lamp).last()

    baseline = _admin_violations(
        checks, [f"{ADMIN}auth/group/", f"{ADMIN}auth/group/add/"]
    )
    ours = _admin_violations(
        checks,
        [
            f"{ADMIN}catalog/product/",
            f"{ADMIN}catalog/product/{lamp.pk}/change/",
            f"{ADMIN}catalog/category/",
            history,
            f"{history}compare/?from={first.pk}&to=current",
        ],
    )

    baseline_rules = {rule for _, rule, _ in baseline}
    added = [
        f"{path}: {rule} at {target}"
        for path, rule, target in ours
        if rule not in baseline_rules and not _django_stock(rule, target)
    ]
    assert added == [], "\n".join(added)
