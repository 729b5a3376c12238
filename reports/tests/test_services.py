"""Flushing buffered counts: nothing lost, nothing counted twice."""

import threading
from datetime import date

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from reports import buffer, services
from reports.models import DailyCount, FlushedBatch

DAY = date(2026, 3, 2)
FIELD = buffer.field(DAY, "product", "7")


def _buffers():
    yield pytest.param("memory", id="memory")
    yield pytest.param(
        "redis",
        id="redis",
        marks=pytest.mark.skipif(
            "redis" not in settings.CACHES["default"]["BACKEND"].lower(),
            reason="CACHE_URL is not Redis",
        ),
    )


@pytest.fixture(params=list(_buffers()))
def a_buffer(request):
    if request.param == "memory":
        return buffer.MemoryBuffer()
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    return buffer.RedisBuffer(cache)


def views() -> int:
    row = DailyCount.objects.filter(kind="product", object_id=7).first()
    return row.count if row else 0


@pytest.mark.django_db
def test_a_flush_writes_the_counts_and_empties_the_buffer(a_buffer):
    a_buffer.add([FIELD, FIELD, buffer.field(DAY, "search", "blue kettle")])

    services.stats_flush(buffer_=a_buffer)
    services.stats_flush(buffer_=a_buffer)

    assert views() == 2
    assert DailyCount.objects.get(kind="search").label == "blue kettle"
    assert a_buffer.claims() == []


@pytest.mark.django_db
def test_counts_add_to_those_of_an_earlier_flush(a_buffer):
    a_buffer.add([FIELD])
    services.stats_flush(buffer_=a_buffer)
    a_buffer.add([FIELD, FIELD])
    services.stats_flush(buffer_=a_buffer)

    assert views() == 3


@pytest.mark.django_db
def test_a_flush_that_crashes_halfway_loses_nothing(a_buffer, monkeypatch):
    a_buffer.add([FIELD] * 5 + [buffer.field(DAY, "visitor", "a" * 32)])
    real = services.VisitorDigest.objects.bulk_create

    def crash(*args, **kwargs):
        raise RuntimeError("killed halfway")

    # The counts are written, then the process dies before the commit.
    monkeypatch.setattr(services.VisitorDigest.objects, "bulk_create", crash)
    with pytest.raises(RuntimeError):
        services.stats_flush(buffer_=a_buffer)
    assert views() == 0
    a_buffer.add([FIELD])

    monkeypatch.setattr(services.VisitorDigest.objects, "bulk_create", real)
    services.stats_flush(buffer_=a_buffer)

    assert views() == 6
    assert a_buffer.claims() == []


@pytest.mark.django_db
def test_a_flush_that_crashes_after_its_commit_is_not_counted_again(
    a_buffer, monkeypatch
):
    a_buffer.add([FIELD] * 4)
    real = a_buffer.drop

    def crash(name):
        raise RuntimeError("killed before deleting the batch")

    monkeypatch.setattr(a_buffer, "drop", crash)
    with pytest.raises(RuntimeError):
        services.stats_flush(buffer_=a_buffer)
    monkeypatch.setattr(a_buffer, "drop", real)

    result = services.stats_flush(buffer_=a_buffer)

    assert views() == 4
    assert result.skipped == 1
    assert a_buffer.claims() == []


@pytest.mark.django_db
def test_two_flushes_at_once_add_each_batch_once(a_buffer, monkeypatch):
    """The second flush runs whole while the first is between two steps."""
    a_buffer.add([FIELD] * 3)
    real_read = a_buffer.read
    second_ran = []

    def read_then_let_the_other_flush_run(name):
        counts = real_read(name)
        if not second_ran:
            second_ran.append(True)
            a_buffer.add([FIELD] * 2)
            services.stats_flush(buffer_=a_buffer)
        return counts

    monkeypatch.setattr(a_buffer, "read", read_then_let_the_other_flush_run)
    services.stats_flush(buffer_=a_buffer)

    assert views() == 5
    assert FlushedBatch.objects.count() == 2


@pytest.mark.django_db
def test_counts_from_many_threads_during_flushes_are_all_written(a_buffer):
    """Workers count while flushes claim the buffer again and again."""
    workers, each = 4, 300
    start = threading.Barrier(workers + 1)

    def count():
        start.wait()
        for _ in range(each):
            a_buffer.add([FIELD])

    threads = [threading.Thread(target=count) for _ in range(workers)]
    for thread in threads:
        thread.start()
    start.wait()
    while any(thread.is_alive() for thread in threads):
        services.stats_flush(buffer_=a_buffer)
    for thread in threads:
        thread.join()
    services.stats_flush(buffer_=a_buffer)

    assert views() == workers * each


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_in_their_own_transactions_add_each_batch_once():
    """Two flushes in two connections, both reading the same batches."""
    memory = buffer.MemoryBuffer()
    for _ in range(3):
        memory.add([FIELD] * 10)
        memory.claim()
    start = threading.Barrier(2)
    errors = []

    def flush():
        try:
            start.wait()
            services.stats_flush(buffer_=memory)
        except Exception as error:  # pragma: no cover - shown by the assert
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=flush) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert views() == 30


@pytest.mark.django_db
def test_a_worker_writes_its_own_buffer_as_it_exits():
    """With the local-memory cache, gunicorn's worker_exit hook flushes."""
    if not buffer.current().in_process:
        pytest.skip("a Redis buffer outlives the worker")
    buffer.current().add([FIELD, FIELD])

    services.flush_at_exit()

    assert views() == 2


@pytest.mark.django_db
def test_a_worker_flushes_its_own_buffer_once_it_is_a_minute_old(monkeypatch):
    from reports import receivers

    memory = buffer.current()
    if not memory.in_process:
        pytest.skip("Redis buffers are flushed by cron")
    receivers._add([FIELD])
    assert views() == 0
    monkeypatch.setattr(memory, "started", memory.started - receivers.FLUSH_SECONDS)

    receivers._add([FIELD])

    assert views() == 2


class _Unreachable:
    """A Redis buffer whose server does not answer."""

    in_process = False

    def push(self, counts):
        return None


@pytest.mark.django_db
def test_views_staged_while_redis_is_away_go_with_the_next_push():
    buffer.stage.add([FIELD, FIELD])

    assert services.stage_push(buffer_=_Unreachable()) == 0

    memory = buffer.MemoryBuffer()
    memory.push = lambda counts: memory.add(
        [name for name, n in counts.items() for _ in range(n)]
    )
    memory.in_process = False
    buffer.stage.add([FIELD])
    services.stats_flush(buffer_=memory)
    assert views() == 3


@pytest.mark.django_db
def test_a_worker_sends_its_staged_views_as_it_exits(a_buffer, monkeypatch):
    if a_buffer.in_process:
        pytest.skip("staging is for Redis")
    monkeypatch.setattr(buffer, "current", lambda: a_buffer)
    buffer.stage.add([FIELD, FIELD])

    services.flush_at_exit()
    services.stats_flush(buffer_=a_buffer)

    assert views() == 2
