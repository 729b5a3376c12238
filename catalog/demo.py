"""Demo catalog content: a category tree and products with generated images.

Everything is made locally with Pillow and the random module, so a fresh
machine gets a realistic catalog with no network access.
"""

import io
import random
from collections.abc import Iterator
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw

from catalog.models import Category, Product, ProductImage

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
MATERIALS = ["oak", "walnut", "ash", "brass", "steel", "wool", "linen", "cotton"]
PALETTE = [
    (188, 108, 37), (96, 108, 56), (40, 54, 24), (221, 161, 94),
    (69, 123, 157), (29, 53, 87), (230, 57, 70), (168, 218, 220),
]  # fmt: skip


def demo_categories_create() -> list[Category]:
    """Create the demo category tree and return its leaves."""
    leaves = []
    for position, (root_name, children) in enumerate(TREE.items()):
        root = Category.objects.add_root(
            create_kwargs={
                "name": root_name,
                "slug": slugify(root_name),
                "position": position,
                "description": f"Everything in {root_name.lower()}.",
            }
        )
        for child_position, (child_name, grandchildren) in enumerate(children.items()):
            child = Category.objects.add_child(
                root,
                create_kwargs={
                    "name": child_name,
                    "slug": slugify(f"{root_name}-{child_name}"),
                    "position": child_position,
                },
            )
            for leaf_position, leaf_name in enumerate(grandchildren):
                leaves.append(
                    Category.objects.add_child(
                        child,
                        create_kwargs={
                            "name": leaf_name,
                            "slug": slugify(leaf_name),
                            "position": leaf_position,
                        },
                    )
                )
    return leaves


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
    """Yield field values for `count` demo products, the same for each seed."""
    rng = random.Random(seed)
    nouns = ["Chair", "Table", "Lamp", "Rug", "Shelf", "Cushion", "Stool", "Desk"]
    for number in range(1, count + 1):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(nouns)} {number}"
        yield {
            "name": name,
            "slug": slugify(name),
            "sku": f"SR-{number:07d}",
            "summary": f"A {rng.choice(MATERIALS)} piece for everyday use.",
            "description": demo_description(name=name, rng=rng),
            "price": Decimal(rng.randint(900, 250000)) / 100,
            "stock": rng.choice([0, 0, 3, 8, 12, 40, 100]),
            "featured": number % 7 == 1,
            "status": Product.Status.PUBLISHED,
        }


@transaction.atomic
def demo_catalog_create(*, products: int = 24) -> int:
    """Fill an empty catalog with demo content; return the products made."""
    leaves = demo_categories_create()
    made = 0
    for index, fields in enumerate(demo_products_iter(count=products)):
        product = Product.objects.create(category=leaves[index % len(leaves)], **fields)
        image = ProductImage(product=product, alt_text=f"{product.name}, front view")
        image.image.save(
            "demo.jpg", ContentFile(demo_image_bytes(seed=index), name="demo.jpg")
        )
        made += 1
    return made
