"""The site's navigation menus as visitors see them.

Both menus are read in one query, whatever the number of links, and kept
under the site's content version (catalog/cache.py): a change to a menu, or
to a page or category it links to, makes a new version (content/apps.py
watches them), and a page reaching its publish or unpublish time does too.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch

from catalog.cache import cached
from content.models import Menu, MenuItem, Page

CACHE_KEY = "content:menus"


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str


def menu_links_read() -> dict[str, list[MenuLink]]:
    """Each menu's links in order, by place, in one query.

    A link to a page that visitors cannot see (a draft, a scheduled or a
    withdrawn page) is left out.
    """
    items = (
        MenuItem.objects.filter(
            # Looked up per link, so the cost follows the links, not the pages.
            Q(page__isnull=True)
            | Exists(Page.objects.visible().filter(pk=OuterRef("page_id")))
        )
        .select_related("menu", "page", "category")
        .only(
            "label",
            "url",
            "menu__place",
            "page__title",
            "page__url_path",
            "category__name",
            "category__url_path",
        )
        .order_by("menu__place", "position", "pk")
    )
    links: dict[str, list[MenuLink]] = {place: [] for place in Menu.Place.values}
    for item in items:
        target = item.page or item.category
        if target is None:
            link = MenuLink(item.label, item.url)
        else:
            try:
                url = target.get_absolute_url()
            except NoReverseMatch:
                # Under a URLconf without the pages' or categories' views
                # (an error page's, in some tests) there is nowhere to go.
                continue
            link = MenuLink(item.label or target.name, url)
        links.setdefault(item.menu.place, []).append(link)
    return links


def menu_links() -> dict[str, list[MenuLink]]:
    """Each menu's links, from the cache when the content has not changed."""
    return cached(CACHE_KEY, menu_links_read)
