"""Small factories for catalog test data."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from catalog.demo import demo_image_bytes
from catalog.models import Category, Product, ProductImage
from catalog.services import picture_renditions_store

_numbers = itertools.count(1)


def make_category(*, name: str | None = None, parent: Category | None = None, **fields):
    number = next(_numbers)
    name = name or f"Category {number}"
    fields = {"name": name, "slug": fields.pop("slug", f"category-{number}"), **fields}
    if parent is None:
        return Category.objects.add_root(create_kwargs=fields)
    return Category.objects.add_child(parent, create_kwargs=fields)


def make_product(*, category: Category | None = None, **fields) -> Product:
    number = next(_numbers)
    values = {
        "name": f"Product {number}",
        "slug": f"product-{number}",
        "sku": f"SKU-{number:05d}",
        "summary": "A test product.",
        "price": Decimal("10.00"),
        "stock": 5,
        "status": Product.Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(days=1),
    }
    values.update(fields)
    return Product.objects.create(category=category or make_category(), **values)


def make_image(
    *, product: Product, size=(800, 600), seed: int = 1, **fields
) -> ProductImage:
    fields.setdefault("alt_text", f"{product.name} photo")
    image = ProductImage(product=product, **fields)
    image.image.save(
        "test.jpg", ContentFile(demo_image_bytes(seed=seed, size=size), name="test.jpg")
    )
    picture_renditions_store(image=image)
    return image


def product_names(response) -> list[str]:
    """The names of the products a catalog page lists, in its order."""
    return [product.name for product in response.context["products"]]
