"""Restore the database and media files from a backup archive."""

from typing import Any

from backups.management.base import BackupCommand
from backups.services import backup_restore


class Command(BackupCommand):
    help = (
        "Verify an archive (a name, or 'latest'), keep the current state (a "
        "safety copy on PostgreSQL, a safety backup on SQLite), then replace "
        "the database and media with the archive's. Exit codes: 0 done, "
        "1 error or cancelled, 3 damaged archive, 4 refused (other engine, or "
        "migrations this code lacks), 6 encryption key missing or wrong, "
        "75 another run holds the lock."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="Archive name, or 'latest'.")
        parser.add_argument(
            "--noinput", "--no-input", action="store_true", help="Do not ask."
        )
        parser.add_argument(
            "--no-media", action="store_true", help="Restore the database only."
        )

    def run(self, **options: Any) -> None:
        result = backup_restore(
            name=options["archive"],
            media=not options["no_media"],
            confirm=None if options["noinput"] else self._confirm,
            progress=self.progress(),
        )
        self.done(
            f"Restored {result.name}: "
            f"{sum(result.row_counts.values())} rows, {result.media_files} media "
            f"files; the previous state is in "
            f"{result.safety_copy or result.safety_archive}."
        )

    def _confirm(self, question: str) -> bool:
        try:
            answer = input(f"{question}\nType 'yes' to continue: ")
        except EOFError:
            return False
        return answer.strip().lower() == "yes"
