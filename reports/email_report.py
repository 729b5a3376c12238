"""The weekly or monthly report sent by mail (`manage.py send_report`)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from reports import exports, selectors
from reports.selectors import Period

# Totals compared between the period and the one before.
FIGURES = (
    ("visitors", "Visitors"),
    ("pageviews", "Page views"),
    ("search", "Searches that found something"),
    ("search-none", "Searches that found nothing"),
    ("signup", "Sign-ups"),
    ("verified", "Verified accounts"),
    ("save", "Products saved"),
)


def last_complete(kind: str, *, today: date) -> tuple[Period, Period]:
    """The last complete week (Monday to Sunday) or calendar month, and the
    one before it."""
    if kind == "weekly":
        end = today - timedelta(days=today.weekday() + 1)
        period = Period(end - timedelta(days=6), end)
        return period, period.previous()
    end = today.replace(day=1) - timedelta(days=1)
    before_end = end.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end), Period(
        before_end.replace(day=1), before_end
    )


@dataclass
class Figure:
    label: str
    now: int
    before: int

    @property
    def change(self) -> str:
        if self.before == 0:
            return "new" if self.now else "–"
        percent = round((self.now - self.before) * 100 / self.before)
        return f"{percent:+d}%"


def report_message(
    kind: str, *, today: date, recipients: list[str]
) -> EmailMultiAlternatives:
    """The report as a mail: text, HTML, and each table as a CSV file."""
    period, before = last_complete(kind, today=today)
    figures = [
        Figure(
            label,
            sum(selectors.daily_series(name, period)),
            sum(selectors.daily_series(name, before)),
        )
        for name, label in FIGURES
    ]
    days = period.dates()
    views = selectors.daily_series("pageviews", period)
    top = max([1, *views])
    daily = [
        {"day": day, "views": n, "bar": round(n * 300 / top)}
        for day, n in zip(days, views, strict=True)
    ]
    tables = [
        selectors.top_products(period),
        selectors.top_categories(period),
        selectors.top_pages(period),
        selectors.top_searches(period),
        selectors.empty_searches(period),
        selectors.top_products(period, kind="save"),
        selectors.accounts_weekly(period),
        *selectors.catalog_summary(),
    ]
    context = {
        "site_name": settings.SITE_NAME,
        "kind": kind,
        "period": period,
        "before": before,
        "figures": figures,
        "empty": not any(figure.now for figure in figures),
        "daily": daily,
        "tables": tables,
    }
    subject = f"{settings.SITE_NAME}: {kind} report, {period}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reports/email/report.txt", context),
        to=recipients,
    )
    message.attach_alternative(
        render_to_string("reports/email/report.html", context), "text/html"
    )
    for table in tables:
        message.attach(
            f"{table.name}-{period.start}-{period.end}.csv",
            exports.table_export(table, "csv").decode(),
            "text/csv",
        )
    return message
