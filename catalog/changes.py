"""Which products visitors see, as a feed of changes a mirror can follow.

Two things change what visitors see. Writes: every service that writes
products runs inside `product_changes_recorded`, which compares the
products' visibility before and after the write and records a
`ProductChange` when they were visible on either side. And the clock: a
published product appears at its `publish_at` and disappears at its
`unpublish_at` with no write at all; those moments are read from the
products themselves, never recorded.

`change_feed` merges the two streams after a cursor. Each entry gives the
product as it is when the feed is read (its data while visible, a
tombstone otherwise), not as it was at the change, so a mirror that applies
the entries in order holds exactly `Product.objects.visible()` of the moment
it read, whatever happened in between; a product changed several times
appears once per page.

The cursor is (last change id, last clock moment, product id at that
moment). On PostgreSQL writers take an advisory lock for the rest of their
transaction and readers a shared one, so a change id is never committed
after a larger one was read, and no write that started before a read's
clock time commits after it.
"""

import heapq
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import Product, ProductChange

# Any number that no other advisory lock of the site uses.
FEED_LOCK = 0x5EED
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LAST_ID = 2**63 - 1


class CursorError(ValueError):
    """A cursor that this feed did not make."""


@dataclass(frozen=True, order=True)
class Cursor:
    change_id: int = 0
    moment: datetime = EPOCH
    product_id: int = 0

    def __str__(self) -> str:
        micros = round((self.moment - EPOCH).total_seconds() * 1_000_000)
        return f"{self.change_id}-{micros}-{self.product_id}"

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        """The cursor `str(cursor)` made; "0" or "" is the start."""
        if text in ("", "0"):
            return cls()
        parts = text.split("-")
        if len(parts) != 3 or not all(part.isdigit() for part in parts):
            raise CursorError("The cursor is not one this feed gave.")
        change_id, micros, product_id = (int(part) for part in parts)
        if max(change_id, micros, product_id) > LAST_ID:
            raise CursorError("The cursor is not one this feed gave.")
        try:
            moment = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
        except (OverflowError, ValueError, OSError):
            raise CursorError("The cursor is not one this feed gave.") from None
        return cls(change_id=change_id, moment=moment, product_id=product_id)


@dataclass
class FeedEntry:
    cursor: Cursor
    product_id: int
    slug: str
    kind: str
    # The product as visitors see it now, or None: a tombstone.
    product: Product | None


@dataclass
class FeedPage:
    entries: list[FeedEntry]
    cursor: Cursor
    more: bool


def _lock(*, shared: bool) -> None:
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [FEED_LOCK])


def _visible_ids(ids: list[int], now: datetime) -> set[int]:
    if not ids:
        return set()
    return set(
        Product.objects.filter(pk__in=ids).visible(at=now).values_list("pk", flat=True)
    )


@contextmanager
def product_changes_recorded(*, ids: list[int]) -> Iterator[list[int]]:
    """Record what a write does to the visibility of the products `ids`.

    Run the write in the block; it may add the ids of products it creates
    to the list it is given. Everything happens in one transaction.
    """
    ids = list(ids)
    with transaction.atomic():
        _lock(shared=False)
        # One moment for both sides: what the clock does later is the
        # feed's to read from the products, not this write's to record.
        now = timezone.now()
        slugs = dict(Product.objects.filter(pk__in=ids).values_list("pk", "slug"))
        existed = set(slugs)
        before = _visible_ids(ids, now)
        yield ids
        rows = Product.objects.filter(pk__in=ids)
        slugs.update(rows.values_list("pk", "slug"))
        exists = set(rows.values_list("pk", flat=True))
        after = _visible_ids(ids, now)
        recovered = set(
            ProductChange.objects.filter(
                product_id__in=after - existed, kind=ProductChange.Kind.DELETED
            ).values_list("product_id", flat=True)
        )
        records = []
        for pk in dict.fromkeys(ids):
            if pk in before and pk in after:
                kind = ProductChange.Kind.UPDATED
            elif pk in after:
                new = pk not in existed and pk not in recovered
                kind = ProductChange.Kind.CREATED if new else ProductChange.Kind.SHOWN
            elif pk in before:
                deleted = pk not in exists
                kind = (
                    ProductChange.Kind.DELETED if deleted else ProductChange.Kind.HIDDEN
                )
            else:
                # Hidden before and after: a mirror never had it.
                continue
            records.append(
                ProductChange(product_id=pk, slug=slugs[pk], kind=kind, recorded_at=now)
            )
        ProductChange.objects.bulk_create(records)


