"""Status and time of each public page while the Redis cache is down or hung.

The script starts its own broken endpoint on a loopback port, either a closed
port (`--fault unreachable`) or a listener that accepts connections and never
answers (`--fault hung`), points CACHE_URL at it and requests each page
through Django's test client, on a filled database:

    DATABASE_URL=sqlite:////tmp/bench/db.sqlite3 MEDIA_ROOT=/tmp/bench/media \\
        .venv/bin/python manage.py seed_demo --products 2000
    DATABASE_URL=sqlite:////tmp/bench/db.sqlite3 MEDIA_ROOT=/tmp/bench/media \\
        .venv/bin/python bench/cache_outage.py --fault hung

`--fault none` leaves CACHE_URL as it is, for the times with a working cache.
It prints, per page, the status codes seen, the time of the first request
and the median of all of them.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
warnings.filterwarnings("ignore", message="No directory at")

from tests.cache_servers import HungServer, closed_port  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault", choices=["unreachable", "hung", "none"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    hung = None
    if args.fault == "unreachable":
        os.environ["CACHE_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    elif args.fault == "hung":
        hung = HungServer()
        os.environ["CACHE_URL"] = f"redis://127.0.0.1:{hung.port}/0"

    import django

    django.setup()
    # Errors are what is measured: the client must answer 500, not raise.
    import logging

    from django.test import Client

    from catalog.models import Category, Product

    logging.disable(logging.CRITICAL)
    product = Product.objects.visible().order_by("-publish_at").first()
    category = Category.objects.filter(depth=2).order_by("path").first()
    pages = {
        "home": "/",
        "products": "/products/",
        "products, filtered": (
            f"/products/?category={category.slug}&min_price=10&max_price=900"
            "&in_stock=1&sort=price"
        ),
        "category": category.get_absolute_url(),
        "product": product.get_absolute_url(),
        "search": "/search/?q=oak+chair",
        "search, nothing found": "/search/?q=zebra",
        "flat page": "/pages/about/",
        "sitemap index": "/sitemap.xml",
        "sitemap section": "/sitemap-products.xml",
        "robots.txt": "/robots.txt",
        "sign-in page": "/accounts/login/",
    }
    client = Client(raise_request_exception=False, HTTP_HOST="localhost")
    print(f"fault: {args.fault}, {args.rounds} requests a page")
    print(f"{'page':<24} {'status':<10} {'first':>9} {'median':>9}")
    try:
        for name, url in pages.items():
            statuses, times = set(), []
            for _ in range(args.rounds):
                started = time.perf_counter()
                statuses.add(client.get(url).status_code)
                times.append(time.perf_counter() - started)
            status = ",".join(str(s) for s in sorted(statuses))
            print(
                f"{name:<24} {status:<10} {times[0] * 1000:>7.1f}ms "
                f"{statistics.median(times) * 1000:>7.1f}ms"
            )
    finally:
        if hung is not None:
            hung.close()


if __name__ == "__main__":
    main()
