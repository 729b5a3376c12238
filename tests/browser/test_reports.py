"""Staff open the reports section: the chart is drawn, the policy holds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from catalog.tests.factories import make_product
from reports.models import DailyCount
from tests.browser.test_admin import ADMIN, admin_login
from tests.browser.test_csp import SCREENSHOTS, PolicyWatch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_reports_page_draws_its_chart_under_the_policy(page, settings):
    settings.STAFF_MFA_REQUIRED = False
    User.objects.create_superuser("staff@example.com", "a-long-password-1")
    kettle = make_product(name="Blue kettle")
    today = timezone.localdate()
    for n in range(30):
        day = today - timedelta(days=n)
        DailyCount.objects.create(day=day, kind="pageviews", count=40 + (n * 7) % 23)
        DailyCount.objects.create(day=day, kind="visitors", count=12 + n % 5)
        DailyCount.objects.create(
            day=day, kind="product", object_id=kettle.pk, count=5 + n % 3
        )
    watch = PolicyWatch(page)

    admin_login(page, email="staff@example.com", password="a-long-password-1")
    watch.open(f"{ADMIN}reports/dailycount/?days=7")

    chart = page.locator("svg.report-chart")
    assert chart.get_attribute("role") == "img"
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 80
    line = page.locator("svg.report-chart polyline.series-current")
    assert line.evaluate("el => getComputedStyle(el).stroke") != "none"
    assert len(line.get_attribute("points").split()) == 7
    assert page.get_by_role("img", name="Page views per day").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "admin-reports.png", full_page=True)

    watch.open(f"{ADMIN}catalog/product/{kettle.pk}/change/")
    assert page.locator("svg.report-chart polyline").count() == 1
    page.locator(".report-section").screenshot(
        path=SCREENSHOTS / "admin-product-views.png"
    )
    assert watch.problems == []
