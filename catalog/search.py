"""Full-text search over products, on PostgreSQL or SQLite.

PostgreSQL keeps a weighted `tsvector` column with a GIN index; SQLite keeps
an FTS5 table. Database triggers keep both in step with every write (the
admin, bulk inserts, imports, reverts and category renames alike), which no
Python hook could promise. Both use an English stemmer, so "lamps" finds
"lamp" on either engine.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Only this many best matches are ranked and paged through, so a one-letter
# query cannot make the database rank the whole catalog.
CANDIDATE_LIMIT = 1000
MAX_TERMS = 8
_WORD = re.compile(r"[^\W_]+")
# PostgreSQL's English stop words. PostgreSQL leaves them out of its index
# and its queries; leaving them out of the query on SQLite too makes both
# engines answer "the lamp" as "lamp".
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves
    he him his himself she her hers herself it its itself they them their
    theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the
    and but if or because as until while of at by for with about against
    between into through during before after above below to from up down in
    out on off over under again further then once here there when where why
    how all any both each few more most other some such no nor not only own
    same so than too very s t can will just don should now
    """.split()  # noqa: SIM905 - easier to read and compare with the source
)

# Around matched words in highlights, until `marked` makes them <mark>.
MARK_START, MARK_STOP = "\x02", "\x03"

# How many products whose name or SKU matches are taken first, before the
# other matches by id: ten pages' worth. Finding them means walking the
# products in id order (about 2 µs each) until that many are found, so for a
# word in 6% of the names at a million products, 240 take 5 ms, and 1,000
# would take 35.
NAME_CANDIDATE_LIMIT = 240

# A product's search vector joins the name and SKU words (weight A: they
# count most), then the summary (B), the category names (C) and the
# description (D). The name and SKU words are kept on their own too, in
# `name_vector`: its statistics tell the planner how many products a word
# names, which a weight-restricted query on the whole vector cannot (the
# planner would walk a million products in search of a name no product
# has), and its index finds the rare ones at once.
PG_WEIGHTED_PARTS = {"summary": "B", "categories": "C", "description": "D"}
PG_VECTOR_TRIGGER = "catalog_product_search_vector"


def pg_category_names(category_id: str) -> str:
    """SQL for the names of a category and its ancestors, from the top."""
    return f"""
    (SELECT string_agg(a.name, ' ' ORDER BY a.depth)
     FROM catalog_category a, catalog_category c
     WHERE c.id = {category_id} AND c.path LIKE a.path || '%%')
    """


def pg_words_vector(text: str) -> str:
    """SQL for the English vector of the words of a text, from its SQL."""
    # PostgreSQL's parser reads "SR-0000005" as a word and a negative number;
    # splitting on punctuation first makes it index the words a visitor
    # types, the same ones `search_terms` and SQLite's tokenizer see.
    words = f"regexp_replace(coalesce({text}, ''), '[^[:alnum:]]+', ' ', 'g')"
    return f"to_tsvector('english', {words})"


def pg_name_vector(*, name: str, sku: str) -> str:
    """SQL for a product's name vector, from the SQL of its name and SKU."""
    return f"{pg_words_vector(name)} || {pg_words_vector(sku)}"


def pg_weighted_part(part: str, text: str) -> str:
    """SQL for one of PG_WEIGHTED_PARTS of the search vector, from its text's SQL."""
    return f"setweight({pg_words_vector(text)}, '{PG_WEIGHTED_PARTS[part]}')"


def pg_search_vector(*, name_vector: str, parts: dict[str, str]) -> str:
    """SQL joining the name vector and the weighted parts, as the trigger does.

    `parts` holds the SQL of each part's weighted vector; bench/seed.py
    passes vectors it made once for texts that many products share.
    """
    weighted = [parts[part] for part in PG_WEIGHTED_PARTS]
    return " ||\n        ".join([f"setweight({name_vector}, 'A')", *weighted])


_PG_TRIGGER_NAME_VECTOR = pg_name_vector(name="NEW.name", sku="NEW.sku")
_PG_TRIGGER_SEARCH_VECTOR = pg_search_vector(
    name_vector="NEW.name_vector",
    parts={
        "summary": pg_weighted_part("summary", "NEW.summary"),
        "categories": pg_weighted_part(
            "categories", pg_category_names("NEW.category_id")
        ),
        "description": pg_weighted_part("description", "NEW.description"),
    },
)

