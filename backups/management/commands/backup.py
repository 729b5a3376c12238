"""Write one backup archive: the database, the media files and a manifest."""

from typing import Any

from backups.management.base import BackupCommand, size_text
from backups.rotation import Retention
from backups.services import backup_create


class Command(BackupCommand):
    help = (
        "Write a verified backup archive to BACKUP_DIR or BACKUP_STORAGE; with "
        "--keep-* options, then prune older archives. Exit codes: 0 done, "
        "1 error, 3 the new archive failed its check, 7 the disk filled up (the "
        "run left no file), 75 another run holds the lock."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-media", action="store_true", help="Leave the media files out."
        )
        parser.add_argument(
            "--portable",
            action="store_true",
            help="Write an engine-neutral dump that loads into SQLite or PostgreSQL.",
        )
        for period in ("daily", "weekly", "monthly"):
            parser.add_argument(
                f"--keep-{period}",
                type=int,
                metavar="N",
                help=f"Keep the newest archive of each of the last N {period} periods.",
            )

    def run(self, **options: Any) -> None:
        keeps = [options[f"keep_{p}"] for p in ("daily", "weekly", "monthly")]
        retention = None
        if any(keep is not None for keep in keeps):
            retention = Retention(*(keep or 0 for keep in keeps))
        result = backup_create(
            media=not options["no_media"],
            portable=options["portable"],
            retention=retention,
            progress=self.progress(),
        )
        pruned = f", pruned {len(result.pruned)}" if retention else ""
        media = sum(
            1 for m in result.manifest["members"] if m["name"].startswith("media/")
        )
        self.done(
            f"Backup {result.name}: {size_text(result.size)}, "
            f"{sum(result.manifest['database']['row_counts'].values())} rows, "
            f"{media} media files, verified{pruned}."
        )
