"""Demo catalog content: a category tree and products with generated images.

Everything is made locally with Pillow and the random module, so a fresh
machine gets a realistic catalog with no network access.
"""

import io
import itertools
import random
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from catalog.images import image_upload_clean
from catalog.models import Category, Product, ProductImage
from catalog.services import product_image_renditions
from config import sitecache

# The renditions' field names, for bench/upload_bench.py, which times making
# them one by one.
RENDITION_FIELDS = [
    "w320", "w640", "w1280", "w320_webp", "w640_webp", "w1280_webp",
]  # fmt: skip

TREE = {
    "Furniture": {
        "Seating": ["Armchairs", "Sofas", "Stools"],
        "Tables": ["Dining tables", "Desks", "Side tables"],
        "Storage": ["Shelves", "Cabinets"],
    },
    "Lighting": {
        "Lamps": ["Floor lamps", "Table lamps"],
        "Ceiling": ["Pendants", "Spotlights"],
    },
    "Textiles": {
        "Rugs": ["Wool rugs", "Cotton rugs"],
        "Cushions": ["Linen cushions", "Velvet cushions"],
    },
}
ADJECTIVES = [
    "Nordic", "Oak", "Walnut", "Linen", "Brass", "Studio", "Coastal", "Alpine",
    "Velvet", "Slate", "Harbor", "Meadow", "Copper", "Ash", "Cedar", "Ivory",
]  # fmt: skip
NOUNS = ["Chair", "Table", "Lamp", "Rug", "Shelf", "Cushion", "Stool", "Desk"]
MATERIALS = ["oak", "walnut", "ash", "brass", "steel", "wool", "linen", "cotton"]
PALETTE = [
    (188, 108, 37), (96, 108, 56), (40, 54, 24), (221, 161, 94),
    (69, 123, 157), (29, 53, 87), (230, 57, 70), (168, 218, 220),
]  # fmt: skip


def demo_categories_create(*, using: str = DEFAULT_DB_ALIAS) -> list[Category]:
    """Create the demo category tree, in one insert, and return its leaves.

    The rows are laid out as treebeard's own bulk loader lays them out,
    because its node-by-node API cannot serve another database (`add_child`
    reads the parent from the default one), and `bench/seed.py` may seed
    another.
    """
    rows = []

    def add(name: str, slug: str, position: int, parent: Category | None, **fields):
        depth = parent.depth + 1 if parent else 1
        parent_path = parent.path if parent else ""
        row = Category(
            name=name,
            slug=slug,
            position=position,
            depth=depth,
            path=Category._get_path(parent_path, depth, position + 1),
            url_path=f"{parent.url_path}/{slug}" if parent else slug,
            **fields,
        )
        if parent:
            parent.numchild += 1
        rows.append(row)
        return row

    for position, (root_name, children) in enumerate(TREE.items()):
        root = add(
            root_name,
            slugify(root_name),
            position,
            None,
            description=f"Everything in {root_name.lower()}.",
        )
        for child_position, (child_name, grandchildren) in enumerate(children.items()):
            child = add(
                child_name, slugify(f"{root_name}-{child_name}"), child_position, root
            )
            for leaf_position, leaf_name in enumerate(grandchildren):
                add(leaf_name, slugify(leaf_name), leaf_position, child)
    Category.objects.using(using).bulk_create(rows)
    return [row for row in rows if row.depth == 3]


