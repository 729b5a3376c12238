"""Fixtures for the backups tests: a private backup folder for each test."""

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def backup_dir(settings, tmp_path) -> Path:
    """Archives, the lock and temporary files go to a fresh folder."""
    path = tmp_path / "backups"
    settings.BACKUP_DIR = path
    settings.BACKUP_STORAGE = ""
    settings.BACKUP_COMPRESSION = "zstd"
    settings.BACKUP_ENCRYPTION_KEY = ""
    return path
