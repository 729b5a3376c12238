"""Dump and restore the database, in each engine's own format or portably.

The backups app must not know the project's apps, so tables and models are
found through the database's introspection and the app registry.

- PostgreSQL: `pg_dump` in custom format inside an exported snapshot, so the
  row counts in the manifest describe exactly the dumped data. Restores run
  through `psql` in a single transaction.
- SQLite: the online backup API, which copies a consistent snapshot while the
  site keeps serving, and copies back in one write transaction.
- Portable: one JSON line per row, read through a server-side cursor and
  written back with batched inserts, so memory stays flat at any size.
"""

import base64
import contextlib
import datetime
import decimal
import json
import os
import re
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump, pg_restore and psql, no shell
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.apps import apps
from django.core.management.color import no_style
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.models import Field, Model
from django.utils.duration import duration_string

from backups.errors import BackupError, RestoreRefused

PG_MEMBER = "database/db.pgdump"
SQLITE_MEMBER = "database/db.sqlite3"
PORTABLE_MEMBER = "database/data.jsonl"
BATCH_SIZE = 2000
COPY_SIZE = 1024 * 1024


@dataclass
class DatabaseDump:
    """A dump written to a local file, with what the manifest says of it."""

    path: Path
    member: str
    engine: str
    row_counts: dict[str, int]
    migrations: list[list[str]]
    details: dict[str, Any] = field(default_factory=dict)


def engine_name(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in ("postgresql", "sqlite"):
        raise BackupError(
            f"Backups support PostgreSQL and SQLite, not {connection.vendor}."
        )
    return connection.vendor


@contextlib.contextmanager
def database_dump(
    *, connection: BaseDatabaseWrapper, workdir: Path, portable: bool = False
) -> Iterator[Callable[[], DatabaseDump]]:
    """Start dumping the database into a file under `workdir`.

    Yields a function that waits for the dump and returns it. pg_dump runs
    in its own process meanwhile, so the caller can archive the media files
    on the other core; leaving the block early stops it.
    """
    engine = engine_name(connection)
    if portable:
        dump = _portable_dump(connection=connection, workdir=workdir)
    elif engine == "postgresql":
        with _pg_dump(connection=connection, workdir=workdir) as finish:
            yield finish
        return
    else:
        dump = _sqlite_dump(connection=connection, workdir=workdir)
    yield lambda: dump


def known_migrations() -> set[tuple[str, str]]:
    """The migrations this code has, read from disk without the database."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def restore_check(*, connection: BaseDatabaseWrapper, manifest: dict[str, Any]) -> None:
    """Refuse an archive that this site's database or code cannot take."""
    engine = engine_name(connection)
    archived = manifest["database"]["engine"]
    if archived not in ("portable", engine):
        raise RestoreRefused(
            f"The archive holds a {archived} database and this site runs on "
            f"{engine}. Restore it on a {archived} site, or move data between "
            "engines with a portable archive (backup --portable)."
        )
    archive_migrations = {tuple(m) for m in manifest["database"]["migrations"]}
    unknown = sorted(archive_migrations - known_migrations())
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:10])
        raise RestoreRefused(
            f"The archive's database has migrations this code does not have "
            f"({names}). Deploy the code that made the archive, then restore."
        )
    if archived == "portable":
        applied = {tuple(m) for m in _applied_migrations(connection.cursor())}
        if applied != archive_migrations:
            raise RestoreRefused(
                "A portable archive loads into a database migrated exactly as "
                "the archived one: run `manage.py migrate` on an empty "
                "database of this code's version, then restore."
            )


def database_restore(
    *,
    connection: BaseDatabaseWrapper,
    manifest: dict[str, Any],
    stream: BinaryIO,
    workdir: Path,
) -> None:
    """Replace the database with the archived one, all or nothing."""
    database = manifest["database"]
    expected = database["row_counts"]
    if database["engine"] == "portable":
        _portable_load(connection=connection, stream=stream, expected=expected)
    elif database["engine"] == "postgresql":
        _pg_restore(connection=connection, stream=stream, expected=expected)
    else:
        _sqlite_restore(
            connection=connection, stream=stream, workdir=workdir, expected=expected
        )


