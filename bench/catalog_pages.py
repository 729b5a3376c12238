"""Query count and median time of each catalog page, on the configured database.

Fill a database first, then point this at it, for example:

    DATABASE_URL=sqlite:////tmp/bench/db.sqlite3 MEDIA_ROOT=/tmp/bench/media \\
        .venv/bin/python manage.py seed_demo --products 100000
    DATABASE_URL=sqlite:////tmp/bench/db.sqlite3 MEDIA_ROOT=/tmp/bench/media \\
        .venv/bin/python bench/catalog_pages.py --requests 50

Requests go through Django's test client in this process (no network, no
gunicorn), so the times are what the application itself spends per page,
with the cache warm as on a running site.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The test settings are production settings with unhashed static file names,
# so no collectstatic is needed; DEBUG stays off, as in production.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
# What a page costs to build: the page cache would answer every request but
# the first (bench/middleware_cost.py measures a cached page).
os.environ.setdefault("PAGE_CACHE_SECONDS", "0")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import Category, Product  # noqa: E402


def pages() -> dict[str, str]:
    product = Product.objects.visible().order_by("-publish_at").first()
    leaf = Category.objects.filter(depth=3).order_by("path").first()
    root = Category.objects.filter(depth=1).order_by("path").first()
    return {
        "home": "/",
        "list": "/products/",
        "list, filtered, page 5": (
            f"/products/?category={root.slug}&min_price=100&max_price=900"
            "&in_stock=1&sort=price&page=5"
        ),
        "category (top level)": root.get_absolute_url(),
        "category (leaf)": leaf.get_absolute_url(),
        "search": "/search/?q=oak+chair",
        "search, no results": "/search/?q=zebra",
        "product": product.get_absolute_url(),
        "sitemap section": "/sitemap-products.xml",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    client = Client(HTTP_HOST="localhost")
    total = Product.objects.count()
    print(f"{connection.vendor}, {total} products, {args.requests} requests a page")
    print(
        "| page | queries, cold cache | queries, warm | median ms | p90 ms |\n"
        "|---|---:|---:|---:|---:|"
    )
    for name, url in pages().items():
        cache.clear()
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        cold = len(queries)
        client.get(url)  # Warm caches, as on a running site.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        count = len(queries)  # Read now: later requests reset the query log.
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        median = statistics.median(times)
        print(f"| {name} | {cold} | {count} | {median:.1f} | {p90:.1f} |")


if __name__ == "__main__":
    main()
