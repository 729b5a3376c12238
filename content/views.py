from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import render
from django.views.decorators.cache import patch_cache_control

from catalog import previews, redirects
from config.pagecache import public_page
from config.siteurl import site_url
from content import selectors, seo
from content.models import HOME_PATH, Page


def _page_response(request: HttpRequest, page: Page) -> HttpResponse:
    """The page for a visitor, or a marked preview for staff and link holders."""
    is_visible = page.is_visible
    if not is_visible and not previews.preview_permitted(request, page):
        raise Http404("No such page.")
    lineage = [] if page.is_home else selectors.page_lineage(page)
    blocks = selectors.page_blocks(page)
    response = render(
        request,
        "content/page.html",
        {
            "page": page,
            "blocks": blocks,
            "preview": not is_visible,
            "lineage": lineage,
            "canonical_url": site_url(request, page.get_absolute_url()),
            "share_image_url": seo.page_share_image(request, page, blocks),
            "json_ld": seo.page_json_ld(request, page, lineage, blocks),
        },
    )
    if not is_visible:
        # A preview must never be stored by a shared cache or indexed.
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
    return response


# A share-preview link shows a draft to whoever holds it: never cached.
@public_page(bypass=(previews.PARAMETER,))
def home(request: HttpRequest) -> HttpResponse:
    page = selectors.home_page()
    if page is None:
        raise Http404("The home page has not been made yet.")
    return _page_response(request, page)


@public_page(bypass=(previews.PARAMETER,))
def page(request: HttpRequest, url_path: str) -> HttpResponse:
    url_path = url_path.strip("/")
    if url_path == HOME_PATH:
        return HttpResponsePermanentRedirect("/")
    found = selectors.page_for_path(url_path)
    if found is None:
        return redirects.node_redirect(Page, url_path)
    return _page_response(request, found)
