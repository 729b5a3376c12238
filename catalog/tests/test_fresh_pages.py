"""A cached page never differs from the same page rendered fresh.

Hypothesis makes random sequences of every kind of write staff can make (admin
edits and deletes, bulk actions, reverts, recoveries, CSV imports, category
and flat page edits, share-preview links) and of time passing over scheduled
products, interleaved with anonymous requests for random public pages. Each
page served, from the cache when it can be, is compared with the same page
rendered with the page cache off.
"""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import reversion
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reversion.models import Version

from catalog import previews, services
from catalog.models import Category, Product
from catalog.tests.adminforms import admin_form_data
from catalog.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db

PRODUCTS = 4
CSV_HEADER = "sku,name,slug,price,stock,category,status\n"

pages = st.sampled_from(
    [
        "/",
        "/products/",
        "/products/?sort=price",
        "/products/?category=lighting&in_stock=1",
        "/categories/lighting/",
        "/categories/lighting/lamps/",
        "/search/?q=lamp",
        "/pages/about/",
        "/sitemap.xml",
        "/sitemap-products.xml",
        "/robots.txt",
        *[f"/products/lamp-{n}/" for n in range(PRODUCTS)],
        "/products/lamp-renamed/",
    ]
)
products = st.integers(min_value=0, max_value=PRODUCTS - 1)
writes = st.one_of(
    st.tuples(st.just("edit"), products, st.decimals(1, 999, places=2)),
    st.tuples(st.just("rename"), products),
    st.tuples(st.just("delete"), products),
    st.tuples(st.just("recover")),
    st.tuples(st.just("revert"), products),
    st.tuples(
        st.just("action"),
        products,
        st.sampled_from(["publish", "unpublish", "feature", "unfeature"]),
    ),
    st.tuples(st.just("price_change"), products),
    st.tuples(st.just("import"), products, st.integers(0, 9)),
    st.tuples(st.just("schedule"), products, st.integers(1, 120)),
    st.tuples(st.just("time_passes"), st.integers(1, 180)),
    st.tuples(st.just("category_rename"), st.sampled_from(["Lamps", "Lights"])),
    st.tuples(st.just("page_text"), st.text("abc xyz", min_size=1, max_size=12)),
    st.tuples(st.just("preview"), products),
)
WITH_PRODUCT = {
    "edit",
    "rename",
    "delete",
    "revert",
    "action",
    "price_change",
    "import",
    "schedule",
    "preview",
}
steps = st.lists(st.one_of(writes, st.tuples(st.just("get"), pages)), max_size=12)


