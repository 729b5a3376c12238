"""Reports benchmark: what counting costs a page, and how fast reports are.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/showroom_reports_bench \\
    CACHE_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/reports_bench.py [--seed] [--counting] [--timings]

`--seed` migrates the database (its name must contain "bench"), fills an
empty catalog with 100,000 products (bench/seed.py) and, on PostgreSQL,
three years of daily counts with generate_series: 5,000 products viewed
each day (1,000 popular ones every day, 4,000 others that change daily),
100 categories, 20 pages, 350 searches of which 50 found nothing, 200
saved products, and the site-wide totals, about 6 million rows; then
VACUUM ANALYZE, as autovacuum would leave a long-running table.

`--counting` first times the counting receiver alone, called as a cache
hit calls it (the overhead per counted view), then serves a cached product
page through Django's WSGI handler in this process (no network, no
gunicorn), on the configured cache, with a browser's user agent: in rounds
of alternating order, the floor (bench/floor_urls.py), the page with
counting and the same page with the counting receiver disconnected. It
prints the median time per request of each and its ratio to the floor's
rate.

`--timings` times each report (reports/selectors.py) computed from the
daily counts, then all of the reports page's figures computed, and read
from the cache as `flush_stats` leaves them, for the last 7, 30, 90 and 365
days and for three years, as the median of 5 runs after one to warm up;
and what `flush_stats`' refresh of the standard periods costs.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from catalog.models import Product  # noqa: E402
from config.pagecache import public_page_served  # noqa: E402
from reports import receivers, selectors  # noqa: E402

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
DAYS = 3 * 365

SEED_SQL = """
INSERT INTO reports_dailycount (day, kind, object_id, label, count)
SELECT day, kind, object_id, label, count FROM (
  -- 1,000 popular products every day, 4,000 others that change daily.
  SELECT d::date AS day, 'product' AS kind,
         CASE WHEN n <= 1000 THEN %(first)s + n
              ELSE %(first)s + 1000
                   + ((n * 7919 + i * 104729) %% (%(products)s - 1000)) END
           AS object_id,
         '' AS label, 1 + (n * 13 + i) %% 40 AS count
  FROM generate_series(0, %(days)s - 1) i,
       LATERAL (SELECT current_date - i AS d) dd,
       generate_series(1, 5000) n
  UNION ALL
  SELECT current_date - i, 'category', %(first_category)s + n %% %(categories)s,
         '', 1 + (n + i) %% 30
  FROM generate_series(0, %(days)s - 1) i, generate_series(1, 100) n
  UNION ALL
  SELECT current_date - i, 'page', 0, '/pages/page-' || n || '/', 1 + n
  FROM generate_series(0, %(days)s - 1) i, generate_series(1, 20) n
  UNION ALL
  SELECT current_date - i, CASE WHEN n <= 50 THEN 'search-none' ELSE 'search' END,
         0, 'words ' || ((n * 31 + i) %% 5000), 1 + n %% 7
  FROM generate_series(0, %(days)s - 1) i, generate_series(1, 350) n
  UNION ALL
  SELECT current_date - i, 'save', %(first)s + (n * 37 + i) %% %(products)s,
         '', 1
  FROM generate_series(0, %(days)s - 1) i, generate_series(1, 200) n
  UNION ALL
  SELECT current_date - i, kind, 0, '', 50 + (i * 7) %% 900
  FROM generate_series(0, %(days)s - 1) i,
       unnest(ARRAY['pageviews', 'visitors', 'signup', 'verified', 'home']) kind
) rows
ON CONFLICT DO NOTHING
"""


def seed() -> None:
    from django.db.models import Max, Min

    from bench.seed import seed_catalog
    from catalog.models import Category
    from reports.models import DailyCount

    assert "bench" in settings.DATABASES["default"]["NAME"], "not a bench database"
    assert connection.vendor == "postgresql", "the seed needs PostgreSQL"
    call_command("migrate", verbosity=0)
    if not Product.objects.exists():
        started = time.perf_counter()
        seed_catalog(products=100_000)
        print(f"100,000 products in {time.perf_counter() - started:.0f} s")
    if DailyCount.objects.exists():
        print("Daily counts are there already.")
        return
    ids = Product.objects.aggregate(first=Min("pk"), last=Max("pk"))
    categories = Category.objects.aggregate(first=Min("pk"), n=Max("pk"))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            SEED_SQL,
            {
                "first": ids["first"] - 1,
                "products": ids["last"] - ids["first"] + 1,
                "days": DAYS,
                "first_category": categories["first"],
                "categories": categories["n"] - categories["first"] + 1,
            },
        )
        rows = cursor.rowcount
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reports_dailycount")
    print(f"{rows:,} daily counts in {time.perf_counter() - started:.0f} s")


def _environ(path: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_USER_AGENT": BROWSER,
        "HTTP_ACCEPT_ENCODING": "gzip",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        "wsgi.errors": sys.stderr,
    }


def _per_request(handler, path: str, requests: int) -> float:
    def start_response(status, headers):
        start_response.status = status

    started = time.perf_counter()
    for _ in range(requests):
        b"".join(handler(_environ(path), start_response))
    elapsed = time.perf_counter() - started
    assert start_response.status.startswith("200"), (path, start_response.status)
    return elapsed / requests


def counting(requests: int, rounds: int) -> None:
    from django.core.handlers.wsgi import WSGIRequest
    from django.http import HttpResponse

    settings.ROOT_URLCONF = "bench.floor_urls"
    handler = WSGIHandler()
    product = Product.objects.visible().order_by("pk").first()
    assert product is not None, "no visible product: run --seed (or seed_demo)"
    path = product.get_absolute_url()

    # The receiver alone, as a cache hit calls it: what counting adds.
    request = WSGIRequest(_environ(path))
    response = HttpResponse("page")
    page = ("product", str(product.pk))
    receiver = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(requests * 5):
            receivers.page_served(None, request=request, response=response, page=page)
        receiver.append((time.perf_counter() - started) / (requests * 5))

    times = {"floor": [], "counted": [], "not counted": []}

    def counted():
        times["counted"].append(_per_request(handler, path, requests))

    def not_counted():
        public_page_served.disconnect(dispatch_uid="reports.page_served")
        try:
            times["not counted"].append(_per_request(handler, path, requests))
        finally:
            public_page_served.connect(
                receivers.page_served, dispatch_uid="reports.page_served"
            )

    def floor():
        times["floor"].append(_per_request(handler, "/floor/", requests))

    for n in range(rounds):
        # Alternating the order, so that no kind always follows another.
        for run in (floor, counted, not_counted)[:: 1 if n % 2 else -1]:
            run()
    median = {name: statistics.median(values) for name, values in times.items()}
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"\nCounting on {cache}, {rounds} rounds of {requests} requests")
    print(
        f"The receiver per counted view: {statistics.median(receiver) * 1e6:.1f} µs "
        f"(median of {rounds} rounds of {requests * 5} calls)\n"
    )
    print("| cached product page | time per request | × floor rate |")
    print("|---|---|---|")
    for name, seconds in median.items():
        print(f"| {name} | {seconds * 1e6:.0f} µs | {median['floor'] / seconds:.2f} |")


def _timed(function, runs: int = 5) -> float:
    function()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def timings() -> None:
    from django.core.cache import cache

    from reports.admin import report_tables
    from reports.models import DailyCount
    from reports.services import reports_refresh

    rows = DailyCount.objects.count()
    product = DailyCount.objects.filter(kind="product").values_list(
        "object_id", flat=True
    )[0]
    print(f"\nReport timings, {rows:,} daily counts, median of 5 runs (ms)")
    periods = {f"{n} days": selectors.last_days(n) for n in selectors.PERIODS}
    periods["3 years"] = selectors.last_days(DAYS)
    reports = {
        "traffic (with the period before)": selectors.traffic,
        "top products": selectors.top_products,
        "top categories": selectors.top_categories,
        "top pages": selectors.top_pages,
        "top searches": selectors.top_searches,
        "searches that found nothing": selectors.empty_searches,
        "sign-ups per week": selectors.accounts_weekly,
        "most saved": lambda p: selectors.top_products(p, kind="save"),
    }
    print("| report | " + " | ".join(periods) + " |")
    print("|---|" + "---|" * len(periods))
    for name, report in reports.items():
        cells = [
            f"{_timed(lambda r=report, p=period: r(p)) * 1000:.0f}"
            for period in periods.values()
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")

    def cold(period):
        selectors.counts_changed()
        cache.clear()
        report_tables(period)

    cells = [f"{_timed(lambda p=p: cold(p)) * 1000:.0f}" for p in periods.values()]
    print("| the page's reports, computed | " + " | ".join(cells) + " |")
    cells = [
        f"{_timed(lambda p=p: report_tables(p)) * 1000:.1f}" for p in periods.values()
    ]
    print("| the page's reports, from the cache | " + " | ".join(cells) + " |")

    def refresh():
        selectors.counts_changed()
        reports_refresh()

    print(
        f"\nflush_stats' refresh of the four standard periods and the catalog: "
        f"{_timed(refresh, runs=3) * 1000:.0f} ms"
    )
    print(
        f"\nCatalog summary: {_timed(selectors.catalog_summary) * 1000:.0f} ms; "
        f"a product's 30 days: "
        f"{_timed(lambda: selectors.product_figures(product)) * 1000:.0f} ms; "
        f"on {Product.objects.count():,} products, "
        f"{timezone.now():%Y-%m-%d}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--counting", action="store_true")
    parser.add_argument("--timings", action="store_true")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if args.seed:
        seed()
    if args.counting:
        counting(args.requests, args.rounds)
    if args.timings:
        timings()


if __name__ == "__main__":
    main()
