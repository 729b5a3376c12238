"""Reads of the reports: every figure the admin section and the email show.

Each report reads one kind of count over a range of days through the index
that starts with (kind, day), summing in the database; names of products
and categories are read afterwards for the few rows shown.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import Length
from django.utils import timezone

from catalog.models import Category, Product, visibility_condition
from reports.models import DailyCount, VisitorDigest

PERIODS = (7, 30, 90, 365)
TOP = 20


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


def top_pages(period: Period) -> Table:
    """Content pages and the home page, by path."""
    rows = list(
        DailyCount.objects.filter(
            kind__in=("page", "home"), day__gte=period.start, day__lte=period.end
        )
        .values("kind", "object_id", "label")
        .annotate(total=Sum("count"))
        .order_by("-total", "label")[:TOP]
    )
    return Table(
        "top-pages",
        "Most viewed pages",
        ["page", "views"],
        [[r["label"] or f"{r['kind']} {r['object_id']}", r["total"]] for r in rows],
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
    """Where the catalog stands now."""
    now = now or timezone.now()
    soon = now + timedelta(days=7)
    products = Product.objects.order_by()
    by_state = dict(
        products.with_publication(at=now)
        .values_list("publication")
        .annotate(n=Count("id"))
        .values_list("publication", "n")
    )
    visible = products.visible(at=now)
    figures = Table(
        "catalog",
        "Catalog",
        ["figure", "products"],
        [
            *[
                [f"status: {label.lower()}", by_state.get(state, 0)]
                for state, label in Product.Publication.choices
            ],
            ["live and out of stock", visible.filter(stock=0).count()],
            [
                "going live in the next 7 days",
                products.in_publication(Product.Publication.SCHEDULED, at=now)
                .filter(publish_at__lte=soon)
                .count(),
            ],
            [
                "live, going out in the next 7 days",
                visible.filter(unpublish_at__lte=soon).count(),
            ],
            ["with no image", products.filter(images__isnull=True).count()],
            [
                "with no description",
                products.annotate(length=Length("description"))
                .filter(length=0)
                .count(),
            ],
        ],
    )
    by_category = list(
        products.values("category__name")
        .annotate(n=Count("id"), live=Count("id", filter=visibility_condition(now)))
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
