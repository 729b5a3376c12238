"""Reads of the reports: every figure the admin section and the email show.

Each report reads one kind of count over a range of days through the index
that starts with (kind, day), summing in the database; names of products
and categories are read afterwards for the few rows shown.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from catalog.models import Category, Product, ProductImage
from catalog.publishing import publication_conditions
from config import sitecache
from reports.models import DailyCount, VisitorDigest

PERIODS = (7, 30, 90, 365)
TOP = 20
# A period's report is kept in the cache under the version of the counts,
# which every flush that wrote something changes, and at most this long.
REPORT_CACHE_SECONDS = 600
_COUNTS_VERSION = "reports:counts-version"


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(1))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def __str__(self) -> str:
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"


def last_days(days: int, *, today: date | None = None) -> Period:
    """The last `days` days, today included."""
    end = today or timezone.localdate()
    return Period(end - timedelta(days=days - 1), end)


@dataclass
class Table:
    """One report's rows, as shown, downloaded and mailed."""

    name: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def _counts(kind: str, period: Period):
    return DailyCount.objects.filter(
        kind=kind, day__gte=period.start, day__lte=period.end
    )


def daily_series(kind: str, period: Period) -> list[int]:
    """The count of `kind` on each day of the period, 0 where none."""
    by_day = dict(
        _counts(kind, period)
        .values_list("day")
        .annotate(total=Sum("count"))
        .values_list("day", "total")
    )
    if kind == "visitors":
        # Days not yet over keep their visitors as digests.
        by_day.update(
            VisitorDigest.objects.filter(day__gte=period.start, day__lte=period.end)
            .values_list("day")
            .annotate(n=Count("id"))
            .values_list("day", "n")
        )
    return [by_day.get(day, 0) for day in period.dates()]


def traffic(period: Period) -> dict:
    """Visitors and page views per day, with the previous period beside."""
    before = period.previous()
    series = {
        name: (daily_series(name, period), daily_series(name, before))
        for name in ("visitors", "pageviews")
    }
    table = Table(
        "traffic",
        "Visitors and page views per day",
        [
            "day",
            "visitors",
            "page views",
            "day before",
            "visitors before",
            "page views before",
        ],
    )
    for n, (day, day_before) in enumerate(
        zip(period.dates(), before.dates(), strict=True)
    ):
        table.rows.append(
            [
                day.isoformat(),
                series["visitors"][0][n],
                series["pageviews"][0][n],
                day_before.isoformat(),
                series["visitors"][1][n],
                series["pageviews"][1][n],
            ]
        )
    totals = {name: (sum(now), sum(then)) for name, (now, then) in series.items()}
    return {"series": series, "totals": totals, "table": table}


def _top(kind: str, period: Period, *, by: str, limit: int = TOP):
    return list(
        _counts(kind, period)
        .values(by)
        .annotate(total=Sum("count"))
        .order_by("-total", by)[:limit]
    )