def _clock_moments(after: Cursor, now: datetime, limit: int) -> list[tuple]:
    """(moment, product id, kind, slug) of the clock's changes after `after`.

    A published product is shown at its `publish_at` if it is visible just
    then, and hidden at its `unpublish_at` if it was visible just before.
    """
    published = Product.objects.filter(status=Product.Status.PUBLISHED).order_by()
    streams = []
    for field, kind, visible_then in (
        (
            "publish_at",
            ProductChange.Kind.SHOWN,
            Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=F("publish_at")),
        ),
        (
            "unpublish_at",
            ProductChange.Kind.HIDDEN,
            Q(publish_at__lt=F("unpublish_at")),
        ),
    ):
        rows = (
            published.filter(visible_then, **{f"{field}__lte": now})
            .filter(
                Q(**{f"{field}__gt": after.moment})
                | Q(**{field: after.moment, "pk__gt": after.product_id})
            )
            .order_by(field, "pk")
            .values_list(field, "pk", "slug")[:limit]
        )
        streams.append([(moment, pk, kind, slug) for moment, pk, slug in rows])
    return list(heapq.merge(*streams))[:limit]


def change_feed(*, after: Cursor, limit: int) -> FeedPage:
    """The changes after the cursor `after`, at most `limit` of them."""
    with transaction.atomic():
        _lock(shared=True)
        now = timezone.now()
        writes = list(
            ProductChange.objects.filter(pk__gt=after.change_id)
            .order_by("pk")
            .values_list("recorded_at", "pk", "product_id", "kind", "slug")[:limit]
        )
        clock = _clock_moments(after, now, limit)
        # Each stream keeps its order; a page is a prefix of each, so the
        # cursor after any entry covers everything before it.
        merged = heapq.merge(
            ((row[0], 1, "write", row) for row in writes),
            ((row[0], 0, "clock", row) for row in clock),
            key=lambda item: item[:2],
        )
        cursor = after
        steps: list[tuple[Cursor, int, str, str]] = []
        for _, _, source, row in merged:
            if len(steps) == limit:
                break
            if source == "write":
                _, change_id, pk, kind, slug = row
                cursor = Cursor(change_id, cursor.moment, cursor.product_id)
            else:
                moment, pk, kind, slug = row
                cursor = Cursor(cursor.change_id, moment, pk)
            steps.append((cursor, pk, kind, slug))
        more = len(steps) == limit
        if not more:
            # Every clock change up to `now` has been read: they are all at
            # or before the last moment passed, which names the same page
            # on the next read if nothing changes meanwhile.
            last, _ = Product.objects.visibility_moments(at=now)
            if last is not None and last >= cursor.moment:
                cursor = Cursor(cursor.change_id, last, LAST_ID)
        ids = list(dict.fromkeys(pk for _, pk, _, _ in steps))
        visible = (
            Product.objects.filter(pk__in=ids).visible(at=now).with_cards().in_bulk()
        )
        hidden = dict(
            Product.objects.filter(pk__in=set(ids) - set(visible)).values_list(
                "pk", "slug"
            )
        )
    first: dict[int, int] = {}
    entries: list[FeedEntry] = []
    for step_cursor, pk, kind, slug in steps:
        product = visible.get(pk)
        if product is not None:
            slug = product.slug
            if kind not in (ProductChange.Kind.CREATED, ProductChange.Kind.UPDATED):
                kind = ProductChange.Kind.SHOWN
        elif pk in hidden:
            slug, kind = hidden[pk], ProductChange.Kind.HIDDEN
        else:
            kind = ProductChange.Kind.DELETED
        if pk in first:
            # Listed once, where it first appears, as it is now; the last
            # change names what happened.
            # Its cursor stays that of the first: resuming there reads the
            # entries in between again.
            entries[first[pk]].kind = kind
            continue
        first[pk] = len(entries)
        entries.append(
            FeedEntry(
                cursor=step_cursor, product_id=pk, slug=slug, kind=kind, product=product
            )
        )
    return FeedPage(entries=entries, cursor=cursor, more=more)
