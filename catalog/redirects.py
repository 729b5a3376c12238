"""Addresses that last: old product and category paths answer 301.

Changes are noticed in `pre_save`/`post_save` receivers rather than in the
admin, because slugs change through the admin form, a revert from history
and a CSV import alike, and every one of them must leave a redirect.
"""

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Length, Substr

from catalog.models import Category, Product, SlugRedirect


@transaction.atomic
def slug_redirect_record(*, kind: str, old_path: str, new_path: str) -> None:
    """Make `old_path` lead to `new_path`, in one hop from every older path.

    Category paths are prefixes: the rows also cover the subtree, so a row
    whose target lies below `old_path` has its target's prefix rewritten.
    """
    if not old_path or old_path == new_path:
        return
    redirects = SlugRedirect.objects.filter(kind=kind)
    # The new path is live again, so an older redirect away from it would
    # hide the real page.
    redirects.filter(old_path=new_path).delete()
    redirects.filter(new_path=old_path).update(new_path=new_path)
    if kind == SlugRedirect.Kind.CATEGORY:
        below = f"{old_path}/"
        redirects.filter(new_path__startswith=below).update(
            new_path=Concat(Value(new_path), Substr("new_path", len(old_path) + 1))
        )
    SlugRedirect.objects.update_or_create(
        kind=kind, old_path=old_path, defaults={"new_path": new_path}
    )


def product_redirect_target(slug: str) -> str | None:
    """The current slug that an old product slug leads to, if any."""
    return (
        SlugRedirect.objects.filter(kind=SlugRedirect.Kind.PRODUCT, old_path=slug)
        .values_list("new_path", flat=True)
        .first()
    )


def category_redirect_target(url_path: str) -> str | None:
    """The current address path of a moved category or of a path below it.

    The longest recorded old path that is `url_path` or one of its
    ancestors wins, and the rest of `url_path` is kept after its new path.
    """
    prefixes = [url_path]
    parts = url_path.split("/")
    prefixes += ["/".join(parts[:end]) for end in range(len(parts) - 1, 0, -1)]
    row = (
        SlugRedirect.objects.filter(
            Q(old_path__in=prefixes), kind=SlugRedirect.Kind.CATEGORY
        )
        .order_by(Length("old_path").desc())
        .values_list("old_path", "new_path")
        .first()
    )
    if row is None:
        return None
    old_path, new_path = row
    return new_path + url_path[len(old_path) :]


# Receivers, connected in CatalogConfig.ready().


def remember_old_address(sender, instance, raw: bool = False, **kwargs) -> None:
    """Keep the address a product or category had before this save."""
    if raw or instance.pk is None:
        return
    if sender is Product:
        old = (
            Product.objects.filter(pk=instance.pk).values_list("slug", "status").first()
        )
        instance._old_address = old
    elif sender is Category:
        instance._old_address = (
            Category.objects.filter(pk=instance.pk)
            .values_list("url_path", flat=True)
            .first()
        )


def record_address_change(sender, instance, raw: bool = False, **kwargs) -> None:
    """Record a redirect when a published product or a category moved."""
    old = getattr(instance, "_old_address", None)
    instance._old_address = None
    if raw or not old:
        return
    if sender is Product:
        old_slug, old_status = old
        # A draft's address was never public, so nobody can have kept it.
        if old_status == Product.Status.PUBLISHED:
            slug_redirect_record(
                kind=SlugRedirect.Kind.PRODUCT,
                old_path=old_slug,
                new_path=instance.slug,
            )
    elif sender is Category:
        slug_redirect_record(
            kind=SlugRedirect.Kind.CATEGORY, old_path=old, new_path=instance.url_path
        )