PG_INSTALL = [
    "ALTER TABLE catalog_product ADD COLUMN IF NOT EXISTS search_vector tsvector",
    "ALTER TABLE catalog_product ADD COLUMN IF NOT EXISTS name_vector tsvector",
    f"""
    CREATE OR REPLACE FUNCTION catalog_product_search_vector() RETURNS trigger AS $$
    BEGIN
      NEW.name_vector := {_PG_TRIGGER_NAME_VECTOR};
      NEW.search_vector :=
        {_PG_TRIGGER_SEARCH_VECTOR};
      RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    f"DROP TRIGGER IF EXISTS {PG_VECTOR_TRIGGER} ON catalog_product",
    f"""
    CREATE TRIGGER {PG_VECTOR_TRIGGER}
    BEFORE INSERT OR UPDATE OF name, sku, summary, description, category_id
    ON catalog_product FOR EACH ROW
    EXECUTE FUNCTION catalog_product_search_vector()
    """,
    """
    CREATE OR REPLACE FUNCTION catalog_category_search_touch() RETURNS trigger AS $$
    BEGIN
      IF NEW.name IS DISTINCT FROM OLD.name OR NEW.path IS DISTINCT FROM OLD.path
      THEN
        UPDATE catalog_product SET name = name WHERE category_id IN (
          SELECT id FROM catalog_category WHERE path LIKE NEW.path || '%%');
      END IF;
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS catalog_category_search_touch ON catalog_category",
    """
    CREATE TRIGGER catalog_category_search_touch
    AFTER UPDATE OF name, path ON catalog_category FOR EACH ROW
    EXECUTE FUNCTION catalog_category_search_touch()
    """,
    """
    CREATE INDEX IF NOT EXISTS catalog_product_search_gin
    ON catalog_product USING gin (search_vector)
    """,
    """
    CREATE INDEX IF NOT EXISTS catalog_product_name_search_gin
    ON catalog_product USING gin (name_vector)
    """,
]
PG_BACKFILL = (
    "UPDATE catalog_product SET name = name "
    "WHERE search_vector IS NULL OR name_vector IS NULL"
)

