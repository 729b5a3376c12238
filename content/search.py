"""Full-text search over pages, on PostgreSQL or SQLite.

The same approach as the products' index (catalog/search.py): PostgreSQL
keeps a weighted `tsvector` column with a GIN index, SQLite an FTS5 table,
and database triggers keep either in step with every write to a page's
title or to the text of its blocks (the admin, reverts, recoveries and
imports alike). The title weighs most; the text of rich text, questions and
answers, quotes and banners comes next.
"""

import re
from collections.abc import Sequence

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString

from catalog import search
from content.models import Page

# How many pages the search page lists: a site has few pages, and they are
# shown above the products, so the best few are enough.
PAGE_RESULTS = 10
EXCERPT_WORDS = 24

# Each kind of block with text, and the SQL of its text.
BLOCK_TEXTS = {
    "content_richtext": "text",
    "content_question": "question || ' ' || answer",
    "content_quote": "text || ' ' || author || ' ' || role",
    "content_banner": "heading || ' ' || text || ' ' || link_label",
}
# Markdown's marks, left out of excerpts.
_MARKDOWN = re.compile(r"[#*_`>|]+|\]\([^)]*\)|\[")


def blocks_text(page_id: str, *, aggregate: str) -> str:
    """SQL for the text of a page's blocks, from the SQL of its id."""
    parts = " UNION ALL ".join(
        f"SELECT {text} AS t FROM {table} WHERE parent_id = {page_id}"
        for table, text in BLOCK_TEXTS.items()
    )
    return f"(SELECT {aggregate} FROM ({parts}) blocks)"


_PG_BLOCKS_TEXT = blocks_text("NEW.id", aggregate="string_agg(t, ' ')")
PG_INSTALL = [
    "ALTER TABLE content_page ADD COLUMN IF NOT EXISTS search_vector tsvector",
    f"""
    CREATE OR REPLACE FUNCTION content_page_search_vector() RETURNS trigger AS $$
    BEGIN
      NEW.search_vector :=
        setweight({search.pg_words_vector("NEW.title")}, 'A') ||
        setweight({search.pg_words_vector(_PG_BLOCKS_TEXT)}, 'B');
      RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS content_page_search_vector ON content_page",
    """
    CREATE TRIGGER content_page_search_vector
    BEFORE INSERT OR UPDATE OF title ON content_page FOR EACH ROW
    EXECUTE FUNCTION content_page_search_vector()
    """,
    # A block's change touches its page's title, which remakes the vector.
    """
    CREATE OR REPLACE FUNCTION content_block_search_touch() RETURNS trigger AS $$
    BEGIN
      IF TG_OP <> 'DELETE' THEN
        UPDATE content_page SET title = title WHERE id = NEW.parent_id;
      END IF;
      IF TG_OP = 'DELETE' THEN
        UPDATE content_page SET title = title WHERE id = OLD.parent_id;
      ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.parent_id IS DISTINCT FROM NEW.parent_id THEN
          UPDATE content_page SET title = title WHERE id = OLD.parent_id;
        END IF;
      END IF;
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    *(
        statement
        for table in BLOCK_TEXTS
        for statement in (
            f"DROP TRIGGER IF EXISTS {table}_search_touch ON {table}",
            f"""
            CREATE TRIGGER {table}_search_touch
            AFTER INSERT OR UPDATE OR DELETE ON {table} FOR EACH ROW
            EXECUTE FUNCTION content_block_search_touch()
            """,
        )
    ),
    """
    CREATE INDEX IF NOT EXISTS content_page_search_gin
    ON content_page USING gin (search_vector)
    """,
]
PG_REMOVE = [
    f"DROP TRIGGER IF EXISTS {trigger} ON {table}"
    for table, trigger in [
        ("content_page", "content_page_search_vector"),
        *((table, f"{table}_search_touch") for table in BLOCK_TEXTS),
    ]
]
PG_REBUILD = "UPDATE content_page SET title = title"

_SQLITE_BLOCKS_TEXT = blocks_text("p.id", aggregate="group_concat(t, ' ')")
_SQLITE_ROW = f"SELECT p.id, p.title, {_SQLITE_BLOCKS_TEXT} FROM content_page p"
_SQLITE_FTS_INSERT = "INSERT INTO content_page_fts(rowid, title, body) "


def _sqlite_reindex(page_id: str) -> str:
    return (
        f"DELETE FROM content_page_fts WHERE rowid = {page_id}; "
        f"{_SQLITE_FTS_INSERT} {_SQLITE_ROW} WHERE p.id = {page_id};"
    )


