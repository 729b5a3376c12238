"""Structured data for search engines (schema.org JSON-LD)."""

from django.conf import settings
from django.http import HttpRequest

from catalog.models import Category, Product
from config.siteurl import site_url

AVAILABILITY = {
    True: "https://schema.org/InStock",
    False: "https://schema.org/OutOfStock",
}


def product_json_ld(
    request: HttpRequest, product: Product, lineage: list[Category]
) -> list[dict]:
    """A `Product` with its `Offer`, and the `BreadcrumbList` to it."""

    def absolute(path: str) -> str:
        return site_url(request, path)

    product_url = absolute(product.get_absolute_url())
    images = [absolute(image.largest_url()) for image in product.images.all()]
    product_data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "sku": product.sku,
        "description": product.seo_description or product.summary,
        "url": product_url,
        "category": " > ".join(category.name for category in lineage),
        "offers": {
            "@type": "Offer",
            "url": product_url,
            "price": f"{product.price:.2f}",
            "priceCurrency": settings.CATALOG_CURRENCY,
            "availability": AVAILABILITY[product.in_stock],
        },
    }
    if images:
        product_data["image"] = images
    crumbs = [(category.name, category.get_absolute_url()) for category in lineage]
    crumbs.append((product.name, product.get_absolute_url()))
    return [product_data, breadcrumb_json_ld(request, crumbs)]


def breadcrumb_json_ld(request: HttpRequest, crumbs: list[tuple[str, str]]) -> dict:
    """A `BreadcrumbList` of (name, address) pairs, from the top."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": name,
                "item": site_url(request, path),
            }
            for position, (name, path) in enumerate(crumbs, start=1)
        ],
    }
