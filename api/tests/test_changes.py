"""The change feed: a mirror that follows it holds exactly the visible catalog."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import tablib
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reversion.models import Version

from api.tests.conftest import TokenClient
from catalog import services
from catalog.changes import product_changes_recorded
from catalog.models import Product
from catalog.resources import ProductResource
from catalog.tests.factories import make_category

pytestmark = pytest.mark.django_db

FEED = "/api/v1/changes/"
START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    """`timezone.now()` for the catalog, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def mirror_follow(client, mirror: dict, cursor: str, limit: int) -> str:
    """Apply the feed after `cursor` to `mirror`, page by page; the new cursor."""
    while True:
        response = client.get(FEED, {"since": cursor, "limit": limit})
        assert response.status_code == 200, response.content
        page = response.json()
        for change in page["changes"]:
            if change["product"] is None:
                mirror.pop(change["id"], None)
            else:
                mirror[change["id"]] = change["product"]
        cursor = page["cursor"]
        if not page["more"]:
            return cursor


def visible_now() -> dict:
    return {
        product.pk: (product.slug, product.name, f"{product.price:.2f}")
        for product in Product.objects.visible()
    }


def mirrored(mirror: dict) -> dict:
    return {
        pk: (item["slug"], item["name"], item["price"]) for pk, item in mirror.items()
    }


# A moment relative to the clock, in minutes: some past, some to come.
moments = st.integers(min_value=-90, max_value=90)
steps = st.one_of(
    st.tuples(st.just("api_create"), moments, st.one_of(st.none(), moments)),
    st.tuples(st.just("api_patch"), st.integers(0, 20), moments),
    st.tuples(st.just("api_rename"), st.integers(0, 20)),
    st.tuples(st.just("api_delete"), st.integers(0, 20)),
    st.tuples(st.just("publish"), st.integers(0, 20)),
    st.tuples(st.just("unpublish"), st.integers(0, 20)),
    st.tuples(st.just("price"), st.integers(0, 20)),
    st.tuples(st.just("import"), st.integers(0, 20), moments),
    st.tuples(st.just("revert"), st.integers(0, 20)),
    st.tuples(st.just("recover"), st.integers(0, 20)),
    st.tuples(st.just("clock"), st.integers(1, 120)),
    st.tuples(st.just("sync"), st.integers(1, 4)),
)


@pytest.fixture
def setup(editor_api):
    return {"editor": editor_api, "category": make_category(slug="things")}


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    initial=st.lists(
        st.tuples(st.just("api_create"), moments, st.one_of(st.none(), moments)),
        min_size=2,
        max_size=5,
    ),
    plan=st.lists(steps, min_size=1, max_size=12),
)
def test_a_mirror_following_the_feed_holds_exactly_the_visible_products(
    setup, initial, plan
):
    """Whatever writes happen (API, bulk actions, price change, import, revert,
    recover) and however the clock moves past scheduled moments, a mirror
    that follows the feed from the start holds `Product.objects.visible()`."""
    editor: TokenClient = setup["editor"]
    clock = Clock(START)
    with (
        mock.patch("django.utils.timezone.now", clock),
        transaction.atomic(),
    ):
        _run([*initial, ("sync", 2), *plan], editor, clock)
        transaction.set_rollback(True)


