"""Portable archives move a site between SQLite and PostgreSQL.

Both directions need both engines, so these run only when the suite runs on
PostgreSQL; the SQLite side is a file that a child process migrates.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from backups import services
from backups.tests.factories import (
    POSTGRESQL,
    database_fingerprint,
    manifest_read,
    site_data_make,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not POSTGRESQL, reason="needs DATABASE_URL to point at PostgreSQL"
    ),
]


def _manage_on_sqlite(database: Path, *args: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": f"sqlite:///{database}",
        "BACKUP_DIR": str(settings.BACKUP_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _sqlite_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        ]
        count = 'SELECT COUNT(*) FROM "{}"'  # table names from sqlite_master
        return {t: db.execute(count.format(t)).fetchone()[0] for t in tables}


def test_portable_archive_from_postgresql_loads_into_sqlite(tmp_path):
    site_data_make()
    result = services.backup_create(portable=True)
    expected = manifest_read(result.name)["database"]["row_counts"]
    database = tmp_path / "moved.sqlite3"
    _manage_on_sqlite(database, "migrate", "--noinput", "-v0")

    _manage_on_sqlite(database, "restore", result.name, "--noinput")

    counts = _sqlite_counts(database)
    assert {table: counts[table] for table in expected} == expected
    assert counts["auth_group"] == Group.objects.count() >= 5


def test_portable_archive_from_sqlite_loads_into_postgresql(tmp_path):
    database = tmp_path / "old.sqlite3"
    _manage_on_sqlite(database, "migrate", "--noinput", "-v0")
    with sqlite3.connect(database) as db:
        db.executemany(
            "INSERT INTO auth_group (name) VALUES (?)",
            [(f"from sqlite {n}",) for n in range(7)],
        )
    out = _manage_on_sqlite(database, "backup", "--portable")
    name = out.split()[1].rstrip(":")
    before = database_fingerprint()

    services.backup_restore(name=name)

    assert database_fingerprint() != before
    loaded = Group.objects.filter(name__startswith="from sqlite")
    assert sorted(loaded.values_list("name", flat=True)) == [
        f"from sqlite {n}" for n in range(7)
    ]
    # The sequence follows the loaded keys.
    highest = max(Group.objects.values_list("pk", flat=True))
    assert Group.objects.create(name="new on postgresql").pk > highest
