"""A large demo catalog, written in bulk into a migrated, empty database.

`seed_catalog(products=1_000_000)` makes what `seed_demo` makes, at any size:
the demo category tree, products from `catalog.demo.demo_products_iter`
(names, summaries and pictures that fit their category, every seventh
featured, a few drafts, scheduled and withdrawn ones; prices, though, are
spread as before, see `_product_rows`), 1 to 3 image rows each, and the
search index. The flat pages come with `migrate`.

The images come from a pool of POOL_SIZE files made once with their
renditions, one picture per leaf category by default: each costs about a
second, and the benchmarks need the image rows rather than distinct
pictures, so a product's second and third rows show its first picture
again (seed_demo makes two per leaf and shows distinct ones). With a pool
smaller than the tree, as in tests, leaves share pictures.

Products are spread over the leaf categories unevenly, as in a real shop,
so that the query planner meets both large and small categories.

On PostgreSQL the products are streamed with COPY into a temporary table
and moved into `catalog_product` by one INSERT … SELECT. The search trigger
would spend 0.1 ms a row making the search vectors, most of it on the
description; products share about a thousand descriptions, so each shared
text's part of the vector is made once and the parts are joined as the
trigger joins them (`catalog.search.pg_search_vector`). Foreign keys and
plain indexes are dropped during the load and made again after it, which is
faster than checking and indexing row by row. On SQLite, which is for
smaller catalogs, products go in with `bulk_create` and the triggers fill
the full-text table.

Measured on the 2-core machine (PostgreSQL 15), while other benchmarks ran
on it: 100,000 products in 32 s, 1,000,000 in 160 to 177 s, most of it the
INSERT … SELECT and the two GIN indexes (before the name-only vector, and
on a quieter machine: 16 s and 114 s).
"""

import itertools
import random
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from catalog.demo import (
    KINDS,
    LEAVES,
    demo_categories_create,
    demo_image_pool_create,
    demo_products_iter,
)
from catalog.models import Category, Product, ProductImage
from catalog.search import (
    PG_VECTOR_TRIGGER,
    pg_category_names,
    pg_name_vector,
    pg_search_vector,
    pg_weighted_part,
)
from config import sitecache

POOL_SIZE = len(LEAVES)
MAX_IMAGES = 3
_COLUMNS = [
    "name", "slug", "sku", "summary", "description", "price", "stock",
    "featured", "status", "publish_at", "unpublish_at", "category_id",
]  # fmt: skip
# Parts of the search vector whose text many products share: the part, the
# staging column it is keyed by, and the SQL of its text from that key.
_SHARED_PARTS = {
    "summary": ("summary", "key"),
    "categories": ("category_id", pg_category_names("key")),
    "description": ("description", "key"),
}


def seed_catalog(*, products: int, using: str = "default") -> None:
    """Fill the empty catalog of database `using` with `products` demo products.

    Raises ValueError when the catalog already has categories or products.
    Afterwards the tables are analyzed (and vacuumed, outside a
    transaction) so that the planner and index-only scans see the data as
    a long-running site's would, and cached catalog data is made stale.
    """
    if products < 1:
        raise ValueError("products must be at least 1.")
    if Category.objects.using(using).exists() or Product.objects.using(using).exists():
        raise ValueError("seed_catalog fills an empty catalog; this one is not.")
    connection = connections[using]
    # Image files live in storage, not in the database; the rows only name
    # them, so every product can share the same few files.
    pool = demo_image_pool_create(
        pictures=[
            (KINDS[LEAVES[key % len(LEAVES)]].shape, key) for key in range(POOL_SIZE)
        ]
    )
    with transaction.atomic(using=using):
        leaves = demo_categories_create(using=using)
        rows = _product_rows(products, leaves)
        with _bulk_loading(connection, "catalog_product"):
            if connection.vendor == "postgresql":
                _products_copy(connection, rows)
            else:
                _products_bulk_create(using, rows)
        with _bulk_loading(connection, "catalog_productimage"):
            _images_insert(connection, pool, leaves)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # A bulk load leaves the visibility map empty, so index-only
            # scans (the paginator's counts) would read the table too until
            # autovacuum came by.
            cursor.execute("VACUUM catalog_product")
        for table in ["catalog_category", "catalog_product", "catalog_productimage"]:
            cursor.execute(f"ANALYZE {table}")
    sitecache.content_changed()


def _product_rows(count: int, leaves: list[Category]) -> Iterator[tuple]:
    """Each product's values in _COLUMNS order, with a category leaf."""
    rng = random.Random(count)  # noqa: S311 - demo data, not secrets
    # The k-th largest leaf gets a share proportional to 1 / k: with the 16
    # demo leaves, from 30% of the catalog down to 2%, in a random order so
    # that every top category has large and small ones.
    weights = [1 / rank for rank in range(1, len(leaves) + 1)]
    rng.shuffle(weights)
    categories = rng.choices(leaves, weights, k=count)
    names = (leaf.name for leaf in categories)
    for fields, leaf in zip(
        demo_products_iter(categories=names), categories, strict=True
    ):
        fields["category_id"] = leaf.pk
        # Prices keep the spread the query plans were tuned on, 9.00 to
        # 2,500.00 in every category. With the demo's prices per kind, a top
        # category of cheap things sorted by price descending walks the
        # price index past every dearer product first (51,717 rows at a
        # million, over test_large_catalog's bound): a listing problem to
        # solve in the listing, not in the benchmark's data.
        fields["price"] = Decimal(rng.randint(900, 250000)) / 100
        yield tuple(fields[column] for column in _COLUMNS)


