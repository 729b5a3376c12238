"""The reports section: who may open it, what it shows, what it downloads."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from catalog.tests.factories import make_category, make_product
from reports.models import DailyCount
from reports.tests.conftest import staff_client

pytestmark = pytest.mark.django_db

URL = "/admin/reports/dailycount/"


def count(kind: str, day: date, n: int, *, object_id: int = 0, label: str = ""):
    DailyCount.objects.create(
        kind=kind, day=day, object_id=object_id, label=label, count=n
    )


@pytest.fixture
def figures():
    """Ten days of fixed counts, and some from the period before."""
    today = timezone.localdate()
    kettle = make_product(name="Blue kettle")
    mug = make_product(name="Red mug")
    kitchen = make_category(name="Kitchen")
    for n in range(10):
        day = today - timedelta(days=n)
        count("pageviews", day, 10 + n)
        count("visitors", day, 5)
        count("product", day, 3, object_id=kettle.pk)
        count("product", day, 1, object_id=mug.pk)
    count("product", today - timedelta(days=40), 100, object_id=mug.pk)
    count("category", today, 4, object_id=kitchen.pk)
    count("home", today, 6, label="/")
    count("page", today, 2, label="/pages/about/")
    count("search", today, 5, label="blue kettle")
    count("search-none", today, 2, label="unicorn")
    count("search-none", today - timedelta(days=1), 1, label="unicorn")
    count("signup", today, 3)
    count("verified", today, 2)
    count("save", today, 4, object_id=mug.pk)
    return {"kettle": kettle, "mug": mug, "kitchen": kitchen, "today": today}


def rows(client, table: str, **params) -> list[list[str]]:
    response = client.get(URL, {**params, "download": table, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    ("who", "status"),
    [("Editors", 200), ("Viewers", 200), (None, 403), ("superuser", 200)],
)
def test_editors_viewers_and_superusers_may_open_the_reports(who, status):
    if who == "superuser":
        client = staff_client("boss@example.com", is_superuser=True)
    else:
        client = staff_client("staff@example.com", group=who)

    assert client.get(URL).status_code == status


def test_visitors_and_anonymous_people_are_sent_to_sign_in():
    get_user_model().objects.create_user("someone@example.com", "pw-long-enough-1")
    client = Client()

    assert client.get(URL).status_code == 302


def test_the_admin_index_lists_reports_for_viewers_only():
    viewer = staff_client("viewer@example.com", group="Viewers")
    other = staff_client("other@example.com")

    assert URL in viewer.get("/admin/").content.decode()
    assert URL not in other.get("/admin/").content.decode()


def test_the_page_shows_totals_a_chart_and_the_tables(figures):
    client = staff_client("viewer@example.com", group="Viewers")

    page = client.get(URL, {"days": 7}).content.decode()

    # 7 days: page views 10..16; the period before: 17, 18 and 19.
    assert "Page views: <strong>91</strong> (before: 54)" in page
    assert "Visitors: <strong>35</strong> (before: 15)" in page
    assert '<svg class="report-chart"' in page
    assert '<title id="traffic-title">' in page
    assert "Blue kettle" in page and "unicorn" in page
    assert " style=" not in page.split('<div id="content-main">')[1]
    assert "<script>" not in page


def test_top_products_are_ordered_by_views_in_the_period(figures):
    client = staff_client("viewer@example.com", group="Viewers")

    assert rows(client, "top-products", days=7) == [
        ["product", "id", "views"],
        ["Blue kettle", str(figures["kettle"].pk), "21"],
        ["Red mug", str(figures["mug"].pk), "7"],
    ]
    # The mug's 100 views of 40 days ago count in a 90-day period.
    assert rows(client, "top-products", days=90)[1] == [
        "Red mug",
        str(figures["mug"].pk),
        "110",
    ]


def test_categories_pages_searches_accounts_and_saves(figures):
    client = staff_client("viewer@example.com", group="Viewers")

    assert rows(client, "top-categories")[1] == [
        "Kitchen",
        str(figures["kitchen"].pk),
        "4",
    ]
    assert rows(client, "top-pages")[1:] == [["/", "6"], ["/pages/about/", "2"]]
    assert rows(client, "top-searches")[1:] == [
        ["blue kettle", "5", "0"],
        ["unicorn", "3", "3"],
    ]
    assert rows(client, "searches-not-found")[1:] == [["unicorn", "3"]]
    week = figures["today"] - timedelta(days=figures["today"].weekday())
    assert [week.isoformat(), "3", "2"] in rows(client, "accounts")
    assert rows(client, "most-saved")[1:] == [["Red mug", str(figures["mug"].pk), "4"]]


def test_a_chosen_range_with_the_period_before(figures):
    client = staff_client("viewer@example.com", group="Viewers")
    today = figures["today"]
    start = today - timedelta(days=1)

    traffic = rows(client, "traffic", start=start.isoformat(), end=today.isoformat())

    assert traffic[1:] == [
        [
            start.isoformat(),
            "5",
            "11",
            (start - timedelta(days=2)).isoformat(),
            "5",
            "13",
        ],
        [
            today.isoformat(),
            "5",
            "10",
            (today - timedelta(days=2)).isoformat(),
            "5",
            "12",
        ],
    ]


def test_a_wrong_range_says_why_and_shows_the_last_30_days(figures):
    client = staff_client("viewer@example.com", group="Viewers")

    page = client.get(URL, {"start": "2026-05-02", "end": "2026-05-01"})

    assert page.status_code == 200
    assert "The start date is after the end date." in page.content.decode()
    assert "Page views: <strong>145</strong>" in page.content.decode()


def test_the_catalog_summary(figures):
    now = timezone.now()
    make_product(stock=0, description="")
    make_product(status="draft")
    make_product(publish_at=now + timedelta(days=3))
    make_product(publish_at=now + timedelta(days=30))
    make_product(unpublish_at=now + timedelta(days=2))
    client = staff_client("viewer@example.com", group="Viewers")

    summary = dict(rows(client, "catalog")[1:])

    assert summary["status: draft"] == "1"
    assert summary["status: scheduled"] == "2"
    assert summary["status: live"] == "4"
    assert summary["live and out of stock"] == "1"
    assert summary["going live in the next 7 days"] == "1"
    assert summary["live, going out in the next 7 days"] == "1"
    assert summary["with no image"] == "7"


def test_every_table_downloads_as_xlsx_too(figures):
    client = staff_client("viewer@example.com", group="Viewers")

    response = client.get(
        URL, {"days": 7, "download": "top-products", "format": "xlsx"}
    )

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]] == [
        "Blue kettle",
        figures["kettle"].pk,
        21,
    ]
    assert "attachment;" in response["Content-Disposition"]


def test_an_unknown_table_or_format_is_a_clear_404(figures):
    client = staff_client("viewer@example.com", group="Viewers")

    assert client.get(URL, {"download": "nope"}).status_code == 404
    response = client.get(URL, {"download": "traffic", "format": "pdf"})
    assert response.status_code == 404
    assert b"No such table or format." in response.content


def test_a_products_admin_page_shows_its_views_and_saves(figures):
    client = staff_client("editor@example.com", group="Editors")
    mug = figures["mug"]

    page = client.get(f"/admin/catalog/product/{mug.pk}/change/").content.decode()

    assert "Views over the last 30 days: <strong>10</strong>" in page
    assert "Saved to a profile <strong>4</strong> times" in page
    assert 'id="product-views-title"' in page


def test_a_product_page_without_the_permission_has_no_figures(figures):
    client = staff_client("boss@example.com", is_superuser=True)
    client_without = staff_client("plain@example.com")
    from django.contrib.auth.models import Permission

    plain = get_user_model().objects.get(email="plain@example.com")
    plain.user_permissions.add(Permission.objects.get(codename="change_product"))
    url = f"/admin/catalog/product/{figures['mug'].pk}/change/"

    assert "Views over the last 30 days" in client.get(url).content.decode()
    assert "Views over the last 30 days" not in client_without.get(url).content.decode()


def test_the_page_reads_a_fixed_number_of_queries(
    figures, django_assert_max_num_queries
):
    client = staff_client("viewer@example.com", group="Viewers")
    client.get(URL)

    with django_assert_max_num_queries(28):
        assert client.get(URL, {"days": 365}).status_code == 200


def test_the_page_shows_what_the_next_flush_wrote(browser_client):
    """Reports are kept in the cache, but never past a flush that wrote."""
    product = make_product(name="Green teapot")
    client = staff_client("viewer@example.com", group="Viewers")
    assert "Green teapot" not in client.get(URL).content.decode()

    browser_client.get(product.get_absolute_url())
    call_command("flush_stats", stdout=io.StringIO())

    assert rows(client, "top-products")[1:] == [["Green teapot", str(product.pk), "1"]]
    assert "Page views: <strong>1</strong>" in client.get(URL).content.decode()


def test_pages_counted_by_id_are_named_by_their_apps_namer(monkeypatch):
    from reports import selectors

    today = timezone.localdate()
    count("page", today, 5, object_id=12)
    count("page", today, 3, object_id=13)
    monkeypatch.setitem(selectors.page_namers, "page", lambda ids: {12: "About us"})
    client = staff_client("viewer@example.com", group="Viewers")

    assert rows(client, "top-pages")[1:] == [["About us", "5"], ["page 13", "3"]]
