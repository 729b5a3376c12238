"""The portable format: one JSON line per row, for any engine.

Rows are read through a server-side cursor and written back with batched
inserts, so memory stays flat at any size. Models are found through the app
registry: the backups app must not know the project's apps.
"""

import base64
import datetime
import decimal
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.apps import apps
from django.core.management.color import no_style
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.utils.duration import duration_string

from backups.dumps import DatabaseDump, applied_migrations
from backups.errors import BackupError, RestoreRefused

MEMBER = "database/data.jsonl"
COPY_SIZE = 1024 * 1024
BATCH_SIZE = 2000


def portable_models() -> list[type[Model]]:
    """Every model with a table of its own, one per table."""
    models, tables = [], set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.swapped or meta.db_table in tables:
            continue
        tables.add(meta.db_table)
        models.append(model)
    return models


def _stored_fields(model: type[Model]) -> list[Field]:
    """The columns a portable dump carries for a model's own table.

    Generated columns are left out: the database computes them again on
    load, and refuses values for them. So are columns added outside Django
    (a search index kept by triggers, say), which triggers fill on load.
    """
    return [
        f
        for f in model._meta.local_concrete_fields
        if not getattr(f, "generated", False)
    ]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    if isinstance(value, bytes | memoryview | bytearray):
        return base64.b64encode(bytes(value)).decode()
    return value


def dump(*, connection: BaseDatabaseWrapper, workdir: Path) -> DatabaseDump:
    path = workdir / "data.jsonl"
    counts: dict[str, int] = {}
    with transaction.atomic(using=connection.alias), path.open("w") as out:
        if connection.vendor == "postgresql" and not _nested(connection):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for model in portable_models():
            counts[model._meta.db_table] = _dump_model(connection, model, out)
        with connection.cursor() as cursor:
            migrations = applied_migrations(cursor)
    return DatabaseDump(
        path=path,
        member=MEMBER,
        engine="portable",
        row_counts=counts,
        migrations=migrations,
        details={"format": "jsonl", "source_engine": connection.vendor},
    )


def _nested(connection: BaseDatabaseWrapper) -> bool:
    # Inside an enclosing atomic block (as in tests) the transaction has
    # begun already and its isolation level can no longer be set.
    return len(connection.savepoint_ids) > 0 or not connection.commit_on_exit


def _dump_model(connection: BaseDatabaseWrapper, model: type[Model], out) -> int:
    fields = _stored_fields(model)
    table = model._meta.db_table
    out.write(
        json.dumps({"table": table, "columns": [f.column for f in fields]}) + "\n"
    )
    converters = []
    for f in fields:
        col = f.get_col(table)
        converters.append(
            connection.ops.get_db_converters(col) + f.get_db_converters(connection)
        )
    quote = connection.ops.quote_name
    sql = "SELECT {} FROM {} ORDER BY {}".format(  # noqa: S608
        ", ".join(quote(f.column) for f in fields),
        quote(table),
        quote(model._meta.pk.column),
    )
    count = 0
    # A server-side cursor on PostgreSQL, so rows arrive in batches.
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH_SIZE):
            for row in rows:
                values = []
                for f, value, chain in zip(fields, row, converters, strict=True):
                    col = f.get_col(table) if chain else None
                    for converter in chain:
                        value = converter(value, col, connection)
                    values.append(_encode(value))
                out.write(json.dumps(values) + "\n")
            count += len(rows)
    finally:
        cursor.close()
    return count


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    rest = b""
    while chunk := stream.read(COPY_SIZE):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest


def count(stream: BinaryIO) -> dict[str, int]:
    counts: dict[str, int] = {}
    table = None
    for line in _lines(stream):
        if line.startswith(b"{"):
            table = json.loads(line)["table"]
            counts[table] = 0
        else:
            counts[table] += 1
    return counts


def load(
    *, connection: BaseDatabaseWrapper, stream: BinaryIO, expected: dict[str, int]
) -> None:
    models = {m._meta.db_table: m for m in portable_models()}
    quote = connection.ops.quote_name
    counts: dict[str, int] = {}
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            for sql in connection.ops.sql_flush(
                no_style(), list(models), reset_sequences=True, allow_cascade=True
            ):
                cursor.execute(sql)
            fields: list[Field] = []
            insert = ""
            batch: list[list[Any]] = []
            table = None
            for line in _lines(stream):
                record = json.loads(line)
                if isinstance(record, dict):
                    if batch:
                        cursor.executemany(insert, batch)
                        batch = []
                    table = record["table"]
                    if table not in models:
                        raise RestoreRefused(
                            f"This code has no model for table {table}."
                        )
                    by_column = {f.column: f for f in _stored_fields(models[table])}
                    fields = [by_column[c] for c in record["columns"]]
                    insert = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                        quote(table),
                        ", ".join(quote(c) for c in record["columns"]),
                        ", ".join(["%s"] * len(fields)),
                    )
                    counts[table] = 0
                    continue
                batch.append(
                    [
                        f.get_db_prep_save(f.to_python(v), connection)
                        for f, v in zip(fields, record, strict=True)
                    ]
                )
                counts[table] += 1
                if len(batch) >= BATCH_SIZE:
                    cursor.executemany(insert, batch)
                    batch = []
            if batch:
                cursor.executemany(insert, batch)
            for sql in connection.ops.sequence_reset_sql(
                no_style(), list(models.values())
            ):
                cursor.execute(sql)
        if counts != expected:
            raise BackupError(
                "The loaded row counts differ from the manifest; rolled back."
            )