def _products_bulk_create(using: str, rows: Iterator[tuple]) -> None:
    while batch := list(itertools.islice(rows, 2000)):
        Product.objects.using(using).bulk_create(
            Product(**dict(zip(_COLUMNS, row, strict=True))) for row in batch
        )


def _products_copy(connection: BaseDatabaseWrapper, rows: Iterator[tuple]) -> None:
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE seed_product AS "
            f"SELECT {columns} FROM catalog_product WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY seed_product ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        for part, (column, text) in _SHARED_PARTS.items():
            # Given parameters (none), psycopg reads the SQL's "%%" as "%".
            cursor.execute(
                f"CREATE TEMPORARY TABLE seed_{part} AS "
                f"SELECT key, {pg_weighted_part(part, text)} AS vector "
                f"FROM (SELECT DISTINCT {column} AS key FROM seed_product) keys",
                [],
            )
        vector = pg_search_vector(
            name_vector="name.vector",
            parts={part: f"seed_{part}.vector" for part in _SHARED_PARTS},
        )
        joins = " ".join(
            f"JOIN seed_{part} ON seed_{part}.key = s.{column}"
            for part, (column, _) in _SHARED_PARTS.items()
        )
        selected = ", ".join(f"s.{column}" for column in _COLUMNS)
        # The vectors are made here, so the trigger would only make them
        # again.
        cursor.execute(
            f"ALTER TABLE catalog_product DISABLE TRIGGER {PG_VECTOR_TRIGGER}"
        )
        cursor.execute(
            f"INSERT INTO catalog_product ({columns}, seo_title, "
            "seo_description, created_at, updated_at, name_vector, search_vector) "
            f"SELECT {selected}, '', '', %s, %s, name.vector, {vector} "
            "FROM seed_product s CROSS JOIN LATERAL (SELECT "
            f"{pg_name_vector(name='s.name', sku='s.sku')} AS vector) name "
            f"{joins} ORDER BY s.sku",
            [timezone.now()] * 2,
        )
        cursor.execute(
            f"ALTER TABLE catalog_product ENABLE TRIGGER {PG_VECTOR_TRIGGER}"
        )
        staging = ", ".join(
            ["seed_product", *(f"seed_{part}" for part in _SHARED_PARTS)]
        )
        cursor.execute(f"DROP TABLE {staging}")


@contextmanager
def _bulk_loading(connection: BaseDatabaseWrapper, table: str) -> Iterator[None]:
    """On PostgreSQL, drop the table's foreign keys and plain indexes meanwhile.

    This is PostgreSQL's own advice for bulk loads: checking and indexing
    once at the end is about three times faster than row by row (200,000
    image rows: 1.2 s against 3.7 s). Unique indexes stay, so duplicates
    still fail at once. On an error the transaction rolls back, which
    brings everything back.
    """
    if connection.vendor != "postgresql":
        yield
        return
    quoted = connection.ops.quote_name
    with connection.cursor() as cursor:
        # PostgreSQL alters no table while deferred checks are pending (from
        # writes earlier in the caller's transaction); this runs them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) "
            "FROM pg_index WHERE indrelid = %s::regclass AND NOT indisunique",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quoted(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        # Building an index sorts the whole table; more memory keeps the
        # sort off the disk.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {quoted(name)} {definition}"
            )


def _images_insert(
    connection: BaseDatabaseWrapper, pool: list[ProductImage], leaves: list[Category]
) -> None:
    """Give every product 1 to MAX_IMAGES images of its leaf, in one insert.

    Pool picture `key` shows the kind of leaf `key % len(leaves)`; a leaf
    with several pictures shows them in turn.
    """
    renditions = ProductImage._meta.get_field("renditions")
    variants = max(1, len(pool) // len(leaves))
    values, params = [], []
    for index, leaf in enumerate(leaves):
        for variant in range(variants):
            image = pool[(index + variant * len(leaves)) % len(pool)]
            values.append("(%s, %s, %s, %s, %s, %s)")
            params += [leaf.pk, variant, image.image.name, image.width, image.height]
            # A JSON value as the database takes it (jsonb on PostgreSQL).
            params.append(renditions.get_db_prep_value(image.renditions, connection))
    positions = ", ".join(f"({position})" for position in range(MAX_IMAGES))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH pool (category_id, variant, image, width, height, renditions) AS (
              VALUES {", ".join(values)}),
            positions (position) AS (VALUES {positions})
            INSERT INTO catalog_productimage
              (product_id, image, width, height, alt_text, position, renditions)
            SELECT p.id, pool.image, pool.width, pool.height,
              p.name || ', view ' || (positions.position + 1), positions.position,
              pool.renditions
            FROM catalog_product p
            JOIN positions ON positions.position <= p.id %% {MAX_IMAGES}
            JOIN pool ON pool.category_id = p.category_id
              AND pool.variant = (p.id + positions.position) %% {variants}
            """,
            params,
        )
