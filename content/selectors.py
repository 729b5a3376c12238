"""Reads of content pages."""

from content_editor.contents import contents_for_item
from django.db.models import Q

from catalog.models import Category, Product
from catalog.selectors import top_categories
from content.models import BLOCKS, HOME_PATH, CategoryTiles, Page, ProductGrid


def page_for_path(url_path: str) -> Page | None:
    """The page at an address path, visible or not, annotated `is_visible`."""
    return Page.objects.with_visibility().filter(url_path=url_path).first()


def home_page() -> Page | None:
    return page_for_path(HOME_PATH)


def page_lineage(page: Page) -> list[Page]:
    """The visible ancestors of `page`, from the top, in one query."""
    steplen = Page.steplen
    paths = [page.path[:end] for end in range(steplen, len(page.path), steplen)]
    if not paths:
        return []
    return list(Page.objects.visible().filter(path__in=paths).order_by("depth"))


def page_blocks(page: Page) -> list:
    """The page's blocks in order, each product grid with its products.

    One query per kind of block, two per product grid and one per set of
    category tiles.
    """
    contents = contents_for_item(page, BLOCKS)
    blocks = list(contents.main)
    # A product the page already shows (say, in Featured) is not shown
    # again by a later grid of newest or featured products.
    shown: set[int] = set()
    for block in blocks:
        if isinstance(block, ProductGrid):
            block.shown = product_grid_products(block, exclude=shown)
            shown.update(product.pk for product in block.shown)
        elif isinstance(block, CategoryTiles):
            block.shown = category_tiles_categories(block)
    return blocks


def product_grid_products(
    grid: ProductGrid, *, exclude: set[int] = frozenset()
) -> list[Product]:
    """The visible products a grid shows, at most `grid.count`.

    Newest and featured grids leave out the products in `exclude`.
    """
    products = Product.objects.visible().with_cards()
    if grid.source == ProductGrid.Source.CHOSEN:
        chosen = products.filter(pk__in=grid.products.values("pk"))
        return list(chosen.order_by("name")[: grid.count])
    if grid.category_id is not None:
        products = products.filter(Q(category__path__startswith=grid.category.path))
    if grid.source == ProductGrid.Source.FEATURED:
        products = products.filter(featured=True)
    if exclude:
        products = products.exclude(pk__in=exclude)
    return list(products.order_by("-publish_at", "-pk")[: grid.count])


def category_tiles_categories(tiles: CategoryTiles) -> list[Category]:
    """The chosen categories in tree order, or every top-level one."""
    chosen = list(tiles.categories.order_by("path"))
    return chosen or top_categories()
