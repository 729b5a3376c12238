"""Check backup archives' checksums, and optionally restore them into scratch."""

from typing import Any

from django.core.management.base import CommandError

from backups.management.base import BackupCommand
from backups.services import backup_verify


class Command(BackupCommand):
    help = (
        "Check every checksum of an archive (default: the newest), or of all "
        "with --all; --restore-test also loads the database into a scratch "
        "database and compares row counts. Exit codes: 0 intact, 1 error, "
        "3 damaged (named on stderr), 6 encryption key missing or wrong."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", nargs="?", help="Archive name, or 'latest'.")
        parser.add_argument("--all", action="store_true", help="Check every archive.")
        parser.add_argument(
            "--restore-test",
            action="store_true",
            help="Also restore into a scratch database and compare row counts.",
        )

    def run(self, **options: Any) -> None:
        if options["archive"] and options["all"]:
            raise CommandError("Give an archive or --all, not both.", returncode=2)
        results = backup_verify(
            name=options["archive"],
            every=options["all"],
            restore_test=options["restore_test"],
        )
        tested = " and restore-tested" if options["restore_test"] else ""
        names = ", ".join(r.name for r in results) or "no archives"
        self.done(f"Verified{tested} {len(results)} archive(s): {names}.")
