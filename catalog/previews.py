"""Signed, expiring and revocable links that show a draft product or page.

The link's query parameter is the link row's token signed with the site's
secret and a timestamp, so a guessed or altered value fails before any
query, an old one fails by its age, and staff revoke a link through its row.
Any model with a `PreviewLink` subclass pointing at it (`preview_links`)
can be shared this way.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from catalog.publishing import PreviewLink

PARAMETER = "preview"
_SALT = "catalog.preview-link"


def preview_link_create(*, subject: Model, user) -> PreviewLink:
    """Create a share-preview link for `subject`, a product or a page.

    It works for CATALOG_PREVIEW_LINK_DAYS days unless revoked earlier.
    """
    days = settings.CATALOG_PREVIEW_LINK_DAYS
    return subject.preview_links.create(
        created_by=user if getattr(user, "pk", None) else None,
        expires_at=timezone.now() + timedelta(days=days),
    )


def preview_links_revoke(*, links) -> int:
    """Revoke the links that are not revoked yet; return how many were."""
    return links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def preview_link_url(link: PreviewLink) -> str:
    """The item's address with the signed token, relative to the site."""
    value = signing.dumps(str(link.token), salt=_SALT)
    return f"{link.subject.get_absolute_url()}?{PARAMETER}={value}"


def preview_allowed(request: HttpRequest, subject: Model) -> bool:
    """Whether the request carries a usable share-preview link for `subject`."""
    value = request.GET.get(PARAMETER)
    if not value:
        return False
    max_age = timedelta(days=settings.CATALOG_PREVIEW_LINK_DAYS)
    try:
        token = signing.loads(value, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return False
    link = subject.preview_links.filter(token=token).first()
    return link is not None and link.is_usable()


def staff_may_preview(request: HttpRequest, model: type[Model]) -> bool:
    """Whether the signed-in person is staff allowed to see drafts of `model`."""
    user = request.user
    opts = model._meta
    return (
        user.is_active
        and user.is_staff
        and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


def preview_permitted(request: HttpRequest, subject: Model) -> bool:
    """Whether this request may see `subject` although visitors cannot."""
    return staff_may_preview(request, type(subject)) or preview_allowed(
        request, subject
    )
