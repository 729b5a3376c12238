from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.flatpages.models import FlatPage
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet

from catalog.models import Category, Product


class ProductSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 10000

    def items(self) -> QuerySet:
        return Product.objects.visible().only("slug", "updated_at").order_by("pk")

    def lastmod(self, product: Product):
        return product.updated_at


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
