"""The fail-soft Redis cache works like Django's and answers as a miss when
Redis is unreachable or hung, trying it again once per window."""

import logging
import os
import time

import pytest
from django.core.cache import cache, caches
from django.test import override_settings

from config.cache_backends import FailSoftRedisCache
from tests.cache_servers import FakeRedisServer, HungServer, closed_port, redis_cache_at

LOGGER = "config.cache_backends"


@pytest.fixture
def fake_redis():
    server = FakeRedisServer()
    yield server
    server.stop()


@pytest.fixture
def hung_server():
    server = HungServer()
    yield server
    server.close()


def _round_trip() -> None:
    cache.set("colour", "oak", timeout=60)
    assert cache.get("colour") == "oak"
    assert cache.add("colour", "ash") is False
    assert cache.add("size", 3) is True
    assert cache.incr("size") == 4
    assert cache.get_many(["colour", "size", "none"]) == {"colour": "oak", "size": 4}
    assert cache.set_many({"a": 1, "b": 2}) == []
    assert cache.has_key("a") is True
    assert cache.delete("a") is True
    assert cache.get("a") is None
    with pytest.raises(ValueError, match="not found"):
        cache.incr("missing")


def test_works_like_djangos_redis_cache_when_the_server_answers(fake_redis):
    with redis_cache_at(fake_redis.url):
        assert type(caches["default"]) is FailSoftRedisCache
        _round_trip()


@pytest.mark.skipif(
    not os.environ.get("CACHE_URL", "").startswith(("redis://", "rediss://")),
    reason="CACHE_URL names no Redis server",
)
def test_works_against_the_real_redis_of_cache_url():
    with redis_cache_at(os.environ["CACHE_URL"]):
        cache.clear()
        _round_trip()
        cache.clear()


def test_an_unreachable_server_answers_every_operation_as_a_miss():
    with redis_cache_at(f"redis://127.0.0.1:{closed_port()}/0"):
        assert cache.get("colour") is None
        assert cache.get("colour", "default") == "default"
        assert cache.set("colour", "oak") is None
        # Reported as stored, so that callers that lock with add() go on.
        assert cache.add("colour", "oak") is True
        assert cache.get_or_set("colour", "oak") == "oak"
        assert cache.get_many(["colour"]) == {}
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.has_key("colour") is False
        assert cache.touch("colour") is False
        assert cache.delete("colour") is False
        assert cache.delete_many(["a", "b"]) is None
        assert cache.clear() is False
        with pytest.raises(ValueError, match="unavailable"):
            cache.incr("counter")
        with pytest.raises(ValueError, match="unavailable"):
            cache.decr("counter")


def test_a_hung_server_costs_one_timeout_then_is_skipped(hung_server):
    with redis_cache_at(
        f"redis://127.0.0.1:{hung_server.port}/0",
        CACHE_TIMEOUT_SECONDS=0.1,
        CACHE_RETRY_SECONDS=60,
    ):
        started = time.monotonic()
        assert cache.get("colour") is None
        first = time.monotonic() - started
        for _ in range(50):
            assert cache.get("colour") is None
            cache.set("colour", "oak")

    # redis-py alone would wait 5 s; the timeout is 0.1 s.
    assert first < 2
    # The 100 calls after the first never opened a connection.
    assert len(hung_server.connections) == 1


def test_the_server_is_tried_once_again_after_the_retry_window(hung_server):
    with redis_cache_at(
        f"redis://127.0.0.1:{hung_server.port}/0",
        CACHE_TIMEOUT_SECONDS=0.05,
        CACHE_RETRY_SECONDS=0.3,
    ):
        cache.get("colour")
        time.sleep(0.5)
        for _ in range(20):
            cache.get("colour")

    assert len(hung_server.connections) == 2


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    fake_redis, caplog
):
    with redis_cache_at(fake_redis.url, CACHE_RETRY_SECONDS=0.2):
        cache.set("colour", "oak")
        fake_redis.stop()
        with caplog.at_level(logging.WARNING, logger=LOGGER):
            for _ in range(30):
                assert cache.get("colour") is None
            time.sleep(0.3)
            for _ in range(30):
                assert cache.get("colour") is None
            fake_redis.start()
            time.sleep(0.3)
            assert cache.get("colour") == "oak"
            assert cache.get("colour") == "oak"

    records = [r for r in caplog.records if r.name == LOGGER]
    assert [r.levelname for r in records] == ["ERROR", "WARNING"]
    assert f"127.0.0.1:{fake_redis.port} did not answer" in records[0].getMessage()
    assert "answers again" in records[1].getMessage()


def test_the_log_names_the_server_without_its_password(caplog):
    port = closed_port()
    with (
        redis_cache_at(f"redis://:hunter2-secret@127.0.0.1:{port}/0"),
        caplog.at_level(logging.ERROR, logger=LOGGER),
    ):
        cache.get("colour")

    message = caplog.records[-1].getMessage()
    assert f"127.0.0.1:{port}" in message
    assert "hunter2" not in message


def test_a_timeout_given_in_the_cache_url_wins_over_the_setting(hung_server):
    location = f"redis://127.0.0.1:{hung_server.port}/0"
    caches = {
        "default": {
            "BACKEND": "config.cache_backends.FailSoftRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_timeout": 0.5},
        }
    }
    with override_settings(CACHE_TIMEOUT_SECONDS=0.05, CACHES=caches):
        started = time.monotonic()
        cache.get("colour")
        waited = time.monotonic() - started

    assert 0.45 <= waited < 3
