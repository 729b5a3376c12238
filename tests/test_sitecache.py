"""The content version and the WAL position recorded with it."""

import os
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError

from config import replica, sitecache


@pytest.fixture
def local_memory():
    if not isinstance(cache._cache, dict):
        pytest.skip("the version lives in Redis with a Redis cache")


def test_with_local_memory_a_change_made_by_another_process_is_seen(
    local_memory, settings, db
):
    """Another gunicorn worker, or a command, changes the version file's
    time; this process sees the new version at once (it once kept the
    version in its own memory instead, unseen by the other workers)."""
    before = sitecache.content_version()
    stamp = time.time_ns() + 10**9
    os.utime(settings.SITE_CACHE_VERSION_FILE, ns=(stamp, stamp))

    assert sitecache.content_version().token != before.token


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_records_the_primary_position_before_the_version():
    seen = []
    store = sitecache._stamp()
    original_bump = store.bump

    def bump():
        seen.append(store.position())
        original_bump()

    with (
        mock.patch.object(replica, "primary_position", return_value="0/AB"),
        mock.patch.object(store, "bump", bump),
    ):
        sitecache.content_changed()

    # Before commit the position is kept; at commit it is recorded first.
    assert seen == [None, "0/AB"]
    assert sitecache.content_position() == "0/AB"


@pytest.mark.django_db(transaction=True)
def test_without_a_readable_position_a_change_forgets_the_old_one(caplog):
    sitecache._stamp().position_record("0/1")

    with mock.patch.object(
        replica, "primary_position", side_effect=OperationalError("gone")
    ):
        sitecache.content_changed()

    assert sitecache._stamp().position() is None
    assert "Could not read the primary's WAL position" in caplog.text


def test_an_unknown_position_is_taken_from_the_primary_and_kept():
    with mock.patch.object(replica, "primary_position", return_value="0/5"):
        assert sitecache.content_position() == "0/5"
    with mock.patch.object(replica, "primary_position", return_value="0/9"):
        assert sitecache.content_position() == "0/5"


def test_a_position_is_added_only_where_none_is_recorded():
    store = sitecache._stamp()
    store.position_add("0/1")
    store.position_add("0/2")
    assert store.position() == "0/1"

    store.position_record("0/3")
    assert store.position() == "0/3"
    store.position_record(None)
    assert store.position() is None


def test_without_a_replica_no_position_is_recorded():
    assert replica.primary_position() is None
    assert sitecache.content_position() is None


def test_a_held_version_is_what_the_page_renders_under(db):
    held = sitecache.ContentVersion(token="held", changed_at=mock.sentinel.time)

    with sitecache.held(held):
        sitecache.content_changed()
        assert sitecache.content_version() is held

    assert sitecache.content_version().token != "held"
