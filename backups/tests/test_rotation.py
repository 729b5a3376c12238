"""Grandfather-father-son rotation."""

from datetime import UTC, date, datetime, timedelta

import pytest

from backups import services, storage
from backups.rotation import Retention, archives_to_keep


def _prune(retention: Retention) -> list[str]:
    """Rotate without a new archive, under the lock as `backup --keep-*` does."""
    with services._locked():
        return services._prune(retention=retention)


def _name(day: date) -> str:
    return f"backup-{day:%Y%m%d}T020000Z.tar.zst"


def _archive_fake(folder, day: date, *, verified: bool = True) -> str:
    """An archive file with its status, as a nightly backup leaves them."""
    name = _name(day)
    (folder / name).write_bytes(b"not read by the rotation")
    if verified is not None:
        status = {"verified": verified, "engine": "sqlite"}
        storage.status_write(storage.archive_storage(), name, status)
    return name


def test_rotation_over_400_nightly_runs_keeps_exactly_the_expected_set(backup_dir):
    backup_dir.mkdir()
    first = date(2025, 1, 1)
    for offset in range(400):
        _archive_fake(backup_dir, first + timedelta(days=offset))
        _prune(retention=Retention(daily=7, weekly=4, monthly=12))

    kept = sorted(a.name for a in services.backups_list())

    # The last run is on Wednesday 2026-02-04. Daily: the last seven days.
    daily = [date(2026, 1, 29) + timedelta(days=n) for n in range(7)]
    # Weekly: the newest of ISO weeks 6, 5, 4 and 3 of 2026 (Sundays but
    # the current one), of which Feb 4 and Feb 1 are kept already.
    weekly = [date(2026, 1, 18), date(2026, 1, 25)]
    # Monthly: the newest of each of the last twelve months, back to March
    # 2025; January's and February's are among the daily ones.
    monthly = [
        date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31), date(2025, 6, 30),
        date(2025, 7, 31), date(2025, 8, 31), date(2025, 9, 30), date(2025, 10, 31),
        date(2025, 11, 30), date(2025, 12, 31),
    ]  # fmt: skip
    assert kept == sorted(_name(day) for day in daily + weekly + monthly)
    assert len(kept) == 19


def test_rotation_never_deletes_the_newest_verified_archive(backup_dir):
    backup_dir.mkdir()
    older = _archive_fake(backup_dir, date(2026, 1, 1))
    newest = _archive_fake(backup_dir, date(2026, 1, 2))

    pruned = _prune(retention=Retention(daily=0))

    assert pruned == [older]
    assert [a.name for a in services.backups_list()] == [newest]


def test_rotation_leaves_unverified_and_damaged_archives_alone(backup_dir):
    backup_dir.mkdir()
    damaged = _archive_fake(backup_dir, date(2026, 1, 1), verified=False)
    _archive_fake(backup_dir, date(2026, 1, 2))
    newest = _archive_fake(backup_dir, date(2026, 1, 3))

    _prune(retention=Retention(daily=1))

    assert [a.name for a in services.backups_list()] == [damaged, newest]


def test_a_damaged_newest_archive_does_not_count_as_the_newest_verified(backup_dir):
    backup_dir.mkdir()
    good = _archive_fake(backup_dir, date(2026, 1, 1))
    _archive_fake(backup_dir, date(2026, 1, 2), verified=False)

    _prune(retention=Retention(daily=0))

    assert good in [a.name for a in services.backups_list()]


@pytest.mark.parametrize(
    ("retention", "expected"),
    [
        (Retention(daily=2), ["d31", "d30"]),
        (Retention(weekly=2), ["d31", "d29"]),
        (Retention(monthly=2), ["d31", "n30"]),
        (Retention(), []),
    ],
)
def test_each_rule_keeps_the_newest_archive_of_its_recent_periods(retention, expected):
    moments = {
        "n30": datetime(2025, 11, 30, tzinfo=UTC),  # the last of November
        "d29": datetime(2025, 12, 28, tzinfo=UTC),  # a Sunday, ISO week 52
        "d30": datetime(2025, 12, 30, 1, tzinfo=UTC),
        "d30b": datetime(2025, 12, 30, tzinfo=UTC),  # older on the same day
        "d31": datetime(2025, 12, 31, tzinfo=UTC),
    }
    kept = archives_to_keep(moments.items(), retention=retention)
    assert kept == set(expected)
