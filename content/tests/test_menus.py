"""The header and footer menus: edited as rows, shown on every page."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.text import slugify

from catalog.tests.factories import make_category
from config import sitecache
from content.menus import menu_links_read
from content.models import Menu, MenuItem, Page
from content.tests.factories import make_page

pytestmark = pytest.mark.django_db

_NAV = {
    "header": re.compile(r'<nav class="site-nav" aria-label="Main">(.*?)</nav>', re.S),
    "footer": re.compile(r'<nav aria-label="Site information">(.*?)</nav>', re.S),
}
_LINK = re.compile(r'<li><a href="([^"]*)">([^<]*)</a></li>')


def _make_page(title: str, **fields) -> Page:
    return make_page(title=title, slug=slugify(title), **fields)


def _links(client, place: str, address: str = "/products/") -> list[tuple[str, str]]:
    """The (address, label) of each menu link in a place of a page, in order.

    The account links that follow the header menu are left out.
    """
    found = _NAV[place].search(client.get(address).content.decode())
    links = _LINK.findall(found.group(1)) if found else []
    return [(url, label) for url, label in links if not url.startswith("/accounts/")]


def _menu(place: str) -> Menu:
    return Menu.objects.get(place=place)


def _add(place: str, **fields) -> MenuItem:
    menu = _menu(place)
    last = menu.items.order_by("-position").first()
    position = (last.position if last else 0) + 10
    return MenuItem.objects.create(menu=menu, position=position, **fields)


def test_the_migrated_menus_hold_the_links_the_site_had(client):
    assert _links(client, "header") == [("/", "Home"), ("/products/", "All products")]
    assert _links(client, "footer") == [
        ("/pages/about/", "About"),
        ("/pages/contact/", "Contact"),
        ("/pages/terms/", "Terms"),
        ("/sitemap.xml", "Sitemap"),
    ]


def test_a_page_or_category_link_without_a_label_shows_its_title(client):
    page = _make_page("Delivery times")
    lighting = make_category(name="Lighting", slug="lighting")
    _add("header", page=page)
    _add("header", category=lighting)
    _add("header", page=_make_page("Returns"), label="Send it back")

    assert _links(client, "header")[2:] == [
        ("/pages/delivery-times/", "Delivery times"),
        ("/categories/lighting/", "Lighting"),
        ("/pages/returns/", "Send it back"),
    ]


def test_links_to_pages_visitors_cannot_see_are_left_out(client):
    now = timezone.now()
    hidden = [
        _make_page("Draft", status=Page.Status.DRAFT),
        _make_page("Scheduled", publish_at=now + timedelta(days=1)),
        _make_page("Withdrawn", unpublish_at=now - timedelta(hours=1)),
    ]
    for page in hidden:
        _add("footer", page=page)

    assert [label for _, label in _links(client, "footer")] == [
        "About",
        "Contact",
        "Terms",
        "Sitemap",
    ]


def test_changes_to_a_menu_or_a_linked_page_show_at_once(client):
    page = _make_page("Delivery")
    item = _add("header", page=page)
    assert ("/pages/delivery/", "Delivery") in _links(client, "header")

    page.title = "Shipping"
    page.save()
    assert ("/pages/delivery/", "Shipping") in _links(client, "header")

    item.label = "How we ship"
    item.save()
    assert ("/pages/delivery/", "How we ship") in _links(client, "header")

    page.status = Page.Status.DRAFT
    page.save()
    assert "How we ship" not in dict(_links(client, "header")).values()

    item.delete()
    _menu("footer").items.filter(label="Terms").delete()
    assert "Terms" not in dict(_links(client, "footer")).values()


def test_a_page_coming_out_of_its_schedule_joins_the_menu_with_no_write(client):
    now = timezone.now()
    _add("header", page=_make_page("Sale", publish_at=now + timedelta(hours=1)))
    assert "Sale" not in dict(_links(client, "header")).values()

    with mock.patch.object(timezone, "now", return_value=now + timedelta(hours=2)):
        assert "Sale" in dict(_links(client, "header")).values()


def test_the_menus_cost_the_same_queries_with_ten_links_as_with_one(client):
    MenuItem.objects.all().delete()
    _add("header", page=_make_page("Only one"))
    client.get("/products/")  # Sessions, sites and the like warm up.

    def queries() -> int:
        sitecache.content_changed()  # Nothing cached is used.
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/products/").status_code == 200
        return len(captured)

    one = queries()
    lighting = make_category(name="Lighting", slug="lighting")
    for number in range(3):
        _add("header", page=_make_page(f"Page {number}"))
        _add("footer", category=lighting)
        _add("footer", url=f"/pages/x{number}/", label=f"X{number}")
    assert len(menu_links_read()["header"]) + len(menu_links_read()["footer"]) == 10

    assert queries() == one > 0


def test_both_menus_are_read_in_one_query(django_assert_num_queries):
    lighting = make_category(name="Lighting", slug="lighting")
    for number in range(5):
        _add("header", page=_make_page(f"Page {number}"))
        _add("footer", category=lighting)

    with django_assert_num_queries(1):
        links = menu_links_read()

    assert len(links["header"]) == 7
    assert len(links["footer"]) == 9


def test_a_link_needs_exactly_one_target():
    menu = _menu("header")
    page = _make_page("Somewhere")
    with pytest.raises(ValidationError, match="one page, one category or one"):
        MenuItem(menu=menu, page=page, url="/elsewhere/").full_clean()
    with pytest.raises(ValidationError, match="one page, one category or one"):
        MenuItem(menu=menu, label="Nowhere").full_clean()


def test_a_link_to_an_address_needs_a_label_and_a_valid_address():
    menu = _menu("header")
    with pytest.raises(ValidationError) as missing:
        MenuItem(menu=menu, url="/products/").full_clean()
    assert "label" in missing.value.message_dict
    with pytest.raises(ValidationError) as invalid:
        MenuItem(menu=menu, url="javascript:alert(1)", label="X").full_clean()
    assert "url" in invalid.value.message_dict