def _run(plan, editor: TokenClient, clock: Clock) -> None:
    user = editor.user
    mirror: dict = {}
    cursor = ""
    created: list[int] = []
    deleted: list[int] = []
    numbers = iter(range(10_000))

    def at(minutes: int) -> str:
        return (clock.now + timedelta(minutes=minutes)).isoformat()

    def pick(index: int) -> Product | None:
        alive = [pk for pk in created if pk not in deleted]
        if not alive:
            return None
        return Product.objects.get(pk=alive[index % len(alive)])

    for step in plan:
        kind = step[0]
        if kind == "api_create":
            _, publish, unpublish = step
            number = next(numbers)
            response = editor.post(
                "/api/v1/products/",
                {
                    "name": f"Thing {number}",
                    "slug": f"thing-{number}",
                    "sku": f"T-{number}",
                    "price": "10.00",
                    "category": "things",
                    "status": "published",
                    "publish_at": at(publish),
                    "unpublish_at": None if unpublish is None else at(unpublish),
                },
                content_type="application/json",
            )
            assert response.status_code == 201, response.content
            created.append(response.json()["id"])
        elif kind == "api_patch" and (product := pick(step[1])):
            response = editor.patch(
                f"/api/v1/products/{product.slug}/",
                {"publish_at": at(step[2]), "price": "12.50"},
                content_type="application/json",
            )
            assert response.status_code == 200, response.content
        elif kind == "api_rename" and (product := pick(step[1])):
            response = editor.patch(
                f"/api/v1/products/{product.slug}/",
                {"slug": f"{product.slug}-x", "name": f"{product.name} x"},
                content_type="application/json",
            )
            assert response.status_code == 200, response.content
        elif kind == "api_delete" and (product := pick(step[1])):
            assert editor.delete(f"/api/v1/products/{product.slug}/").status_code == 204
            deleted.append(product.pk)
        elif kind == "publish" and (product := pick(step[1])):
            services.product_publish(
                products=Product.objects.filter(pk=product.pk), user=user
            )
        elif kind == "unpublish" and (product := pick(step[1])):
            services.product_unpublish(
                products=Product.objects.filter(pk=product.pk), user=user
            )
        elif kind == "price" and (product := pick(step[1])):
            services.product_price_change(
                products=Product.objects.filter(pk=product.pk),
                percent=Decimal("10"),
                user=user,
            )
        elif kind == "import" and (product := pick(step[1])):
            data = tablib.Dataset(
                [
                    product.sku,
                    f"{product.name} i",
                    product.slug,
                    "9.00",
                    "1",
                    "things",
                    "published",
                    timezone.localtime(clock.now + timedelta(minutes=step[2])).strftime(
                        "%Y-%m-%d %H:%M:%S"
                    ),
                ],
                headers=[
                    "sku",
                    "name",
                    "slug",
                    "price",
                    "stock",
                    "category",
                    "status",
                    "publish_at",
                ],
            )
            result = ProductResource().import_data(data, dry_run=False, user=user)
            assert not result.has_errors() and not result.has_validation_errors()
        elif kind == "revert" and (product := pick(step[1])):
            versions = Version.objects.get_for_object(product)
            if len(versions) > 1:
                # As the admin's revert does (ProductAdmin.revision_view).
                with services.product_slug_change_recorded(product=product):
                    versions.last().revision.revert(delete=True)
        elif kind == "recover" and deleted:
            pk = deleted[step[1] % len(deleted)]
            version = Version.objects.get_deleted(Product).filter(object_id=str(pk))
            version = version.first()
            slug_taken = (
                version
                and Product.objects.filter(slug=version.field_dict["slug"]).exists()
            )
            if version is not None and not slug_taken:
                # As the admin's "recover deleted" does (ProductAdmin.recover_view).
                with product_changes_recorded(ids=[pk]):
                    version.revision.revert(delete=True)
                deleted.remove(pk)
        elif kind == "clock":
            clock.now += timedelta(minutes=step[1])
        elif kind == "sync":
            cursor = mirror_follow(editor, mirror, cursor, limit=step[1])
            assert mirrored(mirror) == visible_now()
    cursor = mirror_follow(editor, mirror, cursor, limit=3)
    assert mirrored(mirror) == visible_now()


def test_entries_say_what_happened_and_tombstones_have_no_product(
    editor_api, anonymous_api
):
    make_category(slug="things")
    response = editor_api.post(
        "/api/v1/products/",
        {
            "name": "Lamp",
            "slug": "lamp",
            "sku": "L-1",
            "price": "5.00",
            "category": "things",
            "status": "published",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    first = anonymous_api.get(FEED).json()
    assert [(c["slug"], c["change"]) for c in first["changes"]] == [("lamp", "created")]
    assert first["changes"][0]["product"]["name"] == "Lamp"
    editor_api.delete("/api/v1/products/lamp/")
    later = anonymous_api.get(FEED, {"since": first["cursor"]}).json()
    assert [(c["slug"], c["change"], c["product"]) for c in later["changes"]] == [
        ("lamp", "deleted", None)
    ]
    assert anonymous_api.get(FEED, {"since": later["cursor"]}).json()["changes"] == []


def test_a_bad_cursor_is_a_400_on_since(anonymous_api):
    response = anonymous_api.get(FEED, {"since": "yesterday"})
    assert response.status_code == 400
    assert "since" in response.json()["fields"]
