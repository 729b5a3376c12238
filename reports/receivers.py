"""Where counts come from: page views, sign-ups, verifications, saves.

Each receiver only adds to the buffer in the cache (reports/buffer.py);
`flush_stats` and the flushes below write the counts to the database.
"""

import logging

from allauth.account.signals import email_confirmed, user_signed_up
from django.core.cache import cache
from django.db.models.signals import post_save

from config.pagecache import public_page_served
from reports import buffer, counting, services

logger = logging.getLogger(__name__)

# A buffer with this many fields is flushed by the request that grew it
# (one request in many thousands), besides the flush from cron.
FLUSH_SIZE = 20_000
# With the local-memory cache, each process flushes its own buffer when it
# is this old, since cron cannot reach it.
FLUSH_SECONDS = 60
# With Redis, each process sends its views to the shared buffer when they
# are this old, or this many.
PUSH_SECONDS = 1.0
PUSH_SIZE = 1_000


def _add(fields: list[str]) -> None:
    current = buffer.current()
    if current.in_process:
        size = current.add(fields)
        if size >= FLUSH_SIZE or current.age() >= FLUSH_SECONDS:
            _flush_now(current)
        return
    size = buffer.stage.add(fields)
    if size >= PUSH_SIZE or buffer.stage.age() >= PUSH_SECONDS:
        size = services.stage_push(buffer_=current)
        if size >= FLUSH_SIZE and cache.add("reports:flushing", 1, timeout=60):
            _flush_now(current)


def _flush_now(current) -> None:
    try:
        services.stats_flush(buffer_=current)
    except Exception:
        # The counts stay claimed in the buffer for the next flush; the
        # visitor's page must not fail for them.
        logger.exception("Flushing the statistics failed; the next flush retries.")


def page_served(sender, *, request, response, page=None, **kwargs) -> None:
    if page is None:
        return
    try:
        if counting.counted(request, response):
            _add(counting.view_fields(request, page))
    except Exception:
        # A page is never lost for a count.
        logger.exception("Counting a page view failed.")


def signed_up(sender, **kwargs) -> None:
    _add([buffer.field(counting.today(), "signup", "")])


def address_confirmed(sender, **kwargs) -> None:
    _add([buffer.field(counting.today(), "verified", "")])


def product_saved(sender, *, instance, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        _add([buffer.field(counting.today(), "save", str(instance.product_id))])


def connect() -> None:
    from accounts.models import SavedProduct

    public_page_served.connect(page_served, dispatch_uid="reports.page_served")
    user_signed_up.connect(signed_up, dispatch_uid="reports.signed_up")
    email_confirmed.connect(address_confirmed, dispatch_uid="reports.confirmed")
    post_save.connect(
        product_saved, sender=SavedProduct, dispatch_uid="reports.product_saved"
    )