def demo_image_bytes(*, seed: int, size: tuple[int, int] = (1280, 960)) -> bytes:
    """Draw a simple still life in JPEG: a backdrop, a floor and an object."""
    rng = random.Random(seed)
    background, floor, item = rng.sample(PALETTE, 3)
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((0, int(height * 0.7), width, height), fill=floor)
    left = rng.randint(width // 5, width // 2)
    top = rng.randint(height // 5, height // 2)
    right = left + rng.randint(width // 5, width // 3)
    bottom = int(height * 0.72)
    if rng.random() < 0.5:
        draw.rectangle((left, top, right, bottom), fill=item)
    else:
        draw.ellipse((left, top, right, bottom), fill=item)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()


def demo_description(*, name: str, rng: random.Random) -> str:
    material = rng.choice(MATERIALS)
    return (
        f"The **{name}** is made to last, in solid {material}.\n\n"
        "## Details\n\n"
        f"- Material: {material}\n"
        f"- Made in small batches\n"
        f"- Care: wipe with a dry cloth\n\n"
        "Delivered assembled, in recycled packaging."
    )


def demo_products_iter(*, count: int, seed: int = 1) -> Iterator[dict]:
    """Yield field values for `count` demo products, the same for each seed.

    Most are published in the past year; a few are drafts, scheduled for
    later, or already withdrawn, as in a real catalog.
    """
    rng = random.Random(seed)
    now = timezone.now()
    for number in range(1, count + 1):
        kind = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
        name = f"{kind} {number}"
        roll = rng.random()
        status = Product.Status.DRAFT if roll < 0.03 else Product.Status.PUBLISHED
        publish_at = now - timedelta(minutes=rng.randint(1, 525_600))
        if 0.03 <= roll < 0.05:
            publish_at = now + timedelta(days=rng.randint(1, 60))
        yield {
            "name": name,
            "slug": slugify(name),
            "sku": f"SR-{number:07d}",
            "summary": f"A {rng.choice(MATERIALS)} piece for everyday use.",
            # Descriptions name the kind, not the number: a catalog of any
            # size repeats about a thousand of them, and bench/seed.py
            # indexes each one once for search.
            "description": demo_description(name=kind, rng=rng),
            "price": Decimal(rng.randint(900, 250000)) / 100,
            "stock": rng.choice([0, 0, 3, 8, 12, 40, 100]),
            "featured": number % 7 == 1,
            "status": status,
            "publish_at": publish_at,
            "unpublish_at": now - timedelta(days=1) if 0.05 <= roll < 0.06 else None,
        }


def demo_image_pool_create(*, size: int) -> list[ProductImage]:
    """Save `size` generated images, with their renditions recorded, unattached.

    Returned as unsaved ProductImage values to copy: with many products the
    same files are shared, so seeding stays fast and the disk stays small.
    """
    pool = []
    for seed in range(size):
        image = ProductImage(alt_text="")
        # Demo images follow the rules of every upload, so the demo shows
        # what the site stores.
        cleaned = image_upload_clean(
            ContentFile(demo_image_bytes(seed=seed), name="demo.jpg")
        )
        image.image.save(cleaned.name, cleaned, save=False)
        image.renditions = product_image_renditions(image=image)
        pool.append(image)
    return pool


def demo_catalog_create(
    *, products: int = 24, batch_size: int = 2000, progress=None
) -> int:
    """Fill an empty catalog with demo content; return the products made.

    Products and images go in with bulk inserts, in one transaction per
    batch; `progress(done, total)` is called after each batch.
    """
    rng = random.Random(7)
    with transaction.atomic():
        leaves = demo_categories_create()
    pool = demo_image_pool_create(size=min(2 * products, 40))
    rows = demo_products_iter(count=products)
    done = 0
    while done < products:
        batch = list(itertools.islice(rows, batch_size))
        with transaction.atomic():
            made = Product.objects.bulk_create(
                Product(category=leaves[(done + index) % len(leaves)], **fields)
                for index, fields in enumerate(batch)
            )
            images = []
            for product in made:
                for position in range(rng.randint(1, 4)):
                    source = rng.choice(pool)
                    images.append(
                        ProductImage(
                            product=product,
                            image=source.image.name,
                            width=source.width,
                            height=source.height,
                            # The files are shared, so are their renditions.
                            renditions=source.renditions,
                            alt_text=f"{product.name}, view {position + 1}",
                            position=position,
                        )
                    )
            ProductImage.objects.bulk_create(images)
        done += len(batch)
        if progress:
            progress(done, products)
    # Fresh statistics let the query planner pick the right index at once;
    # on SQLite without them, a filtered list sorts the whole table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # Rows were written in bulk, which sends no signal to `sitecache.watch`.
    sitecache.content_changed()
    return done
