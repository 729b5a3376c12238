"""ETag and Last-Modified for API answers, and the checks that use them.

Lists, categories and the change feed change only when the site's content
version does (config/sitecache.py: every write, and every scheduled moment
passed), so their tags come from that version and the request, and a 304
costs no query. A product's tag comes from its own row and its category's,
so it changes only when that product does: `If-Match` on a write then fails
only when this product changed.
"""

import hashlib
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_etags

from api.errors import PreconditionFailed
from catalog.models import Product
from config import sitecache


def etag_of(*parts) -> str:
    """A strong entity tag made from `parts`."""
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:40] + '"'


def product_etag(product: Product) -> str:
    category = product.category
    return etag_of(
        "product",
        product.pk,
        product.updated_at.isoformat(),
        category.pk,
        category.url_path,
        category.name,
    )


def product_last_modified(product: Product) -> datetime:
    return max(product.updated_at, product.category.updated_at)


def content_validators(request: HttpRequest, *parts) -> tuple[str, datetime] | None:
    """(ETag, Last-Modified) of an answer that follows the content version,
    or None while the version cannot be read."""
    version = sitecache.content_version()
    if version is None:
        return None
    query = sorted(request.GET.lists())
    tag = etag_of(version.token, request.path, query, *parts)
    return tag, version.changed_at


def not_modified(
    request: HttpRequest, etag: str, last_modified: datetime
) -> HttpResponse | None:
    """A 304 (or 412) answer for a conditional read, or None to answer in full."""
    response = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp())
    )
    if response is not None:
        validators_set(response, etag, last_modified)
    return response


def validators_set(response: HttpResponse, etag: str, last_modified: datetime) -> None:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())


def if_match_check(request: HttpRequest, etag: str) -> None:
    """Raise PreconditionFailed when `If-Match` names another version.

    Compression (config/middleware.py) marks the tags of compressed answers
    weak, as HTTP asks; the tag still names this product's version, so
    either form is accepted.
    """
    header = request.META.get("HTTP_IF_MATCH")
    if header is None:
        return
    tags = parse_etags(header)
    if "*" in tags:
        return
    if etag not in {tag.removeprefix("W/") for tag in tags}:
        raise PreconditionFailed()
