"""Fill an empty site with demo categories, products, images and pages."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from catalog.demo import demo_catalog_create
from catalog.models import Product
from content.demo import demo_pages_fill


class Command(BaseCommand):
    help = (
        "Create a demo category tree and products with generated images, and "
        "give the home and about pages demo blocks. Leaves a catalog that has "
        "products and pages that staff changed alone; fails when the catalog "
        "has categories other than the demo's."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--products", type=int, default=24, help="How many products to make."
        )

    def handle(self, *args, products: int, **options) -> None:
        if products < 1:
            raise CommandError("--products must be at least 1.")
        if demo_pages_fill():
            self.stdout.write("Gave the home and about pages demo blocks.")
        existing = Product.objects.count()
        if existing:
            self.stdout.write(f"The catalog has {existing} products; nothing to do.")
            return
        started = time.monotonic()
        progress = self._progress if sys.stdout.isatty() else None
        try:
            made = demo_catalog_create(products=products, progress=progress)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if progress:
            self.stdout.write("")
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Created {made} demo products in {seconds:.1f} s.")
        )

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        bar = "#" * filled + "-" * (width - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total}", ending="")
        self.stdout.flush()
