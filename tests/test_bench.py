"""The page benchmark's own parts: reading wrk and /proc, judging targets."""

import pytest

from bench.pages import Row, WorkerMemory, targets_check
from bench.server import Memory, smaps_rollup_parse
from bench.wrk import WrkResult, wrk_summary_parse

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:41234/floor/
  2 threads and 16 connections
  Latency Distribution
     50%    4.10ms
     99%   20.00ms
  24000 requests in 10.00s, 5.10MB read
Requests/sec:   2400.00
PAGES requests=24000 duration_us=10000000 p50_us=4100 p95_us=9500 p99_us=20000 \
connect=0 read=2 write=0 timeout=1 status=0
"""


def _result(*, rate: float, p95_ms: float = 10.0) -> WrkResult:
    return WrkResult(
        requests=int(rate * 10),
        seconds=10.0,
        p50_ms=p95_ms / 2,
        p95_ms=p95_ms,
        p99_ms=p95_ms * 2,
        socket_errors=0,
        error_statuses=0,
    )


def test_the_summary_line_of_the_lua_script_gives_rate_latency_and_errors():
    result = wrk_summary_parse(WRK_OUTPUT)

    assert result.rate == 2400.0
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (4.1, 9.5, 20.0)
    assert result.socket_errors == 3
    assert result.failed


def test_output_without_the_summary_line_is_an_error_not_zeros():
    with pytest.raises(ValueError, match="No summary line"):
        wrk_summary_parse("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_unique_memory_is_the_private_clean_and_dirty_pages():
    text = (
        "55acbd6f5000-7fff09791000 ---p 00000000 00:00 0  [rollup]\n"
        "Rss:                1764 kB\nPss:                 293 kB\n"
        "Private_Clean:        40 kB\nPrivate_Dirty:       116 kB\n"
    )

    assert smaps_rollup_parse(text) == Memory(rss=1764, pss=293, uss=156)


def test_each_target_is_judged_against_the_floor_of_its_own_server():
    """A page is compared with the floor measured by the same server start."""
    rows = [
        Row("cached", "home", "/", 16, _result(rate=950), floor_rate=1000),
        Row("cached", "list", "/products/", 16, _result(rate=850), floor_rate=1000),
        Row("uncached", "search", "/search/?q=oak", 16, _result(rate=30), 200),
    ]
    unqueued = [
        Row("uncached", "list", "/products/", 2, _result(rate=60, p95_ms=31), 200)
    ]
    memory = [
        WorkerMemory("cached", 11, 20_000, Memory(90, 60, 50), Memory(93, 62, 54)),
        WorkerMemory("cached", 12, 8_000, Memory(90, 60, 50), None),
    ]

    checks = targets_check(rows, unqueued, memory, products=100_000)

    assert checks == [
        ("cached home at least 0.9 x the floor", True, "0.95 x"),
        ("cached list at least 0.9 x the floor", False, "0.85 x"),
        ("uncached search at least 0.1 x the floor", True, "0.15 x"),
        (
            "uncached list p95 at most 30 ms (2 connections; the target is set "
            "at 1,000,000 products)",
            False,
            "31.0 ms",
        ),
        (
            "cached worker 11: memory (USS) growth under 10% over 20,000 requests",
            True,
            "+8.0%",
        ),
        (
            "cached worker 12: memory (USS) growth under 10% over 8,000 requests "
            "(the target is set over 20,000)",
            False,
            "the worker was replaced meanwhile",
        ),
    ]


@pytest.mark.django_db
def test_the_floor_is_served_beside_every_page_of_the_site(client, settings):
    settings.ROOT_URLCONF = "bench.floor_urls"

    floor = client.get("/floor/")

    assert floor.status_code == 200
    assert floor.content == b"floor\n"
    assert client.get("/robots.txt").status_code == 200
