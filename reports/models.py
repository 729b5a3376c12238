"""Daily counts: the only statistics stored, none of them about a person."""

from django.db import models


class DailyCount(models.Model):
    """How many times one thing happened on one day.

    `kind` says what was counted: "pageviews" and "visitors" (site-wide),
    a page kind ("home", "product", "category", "page", …), "search" and
    "search-none" (by normalized words), "signup", "verified", "save" (by
    product). A thing is an object id, or a label (a path, search words)
    when it has no id.
    """

    day = models.DateField("day")
    kind = models.CharField("kind", max_length=24)
    object_id = models.PositiveBigIntegerField(
        "object id", default=0, help_text="The counted object's id; 0 for none."
    )
    label = models.CharField(
        "label",
        max_length=200,
        blank=True,
        default="",
        help_text="A path or search words, for things without an id.",
    )
    count = models.PositiveBigIntegerField("count", default=0)

    class Meta:
        verbose_name = "report"
        verbose_name_plural = "reports"
        default_permissions = ()
        permissions = [("view_reports", "Can view reports")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "day", "object_id", "label"],
                name="reports_dailycount_once",
            )
        ]
        indexes = [
            # What the reports sum: on PostgreSQL an index-only scan over a
            # kind's range of days reads a tenth of the table's pages (top
            # products of 30 days: 140 ms instead of 300, bench/reports_bench).
            # SQLite ignores the included column.
            models.Index(
                fields=["kind", "day", "object_id"],
                include=["count"],
                name="reports_dailycount_sums",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.object_id or self.label}: {self.count}"


class VisitorDigest(models.Model):
    """One visitor of today, as a salted hash that nobody can reverse.

    The salt lives only in the cache and changes every day, so a digest
    cannot be recomputed from an address once its day is over; the digests
    of a finished day are replaced by their number (`visitors`).
    """

    day = models.DateField("day")
    digest = models.CharField("digest", max_length=32)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["day", "digest"], name="reports_visitordigest_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.digest}"


class FlushedBatch(models.Model):
    """A batch of buffered counts that is in the database already.

    Written in the transaction that adds the batch's counts, so a batch
    that a crashed or concurrent flush left behind is never added twice.
    """

    name = models.CharField("name", max_length=64, unique=True)
    flushed_at = models.DateTimeField("flushed at", auto_now_add=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return self.name