def top_products(period: Period, *, kind: str = "product") -> Table:
    rows = _top(kind, period, by="object_id")
    names = dict(
        Product.objects.filter(pk__in=[r["object_id"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    title = "Most viewed products" if kind == "product" else "Most saved products"
    header = "views" if kind == "product" else "saves"
    return Table(
        "top-products" if kind == "product" else "most-saved",
        title,
        ["product", "id", header],
        [
            [names.get(r["object_id"], "(deleted)"), r["object_id"], r["total"]]
            for r in rows
        ],
    )


def top_categories(period: Period) -> Table:
    rows = _top("category", period, by="object_id")
    names = dict(
        Category.objects.filter(pk__in=[r["object_id"] for r in rows]).values_list(
            "pk", "name"
        )
    )
    return Table(
        "top-categories",
        "Most viewed categories",
        ["category", "id", "views"],
        [
            [names.get(r["object_id"], "(deleted)"), r["object_id"], r["total"]]
            for r in rows
        ],
    )


# How pages counted by id are named in the reports, by kind: a function
# from ids to {id: name}, registered by reports' AppConfig.ready() for an
# app whose pages are counted by id (that app need not know reports):
#     page_namers["page"] = lambda ids: dict(
#         Page.objects.filter(pk__in=ids).values_list("pk", "title"))
page_namers: dict[str, Callable[[list[int]], dict[int, str]]] = {}


def top_pages(period: Period) -> Table:
    """Content pages and the home page, by path or by id."""
    rows = list(
        DailyCount.objects.filter(
            kind__in=("page", "home"), day__gte=period.start, day__lte=period.end
        )
        .values("kind", "object_id", "label")
        .annotate(total=Sum("count"))
        .order_by("-total", "label")[:TOP]
    )
    names: dict[tuple[str, int], str] = {}
    for kind in {r["kind"] for r in rows if r["object_id"]}:
        namer = page_namers.get(kind)
        if namer is not None:
            ids = [r["object_id"] for r in rows if r["kind"] == kind]
            names.update(((kind, pk), name) for pk, name in namer(ids).items())
    return Table(
        "top-pages",
        "Most viewed pages",
        ["page", "views"],
        [
            [
                r["label"]
                or names.get((r["kind"], r["object_id"]))
                or f"{r['kind']} {r['object_id']}",
                r["total"],
            ]
            for r in rows
        ],
    )


def top_searches(period: Period) -> Table:
    rows = list(
        DailyCount.objects.filter(
            kind__in=("search", "search-none"),
            day__gte=period.start,
            day__lte=period.end,
        )
        .values("label")
        .annotate(total=Sum("count"), none=Sum("count", filter=Q(kind="search-none")))
        .order_by("-total", "label")[:TOP]
    )
    return Table(
        "top-searches",
        "Top searches",
        ["search", "searches", "with no results"],
        [[r["label"], r["total"], r["none"] or 0] for r in rows],
    )


def empty_searches(period: Period) -> Table:
    rows = _top("search-none", period, by="label")
    return Table(
        "searches-not-found",
        "Searches that found nothing",
        ["search", "searches"],
        [[r["label"], r["total"]] for r in rows],
    )


def accounts_weekly(period: Period) -> Table:
    """Sign-ups and verified accounts per week (weeks start on Monday)."""
    signups = daily_series("signup", period)
    verified = daily_series("verified", period)
    weeks: dict[date, list[int]] = {}
    for day, s, v in zip(period.dates(), signups, verified, strict=True):
        week = weeks.setdefault(day - timedelta(days=day.weekday()), [0, 0])
        week[0] += s
        week[1] += v
    return Table(
        "accounts",
        "Sign-ups and verified accounts per week",
        ["week of", "sign-ups", "verified"],
        [[week.isoformat(), s, v] for week, (s, v) in weeks.items()],
    )


def catalog_summary(*, now=None) -> list[Table]:
    """Where the catalog stands now, in three queries."""
    now = now or timezone.now()
    soon = now + timedelta(days=7)
    conditions = publication_conditions(now)
    live = conditions[Product.Publication.LIVE]
    scheduled = conditions[Product.Publication.SCHEDULED]
    no_image = ~Exists(ProductImage.objects.filter(product=OuterRef("pk")))
    # One pass over the products, each figure a filtered count.
    counted = Product.objects.order_by().aggregate(
        **{state: Count("id", filter=q) for state, q in conditions.items()},
        out_of_stock=Count("id", filter=live & Q(stock=0)),
        going_live=Count("id", filter=scheduled & Q(publish_at__lte=soon)),
        going_out=Count("id", filter=live & Q(unpublish_at__lte=soon)),
        no_description=Count("id", filter=Q(description="")),
    )
    figures = Table(
        "catalog",
        "Catalog",
        ["figure", "products"],
        [
            *[
                [f"status: {label.lower()}", counted[state]]
                for state, label in Product.Publication.choices
            ],
            ["live and out of stock", counted["out_of_stock"]],
            ["going live in the next 7 days", counted["going_live"]],
            ["live, going out in the next 7 days", counted["going_out"]],
            # Apart: as a filter of the count above it would be a subquery
            # per product rather than one anti-join.
            ["with no image", Product.objects.filter(no_image).count()],
            ["with no description", counted["no_description"]],
        ],
    )
    by_category = list(
        Product.objects.order_by()
        .values("category__name")
        .annotate(n=Count("id"), live=Count("id", filter=live))
        .order_by("-n", "category__name")[:50]
    )
    categories = Table(
        "products-by-category",
        "Products by category",
        ["category", "products", "live"],
        [[r["category__name"] or "(none)", r["n"], r["live"]] for r in by_category],
    )
    return [figures, categories]


def product_figures(product_id: int, *, today: date | None = None) -> dict:
    """A product's views over the last 30 days and its saves."""
    period = last_days(30, today=today)
    views = dict(
        _counts("product", period)
        .filter(object_id=product_id)
        .values_list("day", "count")
    )
    saves = DailyCount.objects.filter(kind="save", object_id=product_id).aggregate(
        total=Sum("count")
    )["total"]
    return {
        "period": period,
        "views": [views.get(day, 0) for day in period.dates()],
        "saves": saves or 0,
    }


def counts_changed() -> None:
    """Make every cached report stale: the counts in the database changed."""
    cache.set(_COUNTS_VERSION, timezone.now().timestamp(), timeout=None)


def period_report(period: Period) -> dict:
    """What the reports page shows for a period, from the cache if it can.

    Summing a year of daily views of 100,000 products takes about a second
    on PostgreSQL, which the 300 ms a report may take does not allow;
    `flush_stats` computes the standard periods again after each flush
    (reports_refresh), so the page finds them ready.
    """
    key = f"reports:period:{cache.get(_COUNTS_VERSION, 0)}:{period.start}:{period.end}"
    report = cache.get(key)
    if report is None:
        report = {
            "traffic": traffic(period),
            "tables": [
                top_products(period),
                top_categories(period),
                top_pages(period),
                top_searches(period),
                empty_searches(period),
                accounts_weekly(period),
                top_products(period, kind="save"),
            ],
        }
        cache.set(key, report, timeout=REPORT_CACHE_SECONDS)
    return report


def catalog_report() -> list[Table]:
    """The catalog summary, kept until the catalog changes (or 10 minutes)."""
    version = sitecache.content_version()
    if version is None:
        return catalog_summary()
    key = f"reports:catalog:{version.token}"
    tables = cache.get(key)
    if tables is None:
        tables = catalog_summary()
        cache.set(key, tables, timeout=REPORT_CACHE_SECONDS)
    return tables
