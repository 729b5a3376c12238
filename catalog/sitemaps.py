from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import Page, Paginator
from django.db.models import Max, Min, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property

from catalog.models import Category, Product
from config.pagecache import public_page
from config.siteurl import site_origin, site_url

CONTENT_TYPE = "application/xml; charset=utf-8"


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


class SiteSitemap(Sitemap):
    """A sitemap whose links name the site as config.siteurl does.

    Django's sitemaps take the domain from the Site record, which names
    one address whatever the site is served at; the views below make one
    instance per request, holding the request's origin.
    """

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def get_domain(self, site=None) -> str:
        return self.origin.split("://", 1)[1]


class ProductSitemap(SiteSitemap):
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


class CategorySitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet:
        return Category.objects.only("url_path", "updated_at").order_by("path")

    def lastmod(self, category: Category):
        return category.updated_at


# The sections, in the index's order. Other apps add theirs at start-up
# (`sitemap_section_add`): the catalog imports no other app.
SITEMAPS: dict[str, type[SiteSitemap]] = {
    "products": ProductSitemap,
    "categories": CategorySitemap,
}


def sitemap_section_add(section: str, sitemap: type[SiteSitemap]) -> None:
    """List `sitemap`'s addresses in the sitemap, as section `section`."""
    SITEMAPS[section] = sitemap


def _sitemaps(request: HttpRequest) -> dict[str, SiteSitemap]:
    origin = site_origin(request)
    return {section: kind(origin) for section, kind in SITEMAPS.items()}


def _sitemap_page(params) -> str:
    return params.get("p", "1")


@public_page
@sitemap_views.x_robots_tag
def sitemap_index(request: HttpRequest) -> HttpResponse:
    """The index of every section's pages.

    Django's index view builds its links from the Site record's domain
    alone, with no way to pass another, hence this one; the sections
    themselves are Django's view.
    """
    entries = []
    for section, sitemap in _sitemaps(request).items():
        url = site_url(request, reverse("sitemap-section", args=[section]))
        lastmod = sitemap.get_latest_lastmod()
        entries.append(sitemap_views.SitemapIndexItem(url, lastmod))
        entries += [
            sitemap_views.SitemapIndexItem(f"{url}?p={page}", lastmod)
            for page in range(2, sitemap.paginator.num_pages + 1)
        ]
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type=CONTENT_TYPE
    )


@public_page(params=_sitemap_page)
def sitemap_section(request: HttpRequest, section: str) -> HttpResponse:
    return sitemap_views.sitemap(
        request, _sitemaps(request), section=section, content_type=CONTENT_TYPE
    )
