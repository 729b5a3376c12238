"""The API's cost: serializing a page, and the product list at scale.

1. A 50-product page serialized per second by the API's read functions
   (api/serializers.py), against a plain DRF ModelSerializer of the same
   fields, on the same 50 products read once with their categories and
   images.
2. Median and p95 time of `GET /api/v1/products/` (50 a page, several
   filters and sorts) through Django's test client, with the cache warm as
   on a running site.

Run it against an empty, migrated database, which it fills with
bench/seed.py; for the README's figures, PostgreSQL and 100,000 products:

    psql postgres://postgres@127.0.0.1:5432/postgres -c "CREATE DATABASE bench_api"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api \\
        MEDIA_ROOT=/tmp/bench-api-media .venv/bin/python bench/api.py --products 100000
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
# The client is one address; the limits are not what is measured.
os.environ.setdefault("API_RATE_ANONYMOUS", "1000000/minute")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.client import RequestFactory  # noqa: E402
from rest_framework import serializers  # noqa: E402

from api.serializers import Links, product_summary  # noqa: E402
from bench.seed import seed_catalog  # noqa: E402
from catalog.models import Category, Product, ProductImage  # noqa: E402


class PlainCategorySerializer(serializers.ModelSerializer):
    path = serializers.CharField(source="url_path")

    class Meta:
        model = Category
        fields = ["slug", "name", "path"]


class PlainImageSerializer(serializers.ModelSerializer):
    renditions = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "alt_text", "width", "height", "position", "renditions"]

    def get_renditions(self, image: ProductImage) -> list[dict]:
        request = self.context["request"]
        return [
            {
                "url": request.build_absolute_uri(url),
                "width": width,
                "height": height,
                "format": "webp" if webp else url.rsplit(".", 1)[-1],
            }
            for webp in (False, True)
            for url, width, height in image.rendition_urls(webp=webp)
        ]


class PlainProductSerializer(serializers.ModelSerializer):
    """The list's fields, the usual DRF way."""

    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    in_stock = serializers.BooleanField()
    category = PlainCategorySerializer()
    image = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "url",
            "web_url",
            "name",
            "summary",
            "price",
            "currency",
            "stock",
            "in_stock",
            "category",
            "image",
            "updated_at",
        ]

    def get_url(self, product: Product) -> str:
        return self.context["request"].build_absolute_uri(
            f"/api/v1/products/{product.slug}/"
        )

    def get_web_url(self, product: Product) -> str:
        return self.context["request"].build_absolute_uri(product.get_absolute_url())

    def get_currency(self, product: Product) -> str:
        return settings.CATALOG_CURRENCY

    def get_image(self, product: Product) -> dict | None:
        images = product.images.all()
        if not images:
            return None
        return PlainImageSerializer(images[0], context=self.context).data


def rate(function, seconds: float = 3.0) -> float:
    """Calls of `function` per second, over about `seconds`."""
    function()
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        function()
        calls += 1
    return calls / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    options = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not Product.objects.exists():
        started = time.perf_counter()
        seed_catalog(products=options.products)
        seconds = time.perf_counter() - started
        print(f"seeded {options.products} products in {seconds:.0f} s")
    total = Product.objects.count()
    print(f"database: {django.db.connection.vendor}, {total} products")

    request = RequestFactory().get("/api/v1/products/", HTTP_HOST="localhost")
    page = list(
        Product.objects.visible().with_cards().order_by("-publish_at", "-pk")[:50]
    )
    links = Links(request)

    def ours() -> list:
        return [product_summary(product, links) for product in page]

    def plain() -> list:
        return PlainProductSerializer(
            page, many=True, context={"request": request}
        ).data

    assert len(ours()) == len(plain()) == 50
    assert set(ours()[0]) == set(plain()[0])
    fast, slow = rate(ours), rate(plain)
    print(
        f"50-product page serialized: {fast:.0f}/s (API) vs {slow:.0f}/s "
        f"(plain ModelSerializer), {fast / slow:.1f} x"
    )

    client = Client(HTTP_HOST="localhost")
    queries = [
        {"page_size": 50},
        {"page_size": 50, "sort": "price"},
        {"page_size": 50, "sort": "name", "in_stock": "true"},
        {"page_size": 50, "min_price": "20", "max_price": "200"},
        {"page_size": 50, "page": 7},
        {"page_size": 50, "q": "lamp"},
    ]
    leaf = Category.objects.filter(numchild=0).order_by("path").first()
    queries.append({"page_size": 50, "category": leaf.slug})
    for params in queries:
        assert client.get("/api/v1/products/", params).status_code == 200
    times = []
    for number in range(options.requests):
        params = queries[number % len(queries)]
        started = time.perf_counter()
        response = client.get("/api/v1/products/", params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"GET /api/v1/products/ (50 a page, {len(queries)} filter sets, "
        f"{options.requests} requests): median {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms"
    )


if __name__ == "__main__":
    main()
