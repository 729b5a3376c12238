"""The commands as cron runs them: exit codes, output, locking, crashes."""

import hashlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from backups.errors import EXIT_DAMAGED, EXIT_LOCKED, EXIT_REFUSED, EXIT_STALE
from backups.tests.factories import (
    POSTGRESQL,
    archive_names,
    archive_path,
    archive_repack,
    site_data_make,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Runs a command in a separate process, made to stop for a minute right
# after it has written the first media file into the archive, so that the
# test can kill it, or start a second run, at a known point.
HARNESS = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from backups import archive
    add = archive.ArchiveWriter.add
    def add_slowly(self, name, *args, **kwargs):
        add(self, name, *args, **kwargs)
        if name.startswith("media/"):
            print("writing", flush=True)
            time.sleep(60)
    archive.ArchiveWriter.add = add_slowly
    from django.core.management import call_command
    call_command(*sys.argv[1:])
    """
)


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _exit_code(*args: str) -> tuple[int, str]:
    with pytest.raises(CommandError) as raised:
        _run(*args)
    return raised.value.returncode, str(raised.value)


@pytest.fixture
def backup_process(tmp_path):
    """Start `manage.py backup` in its own process; yield it once it is writing."""
    yield from _backup_started(tmp_path, backup_dir=settings.BACKUP_DIR)


@pytest.fixture
def other_server_backup(tmp_path):
    """A backup running on another app server: its own disk, the same database."""
    yield from _backup_started(tmp_path, backup_dir=tmp_path / "other-server")


def _backup_started(tmp_path: Path, *, backup_dir: Path):
    database_url = f"sqlite:///{tmp_path / 'harness.sqlite3'}"
    if POSTGRESQL:
        # The subprocess backs up the test database itself.
        s = connection.settings_dict
        database_url = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    script = tmp_path / "harness.py"
    script.write_text(HARNESS)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "PYTHONPATH": str(settings.BASE_DIR),
        "DATABASE_URL": database_url,
        "BACKUP_DIR": str(backup_dir),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, str(script), "backup"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.strip() == "writing", process.stderr.read()
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.iterdir()
        if path.name.startswith("backup-")
    }


def test_backup_prints_one_summary_line_and_nothing_on_stderr():
    site_data_make()
    out, err = _run("backup")
    assert out.count("\n") == 1
    assert out.startswith("Backup backup-") and "verified" in out
    assert err == ""


@pytest.fixture
def media_made() -> None:
    """Media files, so that a backup has something to stop on."""
    site_data_make()


def test_kill_9_mid_archive_keeps_earlier_archives_and_the_next_run_works(
    media_made, backup_dir, request
):
    _run("backup", "--no-media")
    earlier = _digests(backup_dir)
    process = request.getfixturevalue("backup_process")
    # Something is being written, under a temporary name only.
    assert any(p.name.startswith(".partial-") for p in backup_dir.iterdir())

    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    assert _digests(backup_dir) == earlier
    # The dead process's lock is taken over, and its leftovers cleared.
    out, _ = _run("backup")
    assert "verified" in out
    assert not any(p.name.startswith(".partial-") for p in backup_dir.iterdir())
    assert len(archive_names()) == 2


def test_a_second_backup_exits_at_once_with_the_lock_code(media_made, request):
    process = request.getfixturevalue("backup_process")
    started = time.monotonic()

    code, message = _exit_code("backup")

    assert code == EXIT_LOCKED
    assert str(process.pid) in message
    assert time.monotonic() - started < 1
    assert process.poll() is None  # the first run carries on


@pytest.mark.skipif(not POSTGRESQL, reason="one SQLite file has one machine")
def test_a_backup_on_another_server_makes_this_one_exit_with_the_lock_code(
    media_made, request
):
    process = request.getfixturevalue("other_server_backup")

    code, message = _exit_code("backup")

    assert code == EXIT_LOCKED
    assert f"pid {process.pid}" in message
    assert process.poll() is None
    process.kill()
    process.wait()
    # The database server let the lock go with the killed process.
    out, _ = _run("backup")
    assert "verified" in out


@pytest.mark.skipif(not POSTGRESQL, reason="one SQLite file has one machine")
def test_a_restore_waits_for_no_lock_of_its_own_making(media_made):
    # The restore renames the live database and ends its sessions; the lock
    # is held from the maintenance database, so it survives and is let go.
    _run("backup")
    _run("restore", "latest", "--noinput")
    out, _ = _run("backup")
    assert "verified" in out


def test_a_lock_file_left_by_a_dead_process_is_taken_over(backup_dir):
    backup_dir.mkdir()
    (backup_dir / ".backup.lock").write_text("999999\n")
    out, _ = _run("backup")
    assert "verified" in out


def test_verify_backup_names_a_damaged_archive_with_its_exit_code():
    site_data_make()
    _run("backup")
    [name] = archive_names()
    path = archive_path(name)
    path.write_bytes(path.read_bytes()[:-100])

    code, message = _exit_code("verify_backup", name)

    assert code == EXIT_DAMAGED
    assert name in message


def test_restore_refusal_has_its_own_exit_code():
    site_data_make()
    _run("backup")
    [name] = archive_names()
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    foreign = archive_repack(name, change={"engine": other})

    code, _ = _exit_code("restore", foreign, "--noinput")

    assert code == EXIT_REFUSED


def test_restore_with_noinput_never_prompts(monkeypatch):
    site_data_make()
    _run("backup")

    def no_prompt(*args):
        raise AssertionError("restore --noinput asked a question")

    monkeypatch.setattr("builtins.input", no_prompt)
    out, _ = _run("restore", "latest", "--noinput")
    assert out.startswith("Restored ")


def test_restore_without_noinput_and_without_a_terminal_changes_nothing(monkeypatch):
    site_data_make()
    _run("backup")

    def end_of_input(*args):
        raise EOFError

    monkeypatch.setattr("builtins.input", end_of_input)
    code, message = _exit_code("restore", "latest")
    assert code == 1
    assert "cancelled" in message
    assert len(archive_names()) == 1  # no safety backup was taken


def test_list_backups_shows_date_size_engine_and_state():
    _run("backup")
    out, _ = _run("list_backups")
    [name] = archive_names()
    line = out.splitlines()[0]
    assert name in line
    assert connection.vendor in line
    assert "verified" in line
    assert "KiB" in line or " B " in line


def test_check_backups_exit_codes():
    code, message = _exit_code("check_backups", "--max-age", "26h")
    assert code == EXIT_STALE
    assert "no verified" in message

    _run("backup")
    out, _ = _run("check_backups", "--max-age", "26h")
    assert out.startswith("Newest verified backup")


def test_backup_with_keep_options_prunes_after_verifying():
    for _ in range(3):
        _run("backup", "--keep-daily", "1")
    # All three are from today: one day, one archive.
    assert len(archive_names()) == 1


@pytest.mark.skipif(not POSTGRESQL, reason="safety copies are PostgreSQL's")
def test_list_backups_shows_safety_copies_and_rollback_restore_undoes():
    site_data_make()
    _run("backup")
    Group.objects.create(name="made after the backup")
    _run("restore", "latest", "--noinput")
    assert not Group.objects.filter(name="made after the backup").exists()
    out, _ = _run("list_backups")
    assert "safety copy" in out

    out, _ = _run("rollback_restore")

    assert out.startswith("Rolled back")
    assert Group.objects.filter(name="made after the backup").exists()
    out, _ = _run("drop_safety_copy", "--all")
    assert out.startswith("Dropped 1 safety copy")
