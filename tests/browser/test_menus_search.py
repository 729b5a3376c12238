from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from catalog.services import node_create
from content.models import Menu, MenuItem, Page, Question, RichText

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Git-ignored; CI keeps them as artifacts of the run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _delivery_page() -> Page:
    page = node_create(
        node=Page(
            title="Delivery",
            slug="delivery",
            status=Page.Status.PUBLISHED,
            publish_at=timezone.now() - timedelta(days=1),
        ),
        parent=None,
    )
    RichText.objects.create(
        parent=page,
        region="main",
        ordering=10,
        text="We send **parcels** within three working days, by courier.",
    )
    Question.objects.create(
        parent=page,
        region="main",
        ordering=20,
        question="Do you deliver abroad?",
        answer="Within the EU, in five to seven days.",
    )
    return page


def test_visitor_follows_a_menu_link_and_finds_a_page_by_search(page):
    delivery = _delivery_page()
    # The migrated menus are there only if no transactional test ran before.
    MenuItem.objects.all().delete()
    header, _ = Menu.objects.get_or_create(place=Menu.Place.HEADER)
    footer, _ = Menu.objects.get_or_create(place=Menu.Place.FOOTER)
    MenuItem.objects.create(menu=header, position=10, url="/products/", label="Shop")
    MenuItem.objects.create(menu=header, position=20, page=delivery)
    MenuItem.objects.create(
        menu=footer, position=10, page=delivery, label="Shipping and returns"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/products/")
    main_menu = page.get_by_role("navigation", name="Main")
    assert main_menu.get_by_role("link").all_inner_texts()[:2] == ["Shop", "Delivery"]
    page.get_by_role("navigation", name="Site information").get_by_role(
        "link", name="Shipping and returns"
    ).click()
    page.wait_for_url("**/pages/delivery/")
    assert page.get_by_role("heading", level=1).inner_text() == "Delivery"

    page.get_by_label("Search products").fill("parcel")
    page.get_by_label("Search products").press("Enter")
    page.wait_for_url("**/search/?q=parcel")
    group = page.get_by_role("region", name="Pages")
    assert group.locator("p mark").first.inner_text().lower() == "parcels"
    page.screenshot(path=SCREENSHOTS / "search-pages-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=SCREENSHOTS / "search-pages-phone.png", full_page=True)

    group.get_by_role("link", name="Delivery").click()
    page.wait_for_url("**/pages/delivery/")
