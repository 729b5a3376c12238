"""Cached catalog data expires on writes and on scheduled visibility changes."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from catalog.cache import cached, catalog_changed, seconds_until_visibility_changes
from catalog.models import Product
from catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_next_visibility_change_is_the_earliest_publication_or_withdrawal():
    now = timezone.now()
    make_product(publish_at=now + timedelta(hours=3))
    make_product(unpublish_at=now + timedelta(hours=2))
    make_product(publish_at=now + timedelta(hours=1), status=Product.Status.DRAFT)

    moment = Product.objects.next_visibility_change(after=now)

    assert moment == now + timedelta(hours=2)


def test_no_scheduled_change_keeps_values_for_a_day():
    make_product()

    assert seconds_until_visibility_changes() == 24 * 60 * 60


def test_schedule_bound_values_expire_when_a_product_appears():
    make_product(publish_at=timezone.now() + timedelta(seconds=30))

    with mock.patch.object(cache, "set", wraps=cache.set) as cache_set:
        cached("count:x", lambda: 24, timeout=120, follows_schedule=True)

    assert 1 <= cache_set.call_args.kwargs["timeout"] <= 30


def test_other_values_keep_their_timeout():
    make_product(publish_at=timezone.now() + timedelta(seconds=30))

    with mock.patch.object(cache, "set", wraps=cache.set) as cache_set:
        cached("menu", lambda: ["Lighting"], timeout=300)

    assert cache_set.call_args.kwargs["timeout"] == 300


def test_a_write_makes_cached_values_stale():
    assert cached("answer", lambda: 1) == 1
    catalog_changed()

    assert cached("answer", lambda: 2) == 2
