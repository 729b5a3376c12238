"""Backups, verification and restores, on whichever engine the suite runs on.

Tests that need pg_dump to see their data commit it, hence transactional
databases throughout.
"""

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from backups import databases, postgresql, services
from backups.errors import (
    ArchiveDamaged,
    BackupError,
    BackupsStale,
    EncryptionKeyError,
    RestoreRefused,
)
from backups.rotation import Retention
from backups.tests.factories import (
    POSTGRESQL,
    archive_names,
    archive_path,
    archive_repack,
    database_fingerprint,
    manifest_read,
    media_fingerprint,
    site_data_change,
    site_data_make,
)
from config import sitecache

pytestmark = pytest.mark.django_db(transaction=True)
requires_postgresql = pytest.mark.skipif(
    not POSTGRESQL, reason="needs DATABASE_URL to point at PostgreSQL"
)


def test_backup_manifest_describes_the_database_and_every_member():
    site_data_make()
    result = services.backup_create()
    manifest = manifest_read(result.name)
    database = manifest["database"]
    assert database["engine"] == connection.vendor
    # Data migrations may add groups of their own.
    assert database["row_counts"]["auth_group"] == Group.objects.count() >= 5
    assert ["auth", "0001_initial"] in database["migrations"]
    names = {member["name"] for member in manifest["members"]}
    assert names == {
        "media/products/photo.jpg",
        "media/pages/notes.txt",
        "media/pages/logo.png",
        database["member"],
    }
    assert all(len(member["sha256"]) == 64 for member in manifest["members"])
    assert manifest["django"] and manifest["app"]["version"]


def test_restore_brings_back_every_row_and_media_file_exactly():
    site_data_make()
    rows, files = database_fingerprint(), media_fingerprint()
    result = services.backup_create()
    site_data_change()
    assert database_fingerprint() != rows
    assert media_fingerprint() != files

    restored = services.backup_restore(name=result.name)

    assert database_fingerprint() == rows
    assert media_fingerprint() == files
    # A safety backup archive, or on PostgreSQL a safety copy of the old
    # database (see test_safety_copy_rolls_a_restore_back).
    if POSTGRESQL:
        assert restored.safety_archive is None
        assert restored.safety_copy in [c.name for c in services.safety_copies_list()]
    else:
        assert restored.safety_copy is None
        assert restored.safety_archive in archive_names()


def test_restore_makes_what_was_cached_from_the_old_data_stale():
    """Pages and values cached before the restore are not used after it."""
    site_data_make()
    result = services.backup_create()
    before = sitecache.content_version()

    services.backup_restore(name=result.name)

    assert sitecache.content_version().token != before.token


def test_portable_backup_restores_every_row_and_media_file():
    site_data_make()
    rows, files = database_fingerprint(), media_fingerprint()
    result = services.backup_create(portable=True)
    assert manifest_read(result.name)["database"]["engine"] == "portable"
    site_data_change()

    services.backup_restore(name=result.name)

    assert database_fingerprint() == rows
    assert media_fingerprint() == files
    # The sequences follow the restored rows: new rows get fresh keys.
    assert Group.objects.create(name="after the restore").pk


def test_restore_rewrites_only_the_media_files_that_differ(settings):
    site_data_make()
    result = services.backup_create()
    site_data_change()
    untouched = settings.MEDIA_ROOT / "pages" / "logo.png"
    inode = untouched.stat().st_ino

    services.backup_restore(name=result.name)

    assert untouched.stat().st_ino == inode
    assert (settings.MEDIA_ROOT / "pages" / "notes.txt").exists()


def test_restore_without_media_leaves_media_alone():
    site_data_make()
    rows = database_fingerprint()
    result = services.backup_create()
    site_data_change()
    changed_files = media_fingerprint()

    services.backup_restore(name=result.name, media=False)

    assert database_fingerprint() == rows
    assert media_fingerprint() == changed_files


def test_backup_without_media_holds_only_the_database():
    site_data_make()
    result = services.backup_create(media=False)
    members = [m["name"] for m in manifest_read(result.name)["members"]]
    assert members == [manifest_read(result.name)["database"]["member"]]