def restore_test(
    *,
    connection: BaseDatabaseWrapper,
    manifest: dict[str, Any],
    stream: BinaryIO,
    workdir: Path,
) -> dict[str, int]:
    """Load the archived database into a scratch database; return its row counts.

    SQLite archives load into a temporary file, PostgreSQL archives into a
    temporary database on this site's server, dropped afterwards. Portable
    archives are counted line by line, as loading them needs a migrated
    schema.
    """
    engine = manifest["database"]["engine"]
    if engine == "sqlite":
        path = _copy_to_file(stream, workdir / "restore-test.sqlite3")
        with _sqlite_connect(path) as scratch:
            return _counts_sqlite(scratch)
    if engine == "portable":
        return _portable_count(stream)
    if connection.vendor != "postgresql":
        raise BackupError(
            "A restore test of a PostgreSQL archive needs this site to run on "
            "PostgreSQL."
        )
    return _pg_restore_test(connection=connection, stream=stream)


# --- PostgreSQL ------------------------------------------------------------


def _pg_settings(connection: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for the PostgreSQL client tools."""
    settings = connection.settings_dict
    args = []
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    sslmode = (settings.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return [*args, "--no-password"], env


def _pg_connect(connection: BaseDatabaseWrapper, dbname: str | None = None):
    import psycopg

    settings = connection.settings_dict
    params = {
        "dbname": dbname or settings["NAME"],
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
        "host": settings.get("HOST") or None,
        "port": settings.get("PORT") or None,
        "connect_timeout": 10,
    }
    try:
        return psycopg.connect(**{k: v for k, v in params.items() if v is not None})
    except psycopg.OperationalError as error:
        raise BackupError(f"Cannot connect to PostgreSQL: {error}".strip()) from error


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools "
            "(Debian package postgresql-client) matching the server's version."
        )
    return path


def _pg_check_version(raw_connection) -> None:
    """pg_dump refuses newer servers; say so before it does, more clearly."""
    server_major = raw_connection.info.server_version // 10000
    output = subprocess.run(  # noqa: S603
        [_tool("pg_dump"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)\.", output)
    if match and int(match.group(1)) < server_major:
        raise BackupError(
            f"pg_dump {match.group(1)} cannot dump a PostgreSQL {server_major} "
            "server; install the client tools of the server's version."
        )


def _table_names_pg(cursor) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_catalog.pg_tables "
        "WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [row[0] for row in cursor.fetchall()]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts_pg(cursor) -> dict[str, int]:
    counts = {}
    for table in _table_names_pg(cursor):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor) -> list[list[str]]:
    try:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    except Exception:  # noqa: BLE001 - an unmigrated database has no table
        return []
    return [[app, name] for app, name in cursor.fetchall()]


@contextlib.contextmanager
def _pg_dump(
    *, connection: BaseDatabaseWrapper, workdir: Path
) -> Iterator[Callable[[], DatabaseDump]]:
    args, env = _pg_settings(connection)
    path = workdir / "db.pgdump"
    with (
        _pg_connect(connection) as snapshot_connection,
        tempfile.TemporaryFile() as errors,
    ):
        _pg_check_version(snapshot_connection)
        cursor = snapshot_connection.cursor()
        # One snapshot for the counts, the migrations and pg_dump itself, so
        # the manifest describes exactly the rows that were dumped.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        # Compression is left to the archive: zstd is several times faster
        # than pg_dump's zlib at a similar ratio.
        process = subprocess.Popen(  # noqa: S603
            [
                _tool("pg_dump"),
                *args,
                "--format=custom",
                "--compress=0",
                f"--snapshot={snapshot}",
                f"--file={path}",
                connection.settings_dict["NAME"],
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            counts = _counts_pg(cursor)
            migrations = (
                _applied_migrations(cursor) if "django_migrations" in counts else []
            )
            server_version = snapshot_connection.info.server_version

            def finish() -> DatabaseDump:
                if process.wait() != 0:
                    errors.seek(0)
                    message = errors.read().decode(errors="replace").strip()
                    raise BackupError(f"pg_dump failed: {message}")
                return DatabaseDump(
                    path=path,
                    member=PG_MEMBER,
                    engine="postgresql",
                    row_counts=counts,
                    migrations=migrations,
                    details={
                        "format": "pg_dump-custom",
                        "server_version": server_version,
                    },
                )

            yield finish
        finally:
            # The snapshot must outlive pg_dump; so must nothing else.
            if process.poll() is None:
                process.kill()
            process.wait()


class _Pipeline:
    """pg_restore's SQL piped into psql, wrapped in one transaction by us."""

    def __init__(self, connection: BaseDatabaseWrapper, *, dbname: str) -> None:
        args, env = _pg_settings(connection)
        # Both tools' messages, kept until the pipeline ends.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        self.psql = subprocess.Popen(  # noqa: S603
            [
                _tool("psql"),
                *args,
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={dbname}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._errors,
            env={**env, "PGOPTIONS": "--client-min-messages=warning"},
        )
        self.pg_restore = None
        self._restore_args = args
        self._env = env

    def sql(self, text: str) -> None:
        self.psql.stdin.write(text.encode())
        self.psql.stdin.flush()

    def feed(self, stream: BinaryIO) -> None:
        self.pg_restore = subprocess.Popen(  # noqa: S603
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--clean",
                "--if-exists",
                "--file=-",
            ],
            stdin=subprocess.PIPE,
            stdout=self.psql.stdin,
            stderr=self._errors,
            env=self._env,
        )
        try:
            while chunk := stream.read(COPY_SIZE):
                self.pg_restore.stdin.write(chunk)
        except BrokenPipeError:
            pass
        finally:
            self.pg_restore.stdin.close()
        if self.pg_restore.wait() != 0:
            self.abort()
            raise BackupError(f"pg_restore failed: {self._error_text()}")

    def finish(self) -> None:
        try:
            self.sql("COMMIT;\n")
            self.psql.stdin.close()
        except BrokenPipeError:
            pass
        if self.psql.wait() != 0:
            raise BackupError(
                f"The restore was rolled back, the database is unchanged: "
                f"{self._error_text()}"
            )

    def abort(self) -> None:
        # Closing psql's input without COMMIT ends its session, and
        # PostgreSQL rolls the open transaction back.
        if self.pg_restore is not None and self.pg_restore.poll() is None:
            self.pg_restore.kill()
            self.pg_restore.wait()
        if self.psql.poll() is None:
            self.psql.kill()
        self.psql.wait()

    def _error_text(self) -> str:
        self._errors.seek(0)
        lines = self._errors.read().decode(errors="replace").strip().splitlines()
        return " ".join(lines[-5:]) or "no message"


