"""What every engine's dump shares: its description, and the row count.

The manifest records a dump's row counts; a restore compares them with the
loaded database's, counted the same way whatever the engine.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TABLES_SQL = {
    "postgresql": (
        "SELECT tablename FROM pg_catalog.pg_tables "
        "WHERE schemaname = current_schema() ORDER BY tablename"
    ),
    "sqlite": (
        "SELECT name FROM sqlite_master WHERE type = 'table' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ),
}


@dataclass
class DatabaseDump:
    """A finished dump in a local file, with what the manifest says of it."""

    path: Path
    member: str
    engine: str
    row_counts: dict[str, int]
    migrations: list[list[str]]
    details: dict[str, Any] = field(default_factory=dict)


def row_counts(cursor, *, vendor: str) -> dict[str, int]:
    """The number of rows in each table, by name.

    `cursor` may be Django's, psycopg's or sqlite3's: each runs SQL without
    parameters as it is.
    """
    cursor.execute(TABLES_SQL[vendor])
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def applied_migrations(cursor) -> list[list[str]]:
    try:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    except Exception:  # noqa: BLE001 - an unmigrated database has no table
        return []
    return [[app, name] for app, name in cursor.fetchall()]