class Clock:
    """timezone.now() that tests can move forward."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self._real = timezone.now

    def now(self):
        return self._real() + self.offset


class Site:
    """The catalog as staff change it, through the admin where they would."""

    def __init__(self, admin: Client) -> None:
        self.admin = admin
        lighting = make_category(name="Lighting", slug="lighting")
        self.lamps = make_category(name="Lamps", slug="lamps", parent=lighting)
        self.ids = []
        for number in range(PRODUCTS):
            with reversion.create_revision():
                product = make_product(
                    name=f"Lamp {number}",
                    slug=f"lamp-{number}",
                    sku=f"LAMP-{number}",
                    category=self.lamps,
                    featured=number % 2 == 0,
                )
            self.ids.append(product.pk)

    def product(self, index: int) -> Product | None:
        return Product.objects.filter(pk=self.ids[index]).first()

    def _edit(self, product: Product, changes: dict) -> None:
        url = reverse("admin:catalog_product_change", args=[product.pk])
        data = admin_form_data(self.admin.get(url))
        self.admin.post(url, {**data, **changes})

    def do(self, step: tuple, clock: Clock) -> None:
        kind, *args = step
        product = self.product(args[0]) if kind in WITH_PRODUCT else None
        if kind == "edit" and product:
            self._edit(product, {"price": str(args[1])})
        elif kind == "rename" and product:
            self._edit(product, {"slug": "lamp-renamed", "name": "Renamed lamp"})
        elif kind == "delete" and product:
            url = reverse("admin:catalog_product_delete", args=[product.pk])
            self.admin.post(url, {"post": "yes"})
        elif kind == "recover":
            deleted = Version.objects.get_deleted(Product).first()
            if deleted is not None:
                url = reverse("admin:catalog_product_recover", args=[deleted.pk])
                self.admin.post(url, admin_form_data(self.admin.get(url)))
        elif kind == "revert" and product:
            versions = Version.objects.get_for_object(product)
            if versions.exists():
                url = reverse(
                    "admin:catalog_product_revision",
                    args=[product.pk, versions.last().pk],
                )
                self.admin.post(url, admin_form_data(self.admin.get(url)))
        elif kind == "action" and product:
            self.admin.post(
                reverse("admin:catalog_product_changelist"),
                {"action": args[1], "_selected_action": [product.pk]},
            )
        elif kind == "price_change" and product:
            services.product_price_change(
                products=Product.objects.filter(pk=product.pk),
                percent=Decimal("10"),
                user=None,
            )
        elif kind == "import" and product:
            row = f"{product.sku},Imported {args[1]},{product.slug},{args[1] + 1}.00,"
            self._import(row + f"{args[1]},lamps,published\n")
        elif kind == "schedule" and product:
            moment = clock.now() + timedelta(minutes=args[1])
            self._edit(
                product,
                {
                    "publish_at_0": moment.strftime("%Y-%m-%d"),
                    "publish_at_1": moment.strftime("%H:%M:%S"),
                },
            )
        elif kind == "time_passes":
            clock.offset += timedelta(minutes=args[0])
        elif kind == "category_rename":
            url = reverse("admin:catalog_category_change", args=[self.lamps.pk])
            data = admin_form_data(self.admin.get(url))
            self.admin.post(url, {**data, "name": args[0]})
        elif kind == "page_text":
            page = apps.get_model("content", "Page").objects.get(url_path="about")
            url = reverse("admin:content_page_change", args=[page.pk])
            data = admin_form_data(self.admin.get(url))
            self.admin.post(url, {**data, "content_richtext_set-0-text": args[0]})
        elif kind == "preview" and product:
            link = previews.preview_link_create(subject=product, user=None)
            self.preview_url = previews.preview_link_url(link)

    def _import(self, body: str) -> None:
        upload = SimpleUploadedFile("p.csv", (CSV_HEADER + body).encode(), "text/csv")
        dry_run = self.admin.post(
            reverse("admin:catalog_product_import"),
            {"import_file": upload, "format": "0", "resource": "0"},
        )
        if "confirm_form" in (dry_run.context or {}):
            confirm = dry_run.context["confirm_form"].initial
            self.admin.post(reverse("admin:catalog_product_process_import"), confirm)


class _Rollback(Exception):
    pass


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_a_cached_page_never_differs_from_a_fresh_one(admin_client, steps):
    cache.clear()  # each example starts afresh, as the first did
    visitor = Client()
    clock = Clock()
    with mock.patch.object(timezone, "now", clock.now):
        try:
            with transaction.atomic():
                site = Site(admin_client)
                for step in steps:
                    if step[0] != "get":
                        site.do(step, clock)
                        continue
                    url = step[1]
                    served = visitor.get(url)
                    with override_settings(PAGE_CACHE_SECONDS=0):
                        fresh = visitor.get(url)
                    assert served.status_code == fresh.status_code, (url, steps)
                    # Error pages are never cached, and quote their own
                    # request id.
                    if served.status_code == 200:
                        assert served.content == fresh.content, (url, steps)
                raise _Rollback
        except _Rollback:
            pass


def test_the_writes_change_what_visitors_see(admin_client):
    """The property above means something: each write shows on the pages."""
    visitor = Client()
    clock = Clock()
    with mock.patch.object(timezone, "now", clock.now):
        site = Site(admin_client)
        before = visitor.get("/products/lamp-0/").content
        site.do(("edit", 0, Decimal("432.10")), clock)
        assert b"432.10" in visitor.get("/products/lamp-0/").content
        assert visitor.get("/products/lamp-0/").content != before
        site.do(("category_rename", "Lights"), clock)
        assert b"Lights" in visitor.get("/categories/lighting/lamps/").content
        site.do(("schedule", 1, 30), clock)
        assert b"Lamp 1" not in visitor.get("/products/").content
        site.do(("time_passes", 31), clock)
        assert b"Lamp 1" in visitor.get("/products/").content
        site.do(("delete", 2), clock)
        assert visitor.get("/products/lamp-2/").status_code == 404
        site.do(("recover",), clock)
        assert visitor.get("/products/lamp-2/").status_code == 200
        site.do(("page_text", "abc xyz"), clock)
        assert b"abc xyz" in visitor.get("/pages/about/").content
        site.do(("import", 3, 7), clock)
        assert b"Imported 7" in visitor.get("/products/lamp-3/").content
        assert Category.objects.get(slug="lamps").name == "Lights"