def _count_assertions(expected: dict[str, int]) -> str:
    """SQL that fails the transaction unless each table has the archived rows."""
    # Table names are quoted, counts are integers.
    checks = "".join(
        f"IF (SELECT COUNT(*) FROM {_quote(table)}) <> {int(count)} THEN "  # noqa: S608
        f"RAISE EXCEPTION 'row count of % differs from the manifest', "
        f"{_literal(table)}; END IF;\n"
        for table, count in expected.items()
    )
    # pg_restore's script empties search_path; the table names are unqualified.
    return f"RESET search_path;\nDO $$ BEGIN\n{checks}END $$;\n" if checks else ""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pg_restore(
    *, connection: BaseDatabaseWrapper, stream: BinaryIO, expected: dict[str, int]
) -> None:
    with connection.cursor() as cursor:
        tables = _table_names_pg(cursor)
    # Django's own session must hold no locks on the tables being replaced.
    connection.close()
    pipeline = _Pipeline(connection, dbname=connection.settings_dict["NAME"])
    try:
        # Drop every table first, so the result is exactly the archive, not
        # the archive plus tables the current schema has and it does not.
        pipeline.sql(
            "BEGIN;\n"
            + "".join(f"DROP TABLE IF EXISTS {_quote(t)} CASCADE;\n" for t in tables)
        )
        pipeline.feed(stream)
        pipeline.sql(_count_assertions(expected))
    except BaseException:
        pipeline.abort()
        raise
    pipeline.finish()


