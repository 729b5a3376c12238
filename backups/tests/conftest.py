"""Fixtures for the backups tests: a private backup folder for each test."""

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path) -> Iterator[Path]:
    """Archives, the lock and temporary files go to a fresh folder."""
    path = tmp_path / "backups"
    settings.BACKUP_DIR = path
    settings.BACKUP_STORAGE = ""
    settings.BACKUP_COMPRESSION = "zstd"
    settings.BACKUP_ENCRYPTION_KEY = ""
    yield path
    # Safety copies of PostgreSQL restores are whole databases: drop them.
    from backups import services

    for copy in services.safety_copies_list():
        services.safety_copy_drop(name=copy.name)