def _database_names() -> set[str]:
    """The databases on the server (PostgreSQL only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        return {row[0] for row in cursor.fetchall()}


def _flip_byte(path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_flip_byte, _truncate], ids=["flipped", "cut"])
@pytest.mark.parametrize("key", ["", "a long enough secret key"], ids=["plain", "enc"])
def test_damaged_archive_is_refused_and_database_untouched(settings, damage, key):
    settings.BACKUP_ENCRYPTION_KEY = key
    site_data_make()
    result = services.backup_create()
    site_data_change()
    rows, files = database_fingerprint(), media_fingerprint()
    damage(archive_path(result.name))
    archives = archive_names()

    with pytest.raises(ArchiveDamaged, match=result.name):
        services.backup_verify(name=result.name)
    with pytest.raises(ArchiveDamaged, match=result.name):
        services.backup_restore(name=result.name)

    assert database_fingerprint() == rows
    assert media_fingerprint() == files
    assert archive_names() == archives  # and so no safety backup either


def test_verify_all_names_every_damaged_archive():
    first = services.backup_create(now=datetime(2026, 1, 1, tzinfo=UTC))
    second = services.backup_create(now=datetime(2026, 1, 2, tzinfo=UTC))
    services.backup_create(now=datetime(2026, 1, 3, tzinfo=UTC))
    _flip_byte(archive_path(first.name))
    _truncate(archive_path(second.name))

    with pytest.raises(ArchiveDamaged) as raised:
        services.backup_verify(every=True)

    assert first.name in str(raised.value)
    assert second.name in str(raised.value)
    states = {a.name: a.verified for a in services.backups_list()}
    assert states[first.name] is False
    assert states[second.name] is False


def test_restore_test_loads_a_scratch_database_and_matches_row_counts():
    site_data_make()
    result = services.backup_create()
    [verified] = services.backup_verify(name=result.name, restore_test=True)
    assert (
        verified.restore_counts == manifest_read(result.name)["database"]["row_counts"]
    )


def test_an_archive_with_the_media_first_restores_as_well():
    """The layout of archives made before the database came first."""
    site_data_make()
    result = services.backup_create()
    rows, files = database_fingerprint(), media_fingerprint()
    older = archive_repack(result.name, change={}, media_first=True)
    assert manifest_read(older)["members"][0]["name"].startswith("media/")
    site_data_change()

    services.backup_restore(name=older)

    assert database_fingerprint() == rows
    assert media_fingerprint() == files


def test_restore_refuses_an_archive_from_the_other_engine():
    site_data_make()
    result = services.backup_create()
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    foreign = archive_repack(result.name, change={"engine": other})
    site_data_change()
    rows, files = database_fingerprint(), media_fingerprint()

    with pytest.raises(RestoreRefused, match=f"holds a {other} database"):
        services.backup_restore(name=foreign)

    assert database_fingerprint() == rows
    assert media_fingerprint() == files


def test_restore_refuses_an_archive_with_migrations_the_code_lacks():
    site_data_make()
    result = services.backup_create()
    migrations = manifest_read(result.name)["database"]["migrations"]
    future = archive_repack(
        result.name, change={"migrations": [*migrations, ["auth", "9999_future"]]}
    )
    site_data_change()
    rows, files = database_fingerprint(), media_fingerprint()

    with pytest.raises(RestoreRefused, match=r"auth\.9999_future"):
        services.backup_restore(name=future)

    assert database_fingerprint() == rows
    assert media_fingerprint() == files


def test_restore_refuses_media_paths_outside_the_media_folder(settings):
    site_data_make()
    result = services.backup_create()
    evil = archive_repack(
        result.name, change={}, extra={"media/../../outside.txt": b"escape"}
    )
    site_data_change()
    rows = database_fingerprint()

    archives = archive_names()

    with pytest.raises(ArchiveDamaged, match="unsafe media path"):
        services.backup_restore(name=evil)

    assert database_fingerprint() == rows
    assert archive_names() == archives  # refused before the safety backup
    assert not (settings.MEDIA_ROOT.parent / "outside.txt").exists()


def test_encrypted_archive_round_trips(settings):
    settings.BACKUP_ENCRYPTION_KEY = "correct horse battery staple 2026"
    site_data_make()
    rows, files = database_fingerprint(), media_fingerprint()
    result = services.backup_create()
    assert result.name.endswith(".tar.zst.enc")
    assert b"manifest.json" not in archive_path(result.name).read_bytes()
    site_data_change()

    services.backup_restore(name=result.name)

    assert database_fingerprint() == rows
    assert media_fingerprint() == files


@pytest.mark.parametrize("key", ["another key entirely", ""], ids=["wrong", "missing"])
def test_encrypted_archive_fails_clearly_without_its_key(settings, key):
    settings.BACKUP_ENCRYPTION_KEY = "correct horse battery staple 2026"
    site_data_make()
    result = services.backup_create()
    site_data_change()
    rows = database_fingerprint()
    settings.BACKUP_ENCRYPTION_KEY = key

    with pytest.raises(EncryptionKeyError, match="BACKUP_ENCRYPTION_KEY"):
        services.backup_verify(name=result.name)
    with pytest.raises(EncryptionKeyError, match="BACKUP_ENCRYPTION_KEY"):
        services.backup_restore(name=result.name)
    assert database_fingerprint() == rows


def test_gzip_archives_round_trip(settings):
    settings.BACKUP_COMPRESSION = "gzip"
    site_data_make()
    rows = database_fingerprint()
    result = services.backup_create()
    assert result.name.endswith(".tar.gz")
    site_data_change()
    services.backup_restore(name=result.name)
    assert database_fingerprint() == rows


def test_failing_dump_prunes_nothing_and_leaves_no_file(monkeypatch, backup_dir):
    for day in range(1, 4):
        services.backup_create(now=datetime(2026, 1, day, tzinfo=UTC))
    before = sorted(p.name for p in backup_dir.iterdir())

    def failing_dump(**kwargs):
        raise BackupError("pg_dump failed: connection refused")

    monkeypatch.setattr(databases, "database_dump", failing_dump)
    with pytest.raises(BackupError, match="pg_dump failed"):
        services.backup_create(retention=Retention(daily=1))

    assert sorted(p.name for p in backup_dir.iterdir()) == before


@requires_postgresql
def test_bad_database_credentials_fail_the_backup_and_prune_nothing(
    monkeypatch, backup_dir
):
    for day in range(1, 4):
        services.backup_create(now=datetime(2026, 1, day, tzinfo=UTC))
    before = sorted(p.name for p in backup_dir.iterdir())
    monkeypatch.setitem(connection.settings_dict, "USER", "no_such_role_here")

    with pytest.raises(BackupError, match="no_such_role_here"):
        services.backup_create(retention=Retention(daily=1))

    assert sorted(p.name for p in backup_dir.iterdir()) == before


def test_restore_latest_picks_the_newest_verified_archive():
    services.backup_create(now=datetime(2026, 1, 1, tzinfo=UTC))
    Group.objects.create(name="only in the newest")
    newest = services.backup_create(now=datetime(2026, 1, 2, tzinfo=UTC))
    Group.objects.all().delete()

    restored = services.backup_restore(name="latest")

    assert restored.name == newest.name
    assert Group.objects.filter(name="only in the newest").exists()


def test_restore_asks_first_and_a_no_changes_nothing():
    site_data_make()
    result = services.backup_create()
    site_data_change()
    rows = database_fingerprint()
    questions = []

    def refuse(question: str) -> bool:
        questions.append(question)
        return False

    with pytest.raises(BackupError, match="cancelled"):
        services.backup_restore(name=result.name, confirm=refuse)
    assert questions
    assert database_fingerprint() == rows


def test_check_backups_wants_a_recent_verified_archive():
    with pytest.raises(BackupsStale, match="no verified"):
        services.backups_check(max_age=timedelta(hours=26))
    made = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    result = services.backup_create(now=made)

    fresh = services.backups_check(
        max_age=timedelta(hours=26), now=made + timedelta(hours=25)
    )
    assert fresh.name == result.name
    with pytest.raises(BackupsStale, match=result.name):
        services.backups_check(
            max_age=timedelta(hours=26), now=made + timedelta(hours=27)
        )


def test_a_second_backup_in_the_same_second_gets_its_own_name():
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    first = services.backup_create(now=moment)
    second = services.backup_create(now=moment)
    assert first.name != second.name
    assert [a.name for a in services.backups_list()] == [first.name, second.name]


def test_archives_can_live_in_a_django_storage_such_as_s3(settings, backup_dir):
    # InMemoryStorage stands in for S3: archives take the storage API path,
    # not the local temp-file-and-rename one.
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.BACKUP_STORAGE = "backups"
    site_data_make()
    rows, files = database_fingerprint(), media_fingerprint()
    result = services.backup_create()
    site_data_change()

    [listed] = services.backups_list()
    services.backup_restore(name="latest")

    assert listed.name == result.name
    assert listed.verified
    assert database_fingerprint() == rows
    assert media_fingerprint() == files
    # Only the lock and the temporary work folder are local.
    assert not list(backup_dir.glob("backup-*"))


def test_archives_and_media_in_s3_buckets_list_verify_restore_and_rotate(
    buckets, backup_dir
):
    # What several app servers share: media and archives in buckets (moto).
    buckets.media_in_bucket()
    buckets.backups_in_bucket(prefix="nightly")
    site_data_make()
    rows, files = database_fingerprint(), media_fingerprint()
    assert "products/photo.jpg" in files
    day = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    older = services.backup_create(now=day)
    newest = services.backup_create(now=day + timedelta(days=1))
    site_data_change()

    listed = services.backups_list()
    [checked] = services.backup_verify()
    services.backup_restore(name="latest")

    assert [a.name for a in listed] == [older.name, newest.name]
    assert all(a.verified and a.size for a in listed)
    assert checked.name == newest.name
    assert database_fingerprint() == rows
    assert media_fingerprint() == files
    stored = buckets.keys(buckets.backups)
    assert f"nightly/{newest.name}" in stored
    assert f"nightly/{newest.name}.json" in stored
    # Rotation deletes from the bucket too: keep one daily archive.
    services.backup_create(now=day + timedelta(days=2), retention=Retention(daily=1))
    remaining = {a.name for a in services.backups_list()}
    assert older.name not in remaining and newest.name not in remaining
    assert f"nightly/{older.name}" not in buckets.keys(buckets.backups)
    assert not list(backup_dir.glob("backup-*"))


def test_a_backup_clears_leftovers_of_killed_runs_but_not_a_running_verify(
    backup_dir,
):
    backup_dir.mkdir()
    killed = backup_dir / ".partial-123-abcd"
    killed.write_bytes(b"half an archive")
    running_verify = backup_dir / ".verify-fresh"
    running_verify.mkdir()
    old_verify = backup_dir / ".verify-old"
    old_verify.mkdir()
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old_verify, (two_days_ago, two_days_ago))

    services.backup_create()

    assert not killed.exists()
    assert running_verify.exists()
    assert not old_verify.exists()


@requires_postgresql
def test_safety_copy_rolls_a_restore_back():
    """The replaced database and media are kept, and a rollback puts them back."""
    site_data_make()
    result = services.backup_create()
    site_data_change()
    rows, files = database_fingerprint(), media_fingerprint()

    restored = services.backup_restore(name=result.name)
    [copy] = services.safety_copies_list()
    assert copy.name == restored.safety_copy
    assert copy.database in _database_names()
    assert database_fingerprint() != rows

    services.restore_rollback(name="latest")

    assert database_fingerprint() == rows
    assert media_fingerprint() == files
    # The restored database now stands under the copy's name, until dropped.
    services.safety_copy_drop(name=copy.name)
    assert services.safety_copies_list() == []
    assert copy.database not in _database_names()


@requires_postgresql
@pytest.mark.parametrize("failure", ["pg_restore", "row counts"])
def test_a_failing_restore_leaves_the_live_database_untouched(monkeypatch, failure):
    """Nothing changes, and no scratch database or safety copy is left behind."""
    site_data_make()
    result = services.backup_create()
    site_data_change()
    rows, files = database_fingerprint(), media_fingerprint()
    databases_before = _database_names()
    if failure == "pg_restore":

        def broken(scratch, path):
            raise BackupError("pg_restore failed, the database is unchanged")

        monkeypatch.setattr(postgresql.ScratchDatabase, "load", broken)
    else:
        real = postgresql.ScratchDatabase.row_counts
        monkeypatch.setattr(
            postgresql.ScratchDatabase,
            "row_counts",
            lambda scratch: {**real(scratch), "auth_group": -1},
        )

    with pytest.raises(BackupError, match="unchanged|differ"):
        services.backup_restore(name=result.name)

    assert database_fingerprint() == rows
    assert media_fingerprint() == files
    assert services.safety_copies_list() == []
    assert _database_names() == databases_before


@requires_postgresql
@pytest.mark.parametrize("stop", ["cancelled", "damaged"])
def test_a_restore_that_stops_early_leaves_no_database_behind(stop):
    """A restore that stops before the swap leaves no new database behind."""
    site_data_make()
    result = services.backup_create()
    if stop == "damaged":
        _flip_byte(archive_path(result.name))
    rows, before = database_fingerprint(), _database_names()

    with pytest.raises((BackupError, ArchiveDamaged)):
        services.backup_restore(name=result.name, confirm=lambda question: False)

    assert _database_names() == before
    assert database_fingerprint() == rows


@requires_postgresql
def test_a_failed_clean_up_does_not_hide_why_a_restore_stopped(monkeypatch):
    site_data_make()
    result = services.backup_create()
    drop = postgresql.ScratchDatabase.drop

    def load_fails(scratch, path):
        scratch.create()
        raise BackupError("pg_restore failed, the database is unchanged")

    def drop_then_fail(scratch):
        drop(scratch)
        raise BackupError("Cannot connect to PostgreSQL")

    monkeypatch.setattr(postgresql.ScratchDatabase, "load", load_fails)
    monkeypatch.setattr(postgresql.ScratchDatabase, "drop", drop_then_fail)

    with pytest.raises(BackupError, match="pg_restore failed") as raised:
        services.backup_restore(name=result.name)
    assert "was left: Cannot connect" in "\n".join(raised.value.__notes__)


@requires_postgresql
def test_the_restored_database_keeps_the_live_ones_settings_and_grants():
    site_data_make()
    result = services.backup_create()
    live = connection.ops.quote_name(connection.settings_dict["NAME"])
    reader, stranger = (f"showroom_{who}_{os.getpid()}" for who in ("reader", "other"))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {reader}")
        cursor.execute(f"CREATE ROLE {stranger}")
        cursor.execute(f"ALTER DATABASE {live} SET work_mem TO '7MB'")
        cursor.execute(f"REVOKE ALL ON DATABASE {live} FROM PUBLIC")
        cursor.execute(f"GRANT CONNECT ON DATABASE {live} TO {reader}")
    try:
        services.backup_restore(name=result.name, safety_backup=False)

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.setconfig FROM pg_db_role_setting s "
                "JOIN pg_database d ON d.oid = s.setdatabase "
                "WHERE d.datname = current_database() AND s.setrole = 0"
            )
            assert "work_mem=7MB" in cursor.fetchone()[0]
            cursor.execute(
                "SELECT has_database_privilege(%s, current_database(), 'CONNECT'), "
                "has_database_privilege(%s, current_database(), 'CONNECT')",
                [reader, stranger],
            )
            assert cursor.fetchone() == (True, False)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {live} RESET work_mem")
            cursor.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {live} TO PUBLIC")
            cursor.execute(f"REVOKE ALL ON DATABASE {live} FROM {reader}")
            cursor.execute(f"DROP ROLE {reader}")
            cursor.execute(f"DROP ROLE {stranger}")


@requires_postgresql
def test_damage_anywhere_in_the_archive_stops_the_restore_before_any_load(
    monkeypatch,
):
    """The whole archive is checked before a database is even created."""
    site_data_make()
    result = services.backup_create()
    site_data_change()
    rows, files, before = database_fingerprint(), media_fingerprint(), _database_names()
    path = archive_path(result.name)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0x01  # near the end: the manifest, after the database
    path.write_bytes(bytes(data))
    created = []
    create = postgresql.ScratchDatabase.create

    def creating(scratch):
        created.append(scratch.name)
        create(scratch)

    monkeypatch.setattr(postgresql.ScratchDatabase, "create", creating)

    with pytest.raises(ArchiveDamaged, match=result.name):
        services.backup_restore(name=result.name)

    assert created == []
    assert _database_names() == before
    assert database_fingerprint() == rows
    assert media_fingerprint() == files