def _pg_restore_test(
    *, connection: BaseDatabaseWrapper, stream: BinaryIO
) -> dict[str, int]:
    scratch = f"showroom_restore_test_{uuid.uuid4().hex[:12]}"
    with _pg_connect(connection, dbname="postgres") as admin:
        admin.autocommit = True
        admin.execute(f"CREATE DATABASE {_quote(scratch)}")
    try:
        pipeline = _Pipeline(connection, dbname=scratch)
        try:
            pipeline.sql("BEGIN;\n")
            pipeline.feed(stream)
        except BaseException:
            pipeline.abort()
            raise
        pipeline.finish()
        with _pg_connect(connection, dbname=scratch) as restored:
            return _counts_pg(restored.cursor())
    finally:
        with _pg_connect(connection, dbname="postgres") as admin:
            admin.autocommit = True
            admin.execute(f"DROP DATABASE IF EXISTS {_quote(scratch)} WITH (FORCE)")


# --- SQLite ----------------------------------------------------------------


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _counts_sqlite(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: db.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0]  # noqa: S608
        for name in names
    }


def _sqlite_dump(*, connection: BaseDatabaseWrapper, workdir: Path) -> DatabaseDump:
    path = workdir / "db.sqlite3"
    connection.ensure_connection()
    target = _sqlite_connect(path)
    try:
        # One step (pages=-1) copies a single consistent snapshot; readers
        # and, in WAL mode, writers of the live site carry on meanwhile.
        connection.connection.backup(target)
        # A self-contained file: no -wal file may be needed to read it.
        target.execute("PRAGMA journal_mode=DELETE")
        counts = _counts_sqlite(target)
        migrations = (
            _applied_migrations(target.cursor())
            if "django_migrations" in counts
            else []
        )
        version = target.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        target.close()
    return DatabaseDump(
        path=path,
        member=SQLITE_MEMBER,
        engine="sqlite",
        row_counts=counts,
        migrations=migrations,
        details={"format": "sqlite", "sqlite_version": version},
    )


def _copy_to_file(stream: BinaryIO, path: Path) -> Path:
    with path.open("wb") as out:
        while chunk := stream.read(COPY_SIZE):
            out.write(chunk)
    return path


def _sqlite_restore(
    *,
    connection: BaseDatabaseWrapper,
    stream: BinaryIO,
    workdir: Path,
    expected: dict[str, int],
) -> None:
    path = _copy_to_file(stream, workdir / "restore.sqlite3")
    source = _sqlite_connect(path)
    try:
        if _counts_sqlite(source) != expected:
            raise BackupError(
                "The archived database's row counts differ from the manifest."
            )
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise BackupError("Cannot restore inside a transaction.")
        # The backup API copies the whole file into the live database in one
        # write transaction: other connections see the old or the new
        # database, never a mix, and WAL files stay consistent, which a
        # rename under open connections would not guarantee.
        source.backup(connection.connection)
    finally:
        source.close()


# --- Portable --------------------------------------------------------------


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


def _portable_dump(*, connection: BaseDatabaseWrapper, workdir: Path) -> DatabaseDump:
    path = workdir / "data.jsonl"
    counts: dict[str, int] = {}
    with transaction.atomic(using=connection.alias), path.open("w") as out:
        if connection.vendor == "postgresql" and not _nested(connection):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for model in portable_models():
            counts[model._meta.db_table] = _portable_dump_model(connection, model, out)
        with connection.cursor() as cursor:
            migrations = _applied_migrations(cursor)
    return DatabaseDump(
        path=path,
        member=PORTABLE_MEMBER,
        engine="portable",
        row_counts=counts,
        migrations=migrations,
        details={"format": "jsonl", "source_engine": connection.vendor},
    )


def _nested(connection: BaseDatabaseWrapper) -> bool:
    # Inside an enclosing atomic block (as in tests) the transaction has
    # begun already and its isolation level can no longer be set.
    return len(connection.savepoint_ids) > 0 or not connection.commit_on_exit


def _portable_dump_model(
    connection: BaseDatabaseWrapper, model: type[Model], out
) -> int:
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


def _portable_count(stream: BinaryIO) -> dict[str, int]:
    counts: dict[str, int] = {}
    table = None
    for line in _lines(stream):
        if line.startswith(b"{"):
            table = json.loads(line)["table"]
            counts[table] = 0
        else:
            counts[table] += 1
    return counts


def _portable_load(
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
