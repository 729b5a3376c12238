"""At a million products, no public page's query reads the product tables through.

The test database is seeded once for the module with bench/seed.py (about
two minutes on the 2-core machine), analyzed and vacuumed as a long-running
site's would be. Each page is then requested with a cold cache, every query
it sends is captured, and each SELECT runs again under EXPLAIN ANALYZE. A
page fails if any plan scans the product or image table sequentially, or if
any scan of them reads more than MAX_ROWS_READ rows: a walk along an index
that passes over most of the table is as slow as a sequential scan, and the
planner picks one when it misjudges how rare a word or a filter is.

Run with `-s` to see each query's time.
"""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from bench.seed import seed_catalog
from catalog.models import Category, Product

PRODUCTS = 1_000_000
TABLES = {"catalog_product", "catalog_productimage"}
# A capped count reads up to 9,601 rows plus those its filters drop; a list
# page at most 400 pages deep. Five times that is still 5% of the table.
MAX_ROWS_READ = 50_000

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="The plans at a million products are PostgreSQL's; SQLite serves "
        "small catalogs.",
    ),
]


# The pages to check, with the parts that depend on the seeded catalog to be
# filled in: the top category holding the smallest leaf, that leaf, and a
# product half way through the catalog (whose number is a rare word).
PAGES = {
    "home": "/",
    "list, newest": "/products/",
    "list, price": "/products/?sort=price",
    "list, price descending": "/products/?sort=-price",
    "list, name": "/products/?sort=name",
    "list, top category": "/products/?category={top.slug}",
    "list, small category": "/products/?category={small.slug}&sort=name",
    "list, min price": "/products/?min_price=2400",
    "list, max price": "/products/?max_price=20&sort=-price",
    "list, in stock": "/products/?in_stock=1&sort=price",
    "list, all filters": (
        "/products/?category={top.slug}&min_price=100&max_price=900&in_stock=1"
        "&sort=price"
    ),
    "list, page 400": "/products/?page=400",
    "list, page 40,000": "/products/?page=40000",
    "category, top": "/categories/{top.url_path}/",
    "category, small leaf": "/categories/{small.url_path}/",
    "category, top, by price": "/categories/{top.url_path}/?sort=-price",
    "search, common word": "/search/?q=oak",
    "search, two common words": "/search/?q=oak+chair",
    "search, rare word": "/search/?q={number}",
    "search, no match": "/search/?q=zebra",
    "search, common word by price": "/search/?q=oak&sort=price",
    "search, common word filtered": "/search/?q=lamp&in_stock=1&min_price=100",
    "product and related": "/products/{product.slug}/",
    "sitemap index": "/sitemap.xml",
    "sitemap, first products": "/sitemap-products.xml",
    "sitemap, last products": f"/sitemap-products.xml?p={PRODUCTS // 10_000}",
}


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker, tmp_path_factory) -> dict:
    """Seed a million products for the module; return what PAGES names."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        seed_catalog(products=PRODUCTS)
        leaves = Category.objects.filter(depth=3)
        sizes = {leaf: Product.objects.filter(category=leaf).count() for leaf in leaves}
        small = min(sizes, key=sizes.get)
        product = Product.objects.visible().order_by("pk")[PRODUCTS // 2]
        yield {
            "top": Category.objects.get(path=small.path[: Category.steplen]),
            "small": small,
            "product": product,
            "number": product.name.split()[-1],
        }
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE catalog_productimage, catalog_product, catalog_category "
                "CASCADE"
            )


def _plan(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _rows_read(node: dict) -> int:
    kept = node.get("Actual Rows", 0)
    dropped = node.get("Rows Removed by Filter", 0)
    rechecked = node.get("Rows Removed by Index Recheck", 0)
    return (kept + dropped + rechecked) * node.get("Actual Loops", 1)


def _problems(plan: dict) -> list[str]:
    problems = []
    for node in _nodes(plan["Plan"]):
        table = node.get("Relation Name")
        if table not in TABLES:
            continue
        kind = node["Node Type"]
        if "Seq Scan" in kind:
            problems.append(f"{kind} on {table}")
        if _rows_read(node) > MAX_ROWS_READ:
            index = node.get("Index Name", "")
            problems.append(f"{kind} {index} on {table} read {_rows_read(node):,}")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_no_query_of_a_public_page_reads_the_product_tables_through(
    client, catalog, name
):
    """Each query uses an index and reads a bounded part of the table."""
    url = PAGES[name].format(**catalog)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == (404 if name == "list, page 40,000" else 200)

    problems = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        plan = _plan(sql)
        print(f"{name}: {plan['Execution Time']:7.2f} ms  {sql[:100]}")
        problems += [f"{problem}: {sql[:300]}" for problem in _problems(plan)]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_pages_above_show_more_products_than_their_pages_hold(client, catalog):
    """The common word and the top category are checked where they are capped."""
    for name in ("search, common word", "list, top category", "list, in stock"):
        response = client.get(PAGES[name].format(**catalog))

        assert response.context["listing"].capped, name
