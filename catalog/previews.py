"""Signed, expiring and revocable links that show a draft product.

The link's query parameter is the link row's token signed with the site's
secret and a timestamp, so a guessed or altered value fails before any
query, an old one fails by its age, and staff revoke a link through its row.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.utils import timezone

from catalog.models import Product, ProductPreviewLink

PARAMETER = "preview"
_SALT = "catalog.preview-link"


def preview_link_create(*, product: Product, user) -> ProductPreviewLink:
    """Create a share-preview link for `product`.

    It works for CATALOG_PREVIEW_LINK_DAYS days unless revoked earlier.
    """
    days = settings.CATALOG_PREVIEW_LINK_DAYS
    return ProductPreviewLink.objects.create(
        product=product,
        created_by=user if getattr(user, "pk", None) else None,
        expires_at=timezone.now() + timedelta(days=days),
    )


def preview_links_revoke(*, links) -> int:
    """Revoke the links that are not revoked yet; return how many were."""
    return links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def preview_link_url(link: ProductPreviewLink) -> str:
    """The product's address with the signed token, relative to the site."""
    value = signing.dumps(str(link.token), salt=_SALT)
    return f"{link.product.get_absolute_url()}?{PARAMETER}={value}"


def preview_allowed(request: HttpRequest, product: Product) -> bool:
    """Whether the request carries a usable share-preview link for `product`."""
    value = request.GET.get(PARAMETER)
    if not value:
        return False
    max_age = timedelta(days=settings.CATALOG_PREVIEW_LINK_DAYS)
    try:
        token = signing.loads(value, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return False
    link = ProductPreviewLink.objects.filter(token=token, product=product).first()
    return link is not None and link.is_usable()
