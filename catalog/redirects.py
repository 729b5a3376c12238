"""Addresses that last: old product, category and page paths answer 301.

Whatever changes an address records the redirect itself, by calling
`product_redirect_on_slug_change` or `node_redirect_on_path_change` with
the address before and the object after the write: the product and category
services (which the admin's save calls), the CSV import and the admin's
revert. They are modelled on Wagtail's
`autocreate_redirects_on_slug_change(instance_before, instance)`. A
`pre_save` receiver that read the stored row could not do this: a revert
writes the old version to the row before the form is saved, so by then the
row no longer holds the address being replaced.
"""

from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect

from catalog.models import Product, SlugRedirect
from catalog.trees import AddressNode

# Kinds whose paths are tree addresses: a redirect covers the subtree.
TREE_KINDS = (SlugRedirect.Kind.CATEGORY, SlugRedirect.Kind.PAGE)


@transaction.atomic
def slug_redirect_record(*, kind: str, old_path: str, new_path: str) -> None:
    """Make `old_path` lead to `new_path`, in one hop from every older path.

    Category and page paths are prefixes: the rows also cover the subtree,
    so a row whose target lies below `old_path` has its target's prefix
    rewritten.
    """
    if not old_path or old_path == new_path:
        return
    redirects = SlugRedirect.objects.filter(kind=kind)
    # The new path is live again, so an older redirect away from it would
    # hide the real page.
    redirects.filter(old_path=new_path).delete()
    redirects.filter(new_path=old_path).update(new_path=new_path)
    if kind in TREE_KINDS:
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


def _node_redirect_step(kind: str, url_path: str) -> str | None:
    """Where one recorded redirect leads `url_path` or an ancestor of it.

    The longest recorded old path that is `url_path` or one of its
    ancestors wins, and the rest of `url_path` is kept after its new path.
    """
    prefixes = [url_path]
    parts = url_path.split("/")
    prefixes += ["/".join(parts[:end]) for end in range(len(parts) - 1, 0, -1)]
    row = (
        SlugRedirect.objects.filter(Q(old_path__in=prefixes), kind=kind)
        .order_by(Length("old_path").desc())
        .values_list("old_path", "new_path")
        .first()
    )
    if row is None:
        return None
    old_path, new_path = row
    return new_path + url_path[len(old_path) :]


# Renamed and then moved, a page below a renamed parent is reached through
# two rows (the parent's, then its own); more than this many is a loop.
MAX_STEPS = 8


def node_redirect_target(model: type[AddressNode], url_path: str) -> str | None:
    """The current address path of a moved category or page, or of a path
    below one, if it leads to one that exists.

    Redirect rows of a kind are kept one hop from each old path to the
    newest, but a path below a node can need the rows of two nodes (a
    parent renamed, then the page itself moved out of it); each is
    followed in turn, and the visitor still gets one redirect.
    """
    nodes = model._default_manager
    target = url_path
    for _ in range(MAX_STEPS):
        target = _node_redirect_step(model.redirect_kind, target)
        if target is None:
            return None
        if nodes.filter(url_path=target).exists():
            return target
    return None


def node_redirect(model: type[AddressNode], url_path: str) -> HttpResponse:
    """The 301 from a moved category's or page's old address, or a 404."""
    target = node_redirect_target(model, url_path)
    if target is None:
        raise Http404(f"No such {model._meta.verbose_name}.")
    return HttpResponsePermanentRedirect(model(url_path=target).get_absolute_url())


def product_redirect_on_slug_change(
    *, slug_before: str, status_before: str, product: Product
) -> None:
    """Make the slug a product had before a write lead to its slug now.

    Does nothing when the slug is unchanged or the product was a draft: a
    draft's address was never public, so nobody can have kept it.
    """
    if status_before != Product.Status.PUBLISHED:
        return
    slug_redirect_record(
        kind=SlugRedirect.Kind.PRODUCT, old_path=slug_before, new_path=product.slug
    )


def node_redirect_on_path_change(*, url_path_before: str, node: AddressNode) -> None:
    """Make a node's address path before a write lead to its path now.

    The redirect covers the subtree too, and nothing is recorded when the
    path is unchanged.
    """
    slug_redirect_record(
        kind=node.redirect_kind, old_path=url_path_before, new_path=node.url_path
    )
