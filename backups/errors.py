"""Errors of the backups app, each with the exit code its command returns.

Cron and monitoring read the exit code, so each kind of failure has its own;
README.md lists them.
"""

EXIT_ERROR = 1
EXIT_DAMAGED = 3
EXIT_REFUSED = 4
EXIT_STALE = 5
EXIT_KEY = 6
EXIT_NO_SPACE = 7
EXIT_LOCKED = 75  # EX_TEMPFAIL from sysexits.h: try again later.


class BackupError(Exception):
    """A backup, verify or restore that could not be done; nothing was lost."""

    exit_code = EXIT_ERROR


class ArchiveDamaged(BackupError):
    """An archive whose checksums, structure or authentication do not hold."""

    exit_code = EXIT_DAMAGED

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name} is damaged: {reason}")
        self.name = name
        self.reason = reason


class RestoreRefused(BackupError):
    """An intact archive that must not be restored into this site."""

    exit_code = EXIT_REFUSED


class BackupsStale(BackupError):
    """No verified archive is recent enough."""

    exit_code = EXIT_STALE


class EncryptionKeyError(BackupError):
    """The archive is encrypted and the key is missing or wrong."""

    exit_code = EXIT_KEY


class BackupDiskFull(BackupError):
    """The disk under the backup folder filled up while an archive was written.

    The unfinished archive has been removed and earlier ones are untouched;
    running again helps only once space has been freed.
    """

    exit_code = EXIT_NO_SPACE

    def __init__(self, folders: list[str]) -> None:
        where = " or ".join(folders)
        super().__init__(
            f"The disk is full: no space left in {where} to write the backup. "
            "This run left no file behind and earlier archives are untouched. "
            "Free some space there (or point BACKUP_DIR at a larger disk) and "
            "run the backup again."
        )
        self.folders = folders


class BackupLocked(BackupError):
    """Another backup or restore is running."""

    exit_code = EXIT_LOCKED
