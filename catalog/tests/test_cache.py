"""Cached catalog values go stale on writes and on scheduled visibility changes."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from catalog.cache import cached
from catalog.models import Product
from catalog.tests.factories import make_product
from config import sitecache

pytestmark = pytest.mark.django_db


def test_visibility_moments_are_the_last_and_next_publication_or_withdrawal():
    now = timezone.now()
    make_product(publish_at=now - timedelta(hours=5))
    make_product(publish_at=now + timedelta(hours=3))
    make_product(
        publish_at=now - timedelta(days=1), unpublish_at=now + timedelta(hours=2)
    )
    make_product(
        publish_at=now - timedelta(hours=1), unpublish_at=now - timedelta(minutes=5)
    )
    make_product(publish_at=now + timedelta(hours=1), status=Product.Status.DRAFT)

    last, upcoming = Product.objects.visibility_moments(at=now)

    assert last == now - timedelta(minutes=5)
    assert upcoming == now + timedelta(hours=2)


def test_no_schedule_gives_no_moments():
    assert Product.objects.visibility_moments(at=timezone.now()) == (None, None)


def test_a_write_makes_cached_values_stale():
    assert cached("answer", lambda: 1) == 1
    sitecache.content_changed()

    assert cached("answer", lambda: 2) == 2


def test_a_value_is_kept_until_something_changes():
    assert cached("answer", lambda: 1) == 1

    assert cached("answer", lambda: 2) == 1


def test_a_product_reaching_its_publish_at_makes_cached_values_stale():
    """No write happens then, yet the cached count must not outlive it."""
    soon = timezone.now() + timedelta(minutes=10)
    make_product(publish_at=soon)
    assert cached("count", lambda: 0) == 0

    with mock.patch.object(timezone, "now", return_value=soon + timedelta(seconds=1)):
        assert cached("count", lambda: 1) == 1


def test_values_are_computed_when_the_cache_is_unreachable():
    with mock.patch.object(sitecache, "content_version", return_value=None):
        assert cached("answer", lambda: 1) == 1
        assert cached("answer", lambda: 2) == 2
