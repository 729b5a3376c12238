"""Undo a PostgreSQL restore: put back the database and media it replaced."""

from typing import Any

from backups.management.base import BackupCommand
from backups.services import restore_rollback


class Command(BackupCommand):
    help = (
        "Put back the safety copy a PostgreSQL restore kept (a name from "
        "list_backups, or 'latest'); the restored database takes the copy's "
        "name. Exit codes: 0 done, 1 error, 75 another run holds the lock."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("copy", nargs="?", default="latest")

    def run(self, **options: Any) -> None:
        copy = restore_rollback(name=options["copy"])
        self.done(
            f"Rolled back to {copy.name}; the restored database of "
            f"{copy.archive} is now {copy.database}."
        )
