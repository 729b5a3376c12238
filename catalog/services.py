"""Writes on the catalog."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

import reversion
from django.core.exceptions import ValidationError
from django.core.files.images import get_image_dimensions
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from catalog.changes import product_changes_recorded
from catalog.images import image_upload_clean
from catalog.models import IMAGE_WIDTHS, Category, Product, ProductImage
from catalog.redirects import (
    node_redirect_on_path_change,
    product_redirect_on_slug_change,
)
from catalog.trees import AddressNode
from config import sitecache

CENT = Decimal("0.01")
# The largest price the column holds (max_digits=10, decimal_places=2).
PRICE_MAX = Decimal("99999999.99")


def category_subtree_products(*, categories: list[Category]) -> QuerySet:
    """Products in any of `categories` or below them, with their category."""
    condition = Q()
    for category in categories:
        condition |= Q(category__path__startswith=category.path)
    if not categories:
        return Product.objects.none()
    return Product.objects.filter(condition).select_related("category")


@transaction.atomic
def node_create(*, node: AddressNode, parent: AddressNode | None) -> AddressNode:
    """Put a new, unsaved category or page into its tree, under `parent` or on
    top."""
    manager = type(node)._default_manager
    if parent is None:
        return manager.add_root(instance=node)
    return manager.add_child(parent, instance=node)


@transaction.atomic
def node_save(*, node: AddressNode) -> None:
    """Save a changed category or page; its old address and its subtree's
    lead on.

    `node.url_path` is not edited by hand, so until the save derives it
    again from the slug and the tree it holds the address as stored, which
    is the one to redirect from. That is true of a revert too: the history
    format keeps the current address path (`catalog.history`).
    """
    url_path_before = node.url_path
    node.save()
    node_redirect_on_path_change(url_path_before=url_path_before, node=node)


@transaction.atomic
def node_move(*, node: AddressNode, target: AddressNode | None, pos: str) -> None:
    """Move a category or page with its subtree, keeping every address path
    right.

    `pos` takes treebeard's positions ("first-child", "last-child",
    "left", "right", "sorted-child"...); a `target` of None makes the
    node the last top-level one.
    """
    manager = type(node)._default_manager
    if target is None:
        target = manager.get_last_root_node()
        pos = "right"
    manager.move(node, target, pos)
    # treebeard moves with raw updates of `path`; saving again derives the
    # new address path and hands it down to the subtree.
    node.refresh_from_db()
    url_path_before = node.url_path
    node.save(update_fields=["url_path", "updated_at"])
    node_redirect_on_path_change(url_path_before=url_path_before, node=node)


@transaction.atomic
def product_save(
    *, product: Product, slug_before: str = "", status_before: str = ""
) -> None:
    """Save a new or changed product; a published product's old slug leads on.

    `slug_before` and `status_before` are the product as stored before
    this change; leave them empty for a new product.
    """
    with product_changes_recorded(ids=[product.pk] if product.pk else []) as ids:
        product.save()
        ids.append(product.pk)
    product_redirect_on_slug_change(
        slug_before=slug_before, status_before=status_before, product=product
    )


@transaction.atomic
def product_delete(*, products: QuerySet) -> int:
    """Delete the products with their images; "recover deleted" brings them back.

    Returns how many products were deleted.
    """
    ids = list(products.values_list("pk", flat=True))
    with product_changes_recorded(ids=ids):
        Product.objects.filter(pk__in=ids).delete()
    return len(ids)


@contextmanager
def product_slug_change_recorded(*, product: Product) -> Iterator[None]:
    """Run the block in a transaction that also records a changed slug.

    For writes that do not go through `product_save`: a revert from history
    writes the old version straight to the row, so only the caller knows
    the slug it replaces. `product` is the product as stored before the
    block; its slug and status are read again from the row at the end.
    """
    slug_before, status_before = product.slug, product.status
    with product_changes_recorded(ids=[product.pk]):
        yield
        product.refresh_from_db(fields=["slug", "status"])
        product_redirect_on_slug_change(
            slug_before=slug_before, status_before=status_before, product=product
        )


def _history_record(products: list[Product], *, user, comment: str) -> None:
    # One revision per product, so reverting one product's entry in its
    # history never reverts the other products of the same bulk action.
    for product in products:
        with reversion.create_revision(atomic=False):
            if user is not None and user.is_authenticated:
                reversion.set_user(user)
            reversion.set_comment(comment)
            reversion.add_to_revision(product)


@transaction.atomic
def _products_update(products: QuerySet, *, user, comment: str, **values) -> int:
    ids = list(products.values_list("pk", flat=True))
    with product_changes_recorded(ids=ids):
        count = Product.objects.filter(pk__in=ids).update(
            updated_at=timezone.now(), **values
        )
    changed = list(Product.objects.filter(pk__in=ids))
    _history_record(changed, user=user, comment=comment)
    # A queryset update sends no signal for `sitecache.watch` to hear.
    sitecache.content_changed()
    return count


def product_publish(*, products: QuerySet, user) -> int:
    """Publish the products; each becomes visible at its `publish_at`."""
    return _products_update(
        products, user=user, comment="Published", status=Product.Status.PUBLISHED
    )


def product_unpublish(*, products: QuerySet, user) -> int:
    """Make the products drafts again, hidden from visitors."""
    return _products_update(
        products, user=user, comment="Unpublished", status=Product.Status.DRAFT
    )


def product_feature(*, products: QuerySet, featured: bool, user) -> int:
    """Set or clear the featured flag of the products."""
    comment = "Marked as featured" if featured else "No longer featured"
    return _products_update(products, user=user, comment=comment, featured=featured)


def product_move(*, products: QuerySet, category: Category, user) -> int:
    """Put the products in `category`."""
    return _products_update(
        products, user=user, comment=f"Moved to {category.name}", category=category
    )


def price_with_change(price: Decimal, percent: Decimal) -> Decimal:
    """`price` changed by `percent`, rounded half up to cents, never negative."""
    new_price = (price * (Decimal(100) + percent) / Decimal(100)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    return max(new_price, Decimal("0.00"))


@transaction.atomic
def product_price_change(*, products: QuerySet, percent: Decimal, user) -> int:
    """Change the prices of the products by `percent` (-10 takes off 10 %).

    Raises ValidationError, and changes nothing, when the percentage would
    make a price negative or larger than the column holds.
    """
    if percent < -100:
        raise ValidationError(
            "A price cannot go down by more than 100 %.", code="negative_price"
        )
    changed = list(products.select_for_update())
    now = timezone.now()
    for product in changed:
        product.price = price_with_change(product.price, percent)
        if product.price > PRICE_MAX:
            raise ValidationError(
                "The new price of %(name)s would be too large.",
                code="price_too_large",
                params={"name": product.name},
            )
        product.updated_at = now
    with product_changes_recorded(ids=[product.pk for product in changed]):
        Product.objects.bulk_update(changed, ["price", "updated_at"])
    sign = "+" if percent >= 0 else ""
    _history_record(changed, user=user, comment=f"Price changed by {sign}{percent} %")
    # bulk_update sends no signal for `sitecache.watch` to hear.
    sitecache.content_changed()
    return len(changed)


def picture_renditions(*, image: ProductImage) -> dict:
    """Make the image's renditions where missing; return what pages need of them.

    The result is what `ProductImage.renditions` holds: the source file's
    name, and for "original" (the image's own format) and "webp" the
    [name, width, height] of each rendition, smallest first. Renditions
    are never wider than the image, so a narrow image's larger ones repeat
    a width; only the first of each width is listed.
    """
    data: dict = {"source": image.image.name}
    for key, suffix in (("original", ""), ("webp", "_webp")):
        entries: list[list] = []
        for target in IMAGE_WIDTHS:
            rendition = getattr(image, f"w{target}{suffix}")
            # imagekit remembers in the cache that a file was made, so a
            # file lost since then is only made again when forced.
            if not rendition.storage.exists(rendition.name):
                rendition.generate(force=True)
            with rendition.storage.open(rendition.name) as file:
                width, height = get_image_dimensions(file)
            if not entries or entries[-1][1] != width:
                entries.append([rendition.name, width, height])
        data[key] = entries
    return data


def picture_renditions_store(*, image: ProductImage) -> None:
    """Make a saved image's renditions where missing and record them on its row.

    Every path that saves an image calls this once the image is saved, so
    pages build a <picture> from the row alone. The row is saved again
    (rather than updated) so that a history revision being recorded holds
    the renditions too, and a revert brings them back with the image.
    """
    image.renditions = picture_renditions(image=image)
    image.save(update_fields=["renditions"])


@transaction.atomic
def product_image_add(
    *, product: Product, file, alt_text: str, position: int | None = None
) -> ProductImage:
    """Add an uploaded image to a product, checked as the admin checks uploads.

    Raises ValidationError, and stores nothing, when the file breaks the
    upload rules (`catalog.images`) or the alt text is missing. The
    product's `updated_at` moves on, since its images are part of it.
    """
    cleaned = image_upload_clean(file)
    if position is None:
        last = product.images.aggregate(last=Max("position"))["last"]
        position = 0 if last is None else last + 1
    image = ProductImage(product=product, alt_text=alt_text, position=position)
    image.image = cleaned
    image.full_clean(exclude=["image", "product"])
    with product_changes_recorded(ids=[product.pk]):
        image.save()
        picture_renditions_store(image=image)
        product.save(update_fields=["updated_at"])
    return image
