"""The sitemap's section of pages (the catalog's sitemap shows it)."""

from datetime import datetime

from django.db.models import QuerySet

from catalog.sitemaps import SiteSitemap
from content.models import Page


class PageSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self) -> QuerySet:
        return Page.objects.visible().only("url_path", "updated_at").order_by("path")

    def location(self, page: Page) -> str:
        return page.get_absolute_url()

    def lastmod(self, page: Page) -> datetime:
        return page.updated_at