_SQLITE_ROW = """
    SELECT p.id, p.name, p.sku, p.summary, p.description,
      (SELECT group_concat(a.name, ' ') FROM catalog_category a
       WHERE c.path LIKE a.path || '%%')
    FROM catalog_product p JOIN catalog_category c ON c.id = p.category_id
"""
_SQLITE_FTS_INSERT = (
    "INSERT INTO catalog_product_fts(rowid, name, sku, summary, description, "
    "categories) "
)
SQLITE_INSTALL = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts USING fts5(
      name, sku, summary, description, categories,
      tokenize = 'porter unicode61')
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS catalog_product_fts_insert
    AFTER INSERT ON catalog_product BEGIN
      {_SQLITE_FTS_INSERT} {_SQLITE_ROW} WHERE p.id = new.id;
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS catalog_product_fts_update
    AFTER UPDATE OF name, sku, summary, description, category_id
    ON catalog_product BEGIN
      DELETE FROM catalog_product_fts WHERE rowid = old.id;
      {_SQLITE_FTS_INSERT} {_SQLITE_ROW} WHERE p.id = new.id;
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS catalog_product_fts_delete
    AFTER DELETE ON catalog_product BEGIN
      DELETE FROM catalog_product_fts WHERE rowid = old.id;
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS catalog_category_fts_update
    AFTER UPDATE OF name, path ON catalog_category BEGIN
      DELETE FROM catalog_product_fts WHERE rowid IN (
        SELECT p.id FROM catalog_product p
        JOIN catalog_category c ON c.id = p.category_id
        WHERE c.path LIKE new.path || '%%');
      {_SQLITE_FTS_INSERT} {_SQLITE_ROW} WHERE c.path LIKE new.path || '%%';
    END
    """,
]
SQLITE_BACKFILL = (
    f"{_SQLITE_FTS_INSERT} {_SQLITE_ROW} "
    "WHERE p.id NOT IN (SELECT rowid FROM catalog_product_fts)"
)


def search_index_install(db: BaseDatabaseWrapper) -> None:
    """Create the search column or table and its triggers; safe to repeat.

    Runs from a migration and again after every `migrate`, because SQLite
    rebuilds a table (dropping its triggers) whenever a migration alters it.
    """
    if db.vendor == "postgresql":
        statements = [*PG_INSTALL, PG_BACKFILL]
    elif db.vendor == "sqlite":
        statements = [*SQLITE_INSTALL, SQLITE_BACKFILL]
    else:
        return
    with db.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.replace("%%", "%"))


def search_terms(text: str) -> list[str]:
    """The words of a query that can match, lower-cased.

    Only letters and digits pass, so punctuation cannot inject query syntax
    on either engine; stop words are dropped, as PostgreSQL would.
    """
    words = [word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]
    return words[:MAX_TERMS]


def fts_match(terms: Sequence[str]) -> str:
    """An FTS5 query matching every term, each quoted as a plain word."""
    return " ".join(f'"{term}"' for term in terms)


def ranked_ids(queryset: QuerySet, terms: Sequence[str], order_by=None) -> list[int]:
    """Ids of `queryset` rows matching every term, best first.

    `queryset` carries the visibility rule and the visitor's filters, and is
    applied before the candidates are bounded, so hidden or filtered-out
    products can never crowd out the ones a visitor may see. With
    `order_by`, the matches come in that order instead of by rank. At most
    CANDIDATE_LIMIT ids are returned.
    """
    if not terms:
        return []
    if connection.vendor == "postgresql":
        return _ranked_ids_postgresql(queryset, terms, order_by)
    return _ranked_ids_sqlite(queryset, terms, order_by)


def _ranked_ids_postgresql(queryset, terms, order_by) -> list[int]:
    query = " & ".join(terms)

    def matches(column: str) -> RawSQL:
        return RawSQL(
            f"{column} @@ to_tsquery('english', %s)",
            [query],
            output_field=BooleanField(),
        )

    matching = queryset.filter(matches("search_vector"))
    if order_by:
        ordered = matching.order_by(*order_by)
    else:
        # Matches in the name or SKU outrank every other match, so up to
        # NAME_CANDIDATE_LIMIT of them are taken first when more than
        # CANDIDATE_LIMIT products match; the rest are the first matches by
        # id. Each part walks the products by id until it has enough, or
        # reads a rare word's few matches from an index; only the
        # candidates are ranked. The name matches are asked for as matches
        # of both vectors: the planner, which guesses that a word it has no
        # statistics for is in 0.5% of the names, then sees it as rare
        # enough to look up, instead of walking a million products for it.
        in_name = matching.filter(matches("name_vector")).order_by("pk").values("pk")
        first = matching.order_by("pk").values("pk")
        both = in_name[:NAME_CANDIDATE_LIMIT].union(first[:CANDIDATE_LIMIT], all=True)
        candidates = (
            queryset.model.objects.filter(pk__in=both)
            .order_by(matches("name_vector").desc(), "pk")
            .values("pk")[:CANDIDATE_LIMIT]
        )
        ordered = (
            queryset.model.objects.filter(pk__in=candidates)
            .annotate(
                rank=RawSQL(
                    "ts_rank(search_vector, to_tsquery('english', %s))", [query]
                )
            )
            .order_by("-rank", "pk")
        )
    return list(ordered.values_list("pk", flat=True)[:CANDIDATE_LIMIT])


def _ranked_ids_sqlite(queryset, terms, order_by) -> list[int]:
    match = fts_match(terms)
    if order_by:
        matching = queryset.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM catalog_product_fts "
                "WHERE catalog_product_fts MATCH %s",
                [match],
            )
        )
        ordered = matching.order_by(*order_by).values_list("pk", flat=True)
        return list(ordered[:CANDIDATE_LIMIT])
    # Each match is checked against the visitor's queryset by its primary
    # key, so the cost follows the number of matches, not of products.
    allowed = queryset.order_by().filter(pk=RawSQL("matches.id", [])).values("pk")
    allowed_sql, params = allowed.query.sql_with_params()
    # MATERIALIZED makes SQLite run the full-text match once, on its own;
    # otherwise it may test the match once per product.
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH matches AS MATERIALIZED (SELECT rowid AS id, "
            "bm25(catalog_product_fts, 10.0, 10.0, 4.0, 1.0, 2.0) AS rank "
            "FROM catalog_product_fts WHERE catalog_product_fts MATCH %s) "
            f"SELECT id FROM matches WHERE EXISTS ({allowed_sql}) "
            "ORDER BY rank, id LIMIT %s",
            [match, *params, CANDIDATE_LIMIT],
        )
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class Highlight:
    name: SafeString
    summary: SafeString


def marked(text: str) -> SafeString:
    """`text` escaped, with the words between the marks in <mark>."""
    return mark_safe(  # noqa: S308 - escaped first, then only <mark> added.
        escape(text).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )


def highlights(ids: Sequence[int], terms: Sequence[str]) -> dict[int, Highlight]:
    """Name and summary of each product with the matched words in <mark>."""
    if not ids or not terms:
        return {}
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            options = f"StartSel={MARK_START}, StopSel={MARK_STOP}, HighlightAll=true"
            cursor.execute(
                "SELECT id, ts_headline('english', name, q, %s), "
                "ts_headline('english', summary, q, %s) FROM catalog_product, "
                "to_tsquery('english', %s) q "
                f"WHERE id IN ({placeholders})",
                [options, options, " & ".join(terms), *ids],
            )
        else:
            cursor.execute(
                "SELECT rowid, highlight(catalog_product_fts, 0, char(2), char(3)), "
                "highlight(catalog_product_fts, 2, char(2), char(3)) "
                "FROM catalog_product_fts WHERE catalog_product_fts MATCH %s "
                f"AND rowid IN ({placeholders})",
                [fts_match(terms), *ids],
            )
        rows = cursor.fetchall()
    return {pk: Highlight(marked(name), marked(summary)) for pk, name, summary in rows}


# Other apps' results, in groups of their own beside the products: each
# finder, added by its app at start-up (`result_finder_add`), takes the
# search terms and returns its group. The catalog imports no other app.


@dataclass(frozen=True)
class Result:
    title: SafeString
    url: str
    excerpt: SafeString


@dataclass(frozen=True)
class ResultGroup:
    title: str
    results: list[Result]


ResultFinder = Callable[[Sequence[str]], ResultGroup]
_finders: list[ResultFinder] = []


def result_finder_add(finder: ResultFinder) -> None:
    """Show `finder`'s group of results on the search page."""
    if finder not in _finders:
        _finders.append(finder)


def result_groups(terms: Sequence[str]) -> list[ResultGroup]:
    """The other apps' groups that have results for `terms`."""
    if not terms:
        return []
    groups = [finder(terms) for finder in _finders]
    return [group for group in groups if group.results]
