from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import render
from django.views.decorators.cache import patch_cache_control

from catalog import previews, redirects, seo
from catalog import search as catalog_search
from catalog.listing import (
    SORTS,
    listing_page_params,
    listing_page_storable,
    product_listing,
)
from catalog.models import Category, Product
from catalog.selectors import (
    categories_matching,
    category_choices,
    category_lineage,
    category_lineage_and_children,
    related_products,
)
from config.pagecache import public_page
from config.siteurl import site_url


def _list_context(listing, **extra) -> dict:
    return {
        "listing": listing,
        "page_obj": listing.page,
        "products": listing.products,
        "sorts": [(key, label) for key, (label, _) in SORTS.items()],
        **extra,
    }


@public_page(params=listing_page_params, storable=listing_page_storable)
def product_list(request: HttpRequest) -> HttpResponse:
    listing = product_listing(request.GET)
    context = _list_context(listing, category_choices=category_choices())
    return render(request, "catalog/product_list.html", context)


@public_page(params=listing_page_params, storable=listing_page_storable)
def search(request: HttpRequest) -> HttpResponse:
    listing = product_listing(request.GET)
    suggestions = []
    if listing.values.get("q") and not listing.products:
        suggestions = categories_matching(listing.terms)
    # Pages and other apps' results are listed once, above the first page
    # of products.
    groups = (
        [] if listing.page.number > 1 else catalog_search.result_groups(listing.terms)
    )
    context = _list_context(
        listing,
        category_choices=category_choices(),
        suggestions=suggestions,
        result_groups=groups,
    )
    return render(request, "catalog/search.html", context)


@public_page(params=listing_page_params, storable=listing_page_storable)
def category_detail(request: HttpRequest, url_path: str) -> HttpResponse:
    url_path = url_path.strip("/")
    category = Category.objects.filter(url_path=url_path).first()
    if category is None:
        return redirects.node_redirect(Category, url_path)
    lineage, children = category_lineage_and_children(category)
    listing = product_listing(request.GET, category=category)
    context = _list_context(
        listing,
        category=category,
        lineage=lineage,
        children=children,
        canonical_url=site_url(request, category.get_absolute_url()),
    )
    return render(request, "catalog/category_detail.html", context)


# A share-preview link shows a draft to whoever holds it: never cached.
@public_page(bypass=(previews.PARAMETER,))
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = Product.objects.with_images().with_visibility().filter(slug=slug).first()
    if product is None:
        target = redirects.product_redirect_target(slug)
        if target:
            return HttpResponsePermanentRedirect(
                Product(slug=target).get_absolute_url()
            )
        raise Http404("No such product.")
    is_visible = product.is_visible
    if not is_visible and not previews.preview_permitted(request, product):
        raise Http404("No such product.")
    lineage = category_lineage(product.category)
    response = render(
        request,
        "catalog/product_detail.html",
        {
            "product": product,
            "preview": not is_visible,
            "lineage": lineage,
            "related": related_products(product),
            "canonical_url": site_url(request, product.get_absolute_url()),
            "json_ld": seo.product_json_ld(request, product, lineage),
        },
    )
    if not is_visible:
        # A preview must never be stored by a shared cache or indexed.
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
    return response
