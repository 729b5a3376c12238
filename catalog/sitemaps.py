from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.flatpages.models import FlatPage
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Page, Paginator
from django.db.models import Max, Min, QuerySet
from django.utils.functional import cached_property

from catalog.models import Category, Product


class IdBlockPaginator(Paginator):
    """Pages that each hold the rows of a block of `per_page` ids.

    Page n holds the rows with ids from the smallest one plus (n - 1) ×
    per_page, up to per_page of them, so reading any page walks one block of
    the primary key: with offsets, the last page of a million products would
    pass over all the others first, and counting the pages would count every
    visible product. A page holds fewer rows when ids are missing or hidden;
    search engines only need each address listed once.
    """

    @cached_property
    def bounds(self) -> tuple[int, int]:
        ids = self.object_list.aggregate(first=Min("pk"), last=Max("pk"))
        return (ids["first"] or 0, ids["last"] or 0)

    @cached_property
    def count(self) -> int:
        # The pages cover the ids from the smallest to the largest.
        first, last = self.bounds
        return last - first + 1 if last else 0

    def page(self, number) -> Page:
        number = self.validate_number(number)
        start = self.bounds[0] - 1 + (number - 1) * self.per_page
        block = self.object_list.filter(pk__gt=start, pk__lte=start + self.per_page)
        return self._get_page(block, number, self)


class ProductSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 10000

    def items(self) -> QuerySet:
        return Product.objects.visible().only("slug", "updated_at").order_by("pk")

    def lastmod(self, product: Product):
        return product.updated_at

    @property
    def paginator(self) -> Paginator:
        return IdBlockPaginator(self.items(), self.limit)

    def get_latest_lastmod(self):
        # Django's default reads every item; the index on updated_at finds
        # the latest visible change by reading from the newest backwards.
        latest = self.items().order_by("-updated_at").first()
        return latest.updated_at if latest else None


class CategorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet:
        return Category.objects.only("url_path", "updated_at").order_by("path")

    def lastmod(self, category: Category):
        return category.updated_at


class PageSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.4

    def items(self) -> list[FlatPage]:
        # Flat pages keep no change time of their own; the admin's log of
        # changes does, so the last logged change is the page's last change.
        content_type = ContentType.objects.get_for_model(FlatPage)
        self.changed = dict(
            LogEntry.objects.filter(content_type=content_type)
            .values("object_id")
            .annotate(last=Max("action_time"))
            .values_list("object_id", "last")
        )
        return list(
            FlatPage.objects.filter(
                registration_required=False, sites__id=settings.SITE_ID
            ).order_by("url")
        )

    def lastmod(self, page: FlatPage):
        return self.changed.get(str(page.pk))


SITEMAPS = {
    "products": ProductSitemap,
    "categories": CategorySitemap,
    "pages": PageSitemap,
}
