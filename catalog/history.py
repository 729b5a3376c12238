"""History of catalog edits (django-reversion) and what a revert may touch."""

from catalog.models import Category

TREE_FIELDS = ("path", "depth", "numchild", "url_path")


def category_keep_tree_place(sender, instance: Category, raw: bool = False, **kwargs):
    """Keep a category where it is in the tree when history is reverted.

    Reversion writes old versions back with a raw save. Its materialized
    path may belong to another category by now, so a revert restores the
    name, slug and texts only; the admin then saves the category normally,
    which derives its address path, and moves go through `category_move`.
    """
    if not raw or instance.pk is None:
        return
    current = Category.objects.filter(pk=instance.pk).values(*TREE_FIELDS).first()
    if current is not None:
        for name, value in current.items():
            setattr(instance, name, value)
