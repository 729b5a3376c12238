"""Fill an empty catalog with demo categories, products and images."""

from django.core.management.base import BaseCommand

from catalog.demo import demo_catalog_create
from catalog.models import Product


class Command(BaseCommand):
    help = (
        "Create a demo category tree and products with generated images. "
        "Does nothing when the catalog already has products."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--products", type=int, default=24, help="How many products to make."
        )

    def handle(self, *args, products: int, **options) -> None:
        existing = Product.objects.count()
        if existing:
            self.stdout.write(f"The catalog has {existing} products; nothing to do.")
            return
        made = demo_catalog_create(products=products)
        self.stdout.write(self.style.SUCCESS(f"Created {made} demo products."))