SQLITE_INSTALL = [
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS content_page_fts USING fts5(
      title, body, tokenize = 'porter unicode61')
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS content_page_fts_insert
    AFTER INSERT ON content_page BEGIN {_sqlite_reindex("new.id")} END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS content_page_fts_update
    AFTER UPDATE OF title ON content_page BEGIN {_sqlite_reindex("new.id")} END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS content_page_fts_delete
    AFTER DELETE ON content_page BEGIN
      DELETE FROM content_page_fts WHERE rowid = old.id;
    END
    """,
    *(
        statement
        for table in BLOCK_TEXTS
        for statement in (
            f"""
            CREATE TRIGGER IF NOT EXISTS {table}_fts_insert
            AFTER INSERT ON {table} BEGIN {_sqlite_reindex("new.parent_id")} END
            """,
            f"""
            CREATE TRIGGER IF NOT EXISTS {table}_fts_update
            AFTER UPDATE ON {table} BEGIN
              {_sqlite_reindex("old.parent_id")} {_sqlite_reindex("new.parent_id")}
            END
            """,
            f"""
            CREATE TRIGGER IF NOT EXISTS {table}_fts_delete
            AFTER DELETE ON {table} BEGIN {_sqlite_reindex("old.parent_id")} END
            """,
        )
    ),
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {table}_fts_{event}"
    for table in ("content_page", *BLOCK_TEXTS)
    for event in ("insert", "update", "delete")
]
SQLITE_REBUILD = [
    "DELETE FROM content_page_fts",
    f"{_SQLITE_FTS_INSERT} {_SQLITE_ROW}",
]


def page_index_remove(db: BaseDatabaseWrapper) -> None:
    """Drop the triggers that keep the index, before `migrate`.

    On SQLite a migration that alters the pages' table rebuilds it under
    another name and renames it back, which fails while triggers on the
    block tables name it; on either engine a migration may drop a column
    the triggers read.
    """
    if db.vendor == "postgresql":
        statements = PG_REMOVE
    elif db.vendor == "sqlite":
        statements = SQLITE_REMOVE
    else:
        return
    if "content_page" not in db.introspection.table_names():
        return
    with db.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def page_index_install(db: BaseDatabaseWrapper) -> None:
    """Create the index and its triggers, and fill the index anew.

    Runs after every `migrate` (content/apps.py): the triggers were dropped
    before it (`page_index_remove`), so what migrations wrote is indexed
    again here, a few milliseconds per hundred pages.
    """
    if db.vendor == "postgresql":
        statements = [*PG_INSTALL, PG_REBUILD]
    elif db.vendor == "sqlite":
        statements = [*SQLITE_INSTALL, *SQLITE_REBUILD]
    else:
        return
    with db.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _ranked_pages(terms: Sequence[str]) -> list[Page]:
    """The visible pages matching every term, best first, at most PAGE_RESULTS.

    Visibility applies before the limit, so hidden pages never crowd out
    the ones a visitor may see.
    """
    if connection.vendor == "postgresql":
        query = " & ".join(terms)
        pages = (
            Page.objects.visible()
            .only("url_path")
            .filter(
                RawSQL(
                    "search_vector @@ to_tsquery('english', %s)",
                    [query],
                    output_field=BooleanField(),
                )
            )
            .annotate(
                rank=RawSQL(
                    "ts_rank(search_vector, to_tsquery('english', %s))", [query]
                )
            )
        )
        return list(pages.order_by("-rank", "path")[:PAGE_RESULTS])
    # MATERIALIZED makes SQLite run the full-text match once, on its own;
    # otherwise it may run it once per page. bm25 is lower for better
    # matches; the title counts ten times more than the text.
    visible, params = Page.objects.visible().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH matches AS MATERIALIZED (SELECT rowid AS id, "
            "bm25(content_page_fts, 10.0, 1.0) AS rank FROM content_page_fts "
            "WHERE content_page_fts MATCH %s) "
            "SELECT p.id, p.url_path FROM matches JOIN content_page p "
            f"ON p.id = matches.id WHERE p.id IN ({visible}) "
            "ORDER BY matches.rank, p.path LIMIT %s",
            [search.fts_match(terms), *params, PAGE_RESULTS],
        )
        return [Page(pk=pk, url_path=url_path) for pk, url_path in cursor.fetchall()]


def _highlighted(ids: Sequence[int], terms: Sequence[str]) -> dict[int, tuple]:
    """Each page's title and an excerpt of its text, matched words marked."""
    placeholders = ", ".join(["%s"] * len(ids))
    start, stop = search.MARK_START, search.MARK_STOP
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            title_options = f"StartSel={start}, StopSel={stop}, HighlightAll=true"
            text_options = (
                f"StartSel={start}, StopSel={stop}, "
                f"MaxWords={EXCERPT_WORDS}, MinWords={EXCERPT_WORDS // 2}"
            )
            text = blocks_text("p.id", aggregate="string_agg(t, ' ')")
            cursor.execute(
                "SELECT p.id, ts_headline('english', p.title, q, %s), "
                f"ts_headline('english', coalesce({text}, ''), q, %s) "
                "FROM content_page p, to_tsquery('english', %s) q "
                f"WHERE p.id IN ({placeholders})",
                [title_options, text_options, " & ".join(terms), *ids],
            )
        else:
            cursor.execute(
                "SELECT rowid, highlight(content_page_fts, 0, char(2), char(3)), "
                "snippet(content_page_fts, 1, char(2), char(3), '…', %s) "
                "FROM content_page_fts WHERE content_page_fts MATCH %s "
                f"AND rowid IN ({placeholders})",
                [EXCERPT_WORDS, search.fts_match(terms), *ids],
            )
        return {pk: (title, excerpt) for pk, title, excerpt in cursor.fetchall()}


def _excerpt(text: str | None) -> SafeString:
    return search.marked(_MARKDOWN.sub("", text or "").strip())


def page_results(terms: Sequence[str]) -> search.ResultGroup:
    """The visible pages matching every term, best first, as a result group."""
    pages = _ranked_pages(terms) if terms else []
    marked = _highlighted([page.pk for page in pages], terms) if pages else {}
    results = [
        search.Result(
            title=search.marked(marked[page.pk][0]),
            url=page.get_absolute_url(),
            excerpt=_excerpt(marked[page.pk][1]),
        )
        for page in pages
    ]
    return search.ResultGroup(title="Pages", results=results)
