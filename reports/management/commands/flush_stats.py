"""Write the counts buffered in the cache to the database."""

from django.core.management.base import BaseCommand

from reports.services import reports_refresh, stats_flush


class Command(BaseCommand):
    help = (
        "Write the page views, searches, sign-ups and saves buffered in the "
        "cache to the database, and replace finished days' visitor hashes by "
        "their number, then compute the reports of the standard periods again. "
        "Safe to run at any time, and twice at once."
    )

    def handle(self, *args, **options) -> None:
        result = stats_flush()
        reports_refresh()
        self.stdout.write(
            f"Flushed {result.batches} batch(es) of {result.counts} count(s); "
            f"{result.skipped} already in the database; visitors of "
            f"{result.visitor_days} finished day(s) counted."
        )
