"""Writes of the reports app: flushing buffered counts to the database."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from reports import buffer, selectors
from reports.email_report import report_message
from reports.models import FlushedBatch, VisitorDigest

logger = logging.getLogger(__name__)

# Kinds whose key is always a label (search words may be digits only).
LABEL_KINDS = frozenset({"search", "search-none"})
# How long the names of flushed batches are kept: far longer than any
# claimed batch can wait for a flush.
LEDGER_DAYS = 7
# How long after midnight a day's visitor hashes become a count.
ROLL_UP_AFTER = timedelta(minutes=10)
# While Redis does not answer, a process keeps at most this many fields of
# views to send later (some MB), then starts again from none.
STAGE_MAX = 50_000

_UPSERT = (
    "INSERT INTO reports_dailycount (day, kind, object_id, label, count) "
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (kind, day, object_id, label) "
    "DO UPDATE SET count = reports_dailycount.count + excluded.count"
)


@dataclass
class FlushResult:
    batches: int = 0
    counts: int = 0
    skipped: int = 0
    visitor_days: int = 0


def _rows(counts: dict[str, int]) -> tuple[list[tuple], list[VisitorDigest]]:
    rows, digests = [], []
    for name, count in counts.items():
        day, kind, key = buffer.parse(name)
        if kind == "visitor":
            digests.append(VisitorDigest(day=date.fromisoformat(day), digest=key))
        elif key.isdigit() and kind not in LABEL_KINDS:
            rows.append((day, kind, int(key), "", count))
        else:
            rows.append((day, kind, 0, key, count))
    return rows, digests


def batch_apply(*, name: str, counts: dict[str, int]) -> bool:
    """Add one claimed batch to the database, exactly once.

    Returns False when the batch was in the database already (a flush that
    crashed before deleting it, or another flush at the same time).
    """
    rows, digests = _rows(counts)
    # The claim's random part: the cache's key prefix may make the whole
    # name long.
    name = name.rsplit(":", 1)[-1]
    try:
        with transaction.atomic():
            # First, so that a second flush of this batch waits here for the
            # first to commit, then fails on the name.
            FlushedBatch.objects.create(name=name)
            with connection.cursor() as cursor:
                cursor.executemany(_UPSERT, rows)
            VisitorDigest.objects.bulk_create(
                digests, ignore_conflicts=True, batch_size=500
            )
    except IntegrityError:
        if not FlushedBatch.objects.filter(name=name).exists():
            raise
        return False
    return True


def visitors_roll_up(*, before: date) -> int:
    """Replace the digests of days before `before` by their number."""
    days = 0
    with transaction.atomic():
        finished = (
            VisitorDigest.objects.filter(day__lt=before)
            .values("day")
            .annotate(n=Count("id"))
            .order_by("day")
        )
        rows = [(row["day"], "visitors", 0, "", row["n"]) for row in finished]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(_UPSERT, rows)
            VisitorDigest.objects.filter(day__lt=before).delete()
            days = len(rows)
    return days


def stage_push(*, buffer_) -> int:
    """Send this process's staged views to the shared Redis buffer.

    Returns the size of the shared buffer (0 when Redis did not answer: the
    views stay staged and go with the next push).
    """
    counts = buffer.stage.take()
    size = buffer_.push(counts)
    if size is None:
        if len(counts) < STAGE_MAX:
            buffer.stage.put_back(counts)
        else:
            logger.warning(
                "Redis has not answered for a while: %d statistics fields of "
                "this process are dropped.",
                len(counts),
            )
        return 0
    return size


def stats_flush(*, buffer_=None) -> FlushResult:
    """Write the buffered counts to the database and empty the buffer.

    Claims the live buffer, then adds every claimed batch, this one and any
    that an earlier flush left (it crashed, or is still running), and
    deletes each once it is in the database.
    """
    current = buffer_ or buffer.current()
    result = FlushResult()
    if not current.in_process:
        stage_push(buffer_=current)
    current.claim()
    for name in current.claims():
        counts = current.read(name)
        if batch_apply(name=name, counts=counts):
            result.batches += 1
            result.counts += sum(counts.values())
        else:
            result.skipped += 1
        current.drop(name)
    # A day's hashes are counted once it has been over for a while, so that
    # views a worker still held at midnight (a minute at most) are in.
    settled = timezone.localdate(timezone.now() - ROLL_UP_AFTER)
    result.visitor_days = visitors_roll_up(before=settled)
    if result.batches or result.visitor_days:
        selectors.counts_changed()
    FlushedBatch.objects.filter(
        flushed_at__lt=timezone.now() - timedelta(days=LEDGER_DAYS)
    ).delete()
    return result


def report_send(
    *, kind: str, recipients: list[str], today: date, dry_run: bool = False
):
    """Build the weekly or monthly report mail, and send it unless dry_run.

    Returns the message. Raises OSError when the mail server refuses it.
    """
    message = report_message(kind, today=today, recipients=recipients)
    if not dry_run:
        message.send()
    return message


def reports_refresh() -> None:
    """Compute the standard periods' reports that the cache lacks."""
    for days in selectors.PERIODS:
        selectors.period_report(selectors.last_days(days))
    selectors.catalog_report()


def flush_at_exit() -> None:
    """Write what this process holds as it exits.

    Called by gunicorn's `worker_exit` hook (config/gunicorn.py): with the
    local-memory cache the process's buffer goes to the database, with
    Redis its staged views go to the shared buffer.
    """
    current = buffer.current()
    try:
        if current.in_process:
            stats_flush(buffer_=current)
        else:
            stage_push(buffer_=current)
    except Exception:
        logger.exception("Flushing the statistics at exit failed.")
