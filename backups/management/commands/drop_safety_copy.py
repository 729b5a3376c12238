"""Drop safety copies of PostgreSQL restores, which are whole databases."""

from typing import Any

from django.core.management.base import CommandError

from backups.management.base import BackupCommand
from backups.services import safety_copies_list, safety_copy_drop


class Command(BackupCommand):
    help = (
        "Drop a safety copy (its database and saved media files), or all "
        "with --all. Exit codes: 0 done, 1 error, 75 another run holds the lock."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("copy", nargs="?")
        parser.add_argument("--all", action="store_true", help="Drop every copy.")

    def run(self, **options: Any) -> None:
        if bool(options["copy"]) == options["all"]:
            raise CommandError("Give a safety copy's name or --all.", returncode=2)
        names = (
            [c.name for c in safety_copies_list()]
            if options["all"]
            else [options["copy"]]
        )
        for name in names:
            safety_copy_drop(name=name)
        self.done(
            f"Dropped {len(names)} safety cop{'y' if len(names) == 1 else 'ies'}."
        )
