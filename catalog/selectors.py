"""Reads that several catalog pages share."""

from collections.abc import Iterable

from django.db.models import Q

from catalog.cache import cached
from catalog.models import Category, Product


def category_lineage(category: Category) -> list[Category]:
    """The category's ancestors from the top, then the category, in one query."""
    steps = range(1, category.depth + 1)
    paths = [category.path[: step * Category.steplen] for step in steps]
    return list(Category.objects.filter(path__in=paths).order_by("depth"))


def category_path_names(categories: Iterable[Category]) -> dict[int, str]:
    """Each category's names from the top down ("Lighting › Lamps"), by pk.

    Staff pick categories by these, since two branches may each have a
    "Lamps". The ancestors not among `categories` are read in one query,
    however many categories and however deep.
    """
    categories = list(categories)
    names = {category.path: category.name for category in categories}
    missing = {
        category.path[: step * Category.steplen]
        for category in categories
        for step in range(1, category.depth)
    } - names.keys()
    if missing:
        names.update(
            Category.objects.filter(path__in=missing).values_list("path", "name")
        )
    return {
        category.pk: " \u203a ".join(
            names[category.path[: step * Category.steplen]]
            for step in range(1, category.depth + 1)
        )
        for category in categories
    }


def category_lineage_and_children(
    category: Category,
) -> tuple[list[Category], list[Category]]:
    """Breadcrumb and child categories of a category page, in one query."""
    steps = range(1, category.depth)
    ancestor_paths = [category.path[: step * Category.steplen] for step in steps]
    rows = Category.objects.filter(
        Q(path__in=ancestor_paths)
        | Q(path__startswith=category.path, depth=category.depth + 1)
    ).order_by("depth", "position", "name")
    ancestors = [row for row in rows if row.depth < category.depth]
    children = [row for row in rows if row.depth > category.depth]
    return [*ancestors, category], children


def category_choices() -> list[tuple[str, str]]:
    """(slug, indented name) of every category, for the filter menu."""

    def compute() -> list[tuple[str, str]]:
        rows = Category.objects.order_by("path").values_list("slug", "name", "depth")
        return [(slug, "\u2003" * (depth - 1) + name) for slug, name, depth in rows]

    return cached("category-choices", compute)


def top_categories() -> list[Category]:
    return list(Category.objects.filter(depth=1).order_by("position", "name"))


def related_products(product: Product, *, limit: int = 4) -> list[Product]:
    return list(
        Product.objects.visible()
        .filter(category_id=product.category_id)
        .exclude(pk=product.pk)
        .with_cards()
        .order_by("-publish_at", "-pk")[:limit]
    )


def categories_matching(terms: list[str], *, limit: int = 6) -> list[Category]:
    """Categories to suggest when a search finds nothing."""
    condition = Q()
    for term in terms:
        condition |= Q(name__icontains=term)
    matches = list(Category.objects.filter(condition)[:limit]) if terms else []
    return matches or top_categories()[:limit]
