"""Which page views are counted, and that counting keeps nothing personal."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client

from accounts.models import User
from accounts.services import account_delete, saved_product_add
from catalog.models import Product, ProductPreviewLink
from catalog.previews import preview_link_url
from catalog.tests.factories import make_category, make_product
from content.models import HOME_PATH, Page
from content.tests.factories import make_page
from reports import counting
from reports.models import DailyCount, VisitorDigest
from reports.tests.conftest import BROWSER, flush, staff_client

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-17"


def counts() -> dict[tuple, int]:
    return {
        (row.kind, row.object_id, row.label): row.count
        for row in DailyCount.objects.all()
    }


def test_a_product_page_is_counted_whether_or_not_the_cache_answered(browser_client):
    product = make_product()

    for _ in range(3):
        assert browser_client.get(product.get_absolute_url()).status_code == 200
    flush()

    assert counts()[("product", product.pk, "")] == 3
    assert counts()[("pageviews", 0, "")] == 3
    assert VisitorDigest.objects.count() == 1


def test_a_304_from_the_browsers_copy_counts_as_a_view(browser_client):
    product = make_product()
    etag = browser_client.get(product.get_absolute_url())["ETag"]

    again = browser_client.get(product.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    flush()

    assert again.status_code == 304
    assert counts()[("product", product.pk, "")] == 2


def test_home_category_and_content_pages_are_counted_by_their_own_key(
    browser_client,
):
    category = make_category()
    page = make_page(title="Counted")
    home = Page.objects.get(url_path=HOME_PATH)

    assert browser_client.get("/").status_code == 200
    browser_client.get(category.get_absolute_url())
    browser_client.get(category.get_absolute_url())
    assert browser_client.get(page.get_absolute_url()).status_code == 200
    flush()

    assert counts()[("home", home.pk, "")] == 1
    assert counts()[("category", category.pk, "")] == 2
    assert counts()[("page", page.pk, "")] == 1
    assert counts()[("pageviews", 0, "")] == 4


def test_searches_are_counted_by_their_words_and_empty_ones_apart(browser_client):
    make_product(name="Blue kettle")

    browser_client.get("/search/", {"q": "  Blue KETTLE "})
    browser_client.get("/search/", {"q": "blue kettle", "sort": "price"})
    browser_client.get("/search/", {"q": "unicorn"})
    flush()

    assert counts()[("search", 0, "blue kettle")] == 2
    assert counts()[("search-none", 0, "unicorn")] == 1
    assert ("search-none", 0, "blue kettle") not in counts()


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"HTTP_USER_AGENT": "Googlebot/2.1 (+http://www.google.com/bot.html)"}, "bot"),
        ({"HTTP_USER_AGENT": "python-requests/2.32.3"}, "script"),
        ({"HTTP_USER_AGENT": ""}, "no user agent"),
        ({"HTTP_USER_AGENT": BROWSER, "HTTP_DNT": "1"}, "do not track"),
        ({"HTTP_USER_AGENT": BROWSER, "HTTP_SEC_GPC": "1"}, "global privacy control"),
    ],
)
def test_bots_and_visitors_who_opted_out_are_not_counted(headers, why):
    product = make_product()

    response = Client(**headers).get(product.get_absolute_url())
    flush()

    assert response.status_code == 200, why
    assert not DailyCount.objects.exists(), why
    assert not VisitorDigest.objects.exists(), why


def test_head_requests_and_errors_are_not_counted(browser_client):
    product = make_product()

    assert browser_client.head(product.get_absolute_url()).status_code == 200
    assert browser_client.get("/products/no-such-thing/").status_code == 404
    assert browser_client.get("/categories/no-such-thing/").status_code == 404
    assert browser_client.post("/search/", {"q": "kettle"}).status_code == 200
    flush()

    assert not DailyCount.objects.exists()


def test_staff_and_previews_are_not_counted(browser_client):
    product = make_product()
    draft = make_product(status=Product.Status.DRAFT)
    link = ProductPreviewLink.objects.create(
        product=draft, expires_at=draft.publish_at + timedelta(days=7)
    )
    staff = staff_client("staff@example.com", is_superuser=True)

    assert staff.get(product.get_absolute_url()).status_code == 200
    assert staff.get(draft.get_absolute_url()).status_code == 200
    assert browser_client.get(preview_link_url(link)).status_code == 200
    shared = f"{product.get_absolute_url()}?preview=whatever"
    assert browser_client.get(shared).status_code == 200
    flush()

    assert not DailyCount.objects.exists()


def test_a_signed_in_customer_is_counted(browser_client):
    product = make_product()
    user = User.objects.create_user("someone@example.com", PASSWORD)
    browser_client.force_login(user)

    browser_client.get(product.get_absolute_url())
    flush()

    assert counts()[("product", product.pk, "")] == 1


def test_counting_sets_no_cookie_and_stores_no_address_or_user_agent(browser_client):
    product = make_product()

    response = browser_client.get(product.get_absolute_url())
    flush()

    assert not response.cookies
    assert "Set-Cookie" not in response
    with connection.cursor() as cursor:
        for table in ("reports_dailycount", "reports_visitordigest"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
            stored = repr(cursor.fetchall())
            assert "203.0.113.7" not in stored
            assert "Chrome" not in stored
            assert counting.salt(counting.today()) not in stored


def test_no_column_holds_an_address_a_user_agent_or_a_user():
    from reports import models

    for model in (models.DailyCount, models.VisitorDigest, models.FlushedBatch):
        for field in model._meta.get_fields():
            assert not field.is_relation, (model, field.name)
            assert not re.search(r"ip|addr|agent|user|session", field.name), (
                model,
                field.name,
            )


def test_two_visitors_make_two_digests_and_one_visitor_one(browser_client):
    product = make_product()
    other = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.2")

    browser_client.get(product.get_absolute_url())
    browser_client.get("/")
    other.get(product.get_absolute_url())
    flush()

    assert VisitorDigest.objects.count() == 2


def test_the_salt_is_random_and_the_same_all_day():
    today = counting.today()
    salt = counting.salt(today)
    counting._salt_of_day = None

    assert counting.salt(today) == salt
    counting._salt_of_day = None
    assert counting.salt(today + timedelta(days=1)) != salt


def test_the_salt_is_gone_once_its_day_is_over(settings):
    today = counting.today()
    counting.salt(today)
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        key = cache.make_key(f"reports:salt:{today.isoformat()}")
        ttl = cache._cache.get_client().ttl(key)
        assert 0 < ttl <= counting._seconds_left(today)
    else:
        folder = settings.SITE_CACHE_VERSION_FILE.parent
        counting._salt_of_day = None
        counting.salt(today + timedelta(days=1))
        assert not (folder / f"visitor-salt-{today.isoformat()}").exists()


def test_a_finished_days_digests_become_one_count(browser_client):
    # Two days back: yesterday's are kept for the first minutes of today.
    yesterday = counting.today() - timedelta(days=2)
    VisitorDigest.objects.bulk_create(
        [VisitorDigest(day=yesterday, digest=f"{n:032x}") for n in range(3)]
    )
    browser_client.get("/")

    flush()

    assert counts()[("visitors", 0, "")] == 3
    assert not VisitorDigest.objects.filter(day=yesterday).exists()
    assert VisitorDigest.objects.filter(day=counting.today()).count() == 1


def test_sign_ups_verifications_and_saves_are_counted(client):
    product = make_product()
    client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    link = re.search(r"/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    client.post(link)
    user = User.objects.get(email="new@example.com")
    saved_product_add(user=user, product=product)
    saved_product_add(user=user, product=product)
    flush()

    assert counts()[("signup", 0, "")] == 1
    assert counts()[("verified", 0, "")] == 1
    assert counts()[("save", product.pk, "")] == 1


def test_a_deleted_account_leaves_the_counts_and_nothing_that_points_to_it(client):
    product = make_product()
    user = User.objects.create_user("gone@example.com", PASSWORD)
    saved_product_add(user=user, product=product)
    flush()

    account_delete(user=user)

    assert counts()[("save", product.pk, "")] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM reports_dailycount")
        assert "gone@example.com" not in repr(cursor.fetchall())


def test_the_salt_file_is_found_however_the_setting_names_it(settings, tmp_path):
    """The setting is django-environ's Path in production, a str or pathlib
    Path elsewhere."""
    import environ

    settings.SITE_CACHE_VERSION_FILE = environ.Path(str(tmp_path / "content-version"))

    assert len(counting._file_salt(counting.today())) == 32
    assert (tmp_path / f"visitor-salt-{counting.today().isoformat()}").exists()
