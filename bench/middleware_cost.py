"""What each middleware costs on a page cache hit, in this process.

    .venv/bin/python bench/middleware_cost.py [--requests 2000]
    CACHE_URL=redis://127.0.0.1:6379/3 .venv/bin/python bench/middleware_cost.py

Requests go straight to Django's WSGI handler (no network, no gunicorn), on
the configured database and cache, with DEBUG off. Each middleware's
`__call__` is timed; its own cost is its time minus that of the layer below
it. A cached public page stops at the page cache middleware, so the layers
below it cost nothing then; `/healthz`, which is never cached, shows what
the whole stack costs a request that reaches a view.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from collections import defaultdict
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from catalog.models import Product  # noqa: E402


def environ(path: str) -> dict:
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        "wsgi.errors": sys.stderr,
    }


def instrument() -> dict[str, list[float]]:
    """Time every middleware's __call__; returns the per-class samples."""
    samples: dict[str, list[float]] = defaultdict(list)
    for dotted in settings.MIDDLEWARE:
        cls = import_string(dotted)
        original = cls.__call__

        def timed(self, request, _original=original, _name=dotted):
            start = time.perf_counter()
            try:
                return _original(self, request)
            finally:
                samples[_name].append(time.perf_counter() - start)

        cls.__call__ = timed
    return samples


def measure(handler: WSGIHandler, samples, path: str, requests: int) -> dict:
    def start_response(status, headers):
        start_response.status = status

    for _ in range(20):  # warm the cache and the code paths
        b"".join(handler(environ(path), start_response))
    assert start_response.status.startswith("200"), (path, start_response.status)
    samples.clear()
    totals = []
    for _ in range(requests):
        start = time.perf_counter()
        b"".join(handler(environ(path), start_response))
        totals.append(time.perf_counter() - start)
    inclusive = {
        name: statistics.median(samples[name]) if samples[name] else 0.0
        for name in settings.MIDDLEWARE
    }
    names = list(settings.MIDDLEWARE)
    own = {}
    for index, name in enumerate(names):
        below = next((inclusive[n] for n in names[index + 1 :] if samples[n]), 0.0)
        own[name] = inclusive[name] - below if samples[name] else None
    return {"total": statistics.median(totals), "own": own}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    settings.DEBUG = False
    product = Product.objects.visible().first()
    if product is None:
        sys.exit("No visible product: run `manage.py seed_demo` first.")
    paths = ["/", "/products/", product.get_absolute_url(), "/healthz"]
    samples = instrument()
    handler = WSGIHandler()
    results = {path: measure(handler, samples, path, args.requests) for path in paths}

    print("Median microseconds per request, each middleware's own share:\n")
    print("| middleware | " + " | ".join(f"`{p}`" for p in paths) + " |")
    print("|---|" + "---:|" * len(paths))
    for name in settings.MIDDLEWARE:
        cells = []
        for path in paths:
            own = results[path]["own"][name]
            cells.append("not reached" if own is None else f"{own * 1e6:.0f}")
        print(f"| {name.rsplit('.', 1)[-1]} | " + " | ".join(cells) + " |")
    totals = " | ".join(f"**{results[p]['total'] * 1e6:.0f}**" for p in paths)
    print(f"| whole request | {totals} |")


if __name__ == "__main__":
    main()
