"""The emailed report: its periods, parts, attachments and failures."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from catalog.tests.factories import make_product
from reports.email_report import last_complete, report_message
from reports.models import DailyCount

pytestmark = pytest.mark.django_db

# A Wednesday: the last complete week is 2 to 8 March 2026.
TODAY = date(2026, 3, 11)


def test_the_last_complete_week_and_month_and_the_ones_before():
    week, week_before = last_complete("weekly", today=TODAY)
    month, month_before = last_complete("monthly", today=TODAY)

    assert (week.start, week.end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert (week_before.start, week_before.end) == (date(2026, 2, 23), date(2026, 3, 1))
    assert (month.start, month.end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert (month_before.start, month_before.end) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
    )


def test_the_mail_has_text_html_and_a_csv_per_table():
    kettle = make_product(name="Blue kettle")
    for n in range(7):
        DailyCount.objects.create(
            day=date(2026, 3, 2) + timedelta(n), kind="pageviews", count=10
        )
    DailyCount.objects.create(day=date(2026, 2, 24), kind="pageviews", count=35)
    DailyCount.objects.create(
        day=date(2026, 3, 3), kind="product", object_id=kettle.pk, count=9
    )
    DailyCount.objects.create(
        day=date(2026, 3, 4), kind="search-none", label="unicorn", count=2
    )

    message = report_message("weekly", today=TODAY, recipients=["owner@example.com"])

    assert message.to == ["owner@example.com"]
    assert "Page views: 70 (before: 35, +100%)" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<td>Blue kettle</td>" in html
    names = [name for name, _, _ in message.attachments]
    assert "top-products-2026-03-02-2026-03-08.csv" in names
    assert all(kind == "text/csv" for _, _, kind in message.attachments)
    not_found = {n: c for n, c, _ in message.attachments}[
        "searches-not-found-2026-03-02-2026-03-08.csv"
    ]
    assert list(csv.reader(io.StringIO(not_found))) == [
        ["search", "searches"],
        ["unicorn", "2"],
    ]


def test_send_report_sends_to_report_recipients(settings):
    settings.REPORT_RECIPIENTS = ["a@example.com", "b@example.com"]
    out = io.StringIO()

    call_command("send_report", "--period", "monthly", stdout=out)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["a@example.com", "b@example.com"]
    assert "monthly report" in mail.outbox[0].subject
    assert "Sent the monthly report" in out.getvalue()


def test_a_period_with_no_data_says_so():
    call_command("send_report", "--period", "weekly", "--to", "c@example.com")

    assert "No visits, searches, sign-ups or saves were counted" in mail.outbox[0].body


def test_dry_run_prints_the_text_and_sends_nothing():
    out = io.StringIO()

    call_command("send_report", "--period", "weekly", "--dry-run", stdout=out)

    assert "weekly report" in out.getvalue()
    assert "Page views: 0" in out.getvalue()
    assert mail.outbox == []


def test_no_recipient_or_a_bad_address_is_a_clear_error(settings):
    settings.REPORT_RECIPIENTS = []
    with pytest.raises(CommandError, match="REPORT_RECIPIENTS"):
        call_command("send_report", "--period", "weekly")
    with pytest.raises(CommandError, match="Not an email address"):
        call_command("send_report", "--period", "weekly", "--to", "not-an-address")
    assert mail.outbox == []


def test_a_mail_server_that_refuses_is_a_clear_error(monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)

    with pytest.raises(CommandError, match="did not take the report"):
        call_command("send_report", "--period", "weekly", "--to", "d@example.com")
