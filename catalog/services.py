"""Writes on the catalog."""

from django.db import transaction

from catalog.models import Category


@transaction.atomic
def category_move(*, category: Category, target: Category | None, pos: str) -> None:
    """Move a category with its subtree, keeping every address path right.

    `pos` takes treebeard's positions ("first-child", "last-child",
    "left", "right", "sorted-child"...); a `target` of None makes the
    category the last top-level one.
    """
    if target is None:
        target = Category.objects.get_last_root_node()
        pos = "right"
    Category.objects.move(category, target, pos)
    # treebeard moves with raw updates of `path`; saving again derives the
    # new address path and hands it down to the subtree.
    category.refresh_from_db()
    category.save(update_fields=["url_path", "updated_at"])
