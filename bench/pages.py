"""Page benchmark (`make bench`): each public page's rate against the floor.

Creates its own PostgreSQL database (dropped and made again unless
`--reuse`), migrates it, seeds `--products` products, collects the static
files, empties the Redis cache database it is given, then starts gunicorn
as production does (config/gunicorn.py, DEBUG off, Redis, the manifest
static storage, WEB_CONCURRENCY=2) on a free loopback port, twice, one
server after the other:

1. with the page cache on (PAGE_CACHE_SECONDS unset, its default), each
   address requested first so the cache is warm: "cached";
2. with PAGE_CACHE_SECONDS=0, so that every request misses it: "uncached".

Each server also serves the floor, `/floor/`: a view that returns a few
bytes, through the same middleware (bench/floor_settings.py adds it to the
site's URLs). One server serves both, rather than a second gunicorn for the
floor, so that the floor and the pages run in the very same workers, with
the same settings, middleware, gunicorn options and warm state; and one
server runs at a time, so that on 2 cores nothing else competes with the
one being measured. The floor is measured once per server start.

With each server, wrk (`-t2 -c16 --latency`, bench/pages.lua) loads one
address at a time for `--duration` seconds: the floor, home, the list, a
top-level category, a filtered list, a search for the commonest word of the
product names, a product, a flat page, /healthz and the site's CSS file.
Without the cache, the search and the list are also loaded with as many
connections as workers, for their p95 with no queue in front of them (at
16 connections on 2 workers a request waits for about 7 others, so the
loaded p95 is mostly queueing). Before the per-page runs, wrk goes over
a mix of a few hundred addresses (products, list pages, categories,
searches) once per thread, each worker's memory is read from
/proc/<pid>/smaps_rollup, `--memory-requests` more requests go to the mix
(or as many as `--memory-seconds` allow), and the memory is read again.

It prints Markdown tables (rate, p50, p95, p99, ratio to the floor; the
workers' memory) and whether each target of the fast-pages issue holds,
and writes them as CSV (`--csv`, and the memory beside it, `-memory.csv`).
The exit code is 1 when a request failed (a socket error or an answer of
400 or more) or an address did not answer 200; a missed target does not
change it.

    make bench
    make bench BENCH_ARGS="--products 1000000"
    .venv/bin/python bench/pages.py --floor-only --max-requests 2000 --duration 30

`--floor-only` measures the floor alone, on the database as it is (made
and migrated if missing, never seeded or dropped), with `--max-requests`
overriding config/gunicorn.py's (0: never recycle): how the worker
recycling was chosen. Otherwise, without `--reuse`, the database is
dropped, so its name must contain "bench".
"""

import argparse
import csv
import http.client
import math
import os
import random
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.server import (  # noqa: E402
    Memory,
    production_environment,
    static_collect,
    worker_memory,
    wrk_required,
)
from bench.wrk import WrkResult, wrk_run  # noqa: E402
from tests.servers import GunicornServer, gunicorn_started, http_get  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/showroom_bench"
# The environment of each server, added to the production one.
MODES = {"cached": {}, "uncached": {"PAGE_CACHE_SECONDS": "0"}}
# (mode, pages, least ratio to the floor): the fast-pages issue's targets.
RATIO_TARGETS = [
    ("cached", ("home", "list", "category", "product", "search"), 0.9),
    ("uncached", ("list", "category"), 0.25),
    ("uncached", ("search",), 0.1),
    ("uncached", ("product",), 0.35),
]
# Uncached p95 with no queue, at 1,000,000 products.
P95_TARGETS_MS = {"search": 50, "list": 30}
P95_TARGET_PRODUCTS = 1_000_000
MEMORY_GROWTH_LIMIT = 0.10
MEMORY_TARGET_REQUESTS = 20_000


@dataclass(frozen=True)
class Row:
    mode: str
    page: str
    path: str
    connections: int
    result: WrkResult
    floor_rate: float

    @property
    def ratio(self) -> float:
        return self.result.rate / self.floor_rate


@dataclass(frozen=True)
class WorkerMemory:
    mode: str
    pid: int
    requests: int
    before: Memory
    # None when the worker was replaced during the run (recycled or died).
    after: Memory | None


def main() -> None:
    args = _arguments()
    wrk_required()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    # The floor needs no catalog, so a floor-only run keeps the one it finds.
    if _database_create(args.database_url, reuse=args.reuse or args.floor_only):
        shutil.rmtree(workdir / "media", ignore_errors=True)
    env = production_environment(
        workdir=workdir, database_url=args.database_url, cache_url=args.cache_url
    )
    env["DJANGO_SETTINGS_MODULE"] = "bench.floor_settings"
    if args.max_requests is not None:
        # With the jitter config/gunicorn.py uses: a tenth more, at most.
        env["GUNICORN_CMD_ARGS"] = (
            f"--max-requests {args.max_requests} "
            f"--max-requests-jitter {args.max_requests // 10}"
        )
    os.environ.update(env)
    # The cached run measures the page cache as it is by default.
    os.environ.pop("PAGE_CACHE_SECONDS", None)
    static_collect()

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    cache.clear()
    products = _product_count()
    seeded = "reused"
    if not products and not args.floor_only:
        seeding_started = time.monotonic()
        _catalog_seed(products=args.products)
        products = _product_count()
        seeded = f"seeded in {time.monotonic() - seeding_started:.0f} s"
    pages = {"floor": "/floor/"}
    mix_path = None
    if not args.floor_only:
        pages = _pages()
        mix_path = workdir / "memory-mix.txt"
        mix_path.write_text("".join(f"{path}\n" for path in _memory_mix(pages)))
    print(
        f"PostgreSQL {connection.pg_version // 10000}, {products:,} products "
        f"({seeded}), {args.workers} workers, {os.cpu_count()} cores, ready in "
        f"{time.monotonic() - started:.0f} s; load average {load_before:.1f}",
        flush=True,
    )
    connection.close()

    rows: list[Row] = []
    unqueued: list[Row] = []
    memory: list[WorkerMemory] = []
    for mode in ["cached"] if args.floor_only else MODES:
        mode_rows, mode_unqueued, mode_memory = _server_measure(
            mode, env={**env, **MODES[mode]}, pages=pages, mix_path=mix_path, args=args
        )
        rows += mode_rows
        unqueued += mode_unqueued
        memory += mode_memory

    csv_path = Path(args.csv) if args.csv else workdir / "pages.csv"
    memory_csv_path = csv_path.with_name(f"{csv_path.stem}-memory.csv")
    _csv_write(csv_path, memory_csv_path, rows + unqueued, memory)
    print(
        f"\nAll in {(time.monotonic() - started) / 60:.1f} min; load average "
        f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.\n"
    )
    _tables_print(rows, unqueued, memory, connections=args.connections)
    print()
    checks = targets_check(rows, unqueued, memory, products=products)
    for description, held, figure in checks:
        print(f"{'holds' if held else 'MISSED'}: {description} ({figure})")
    print(f"\nCSV: {csv_path} and {memory_csv_path}")
    failed = [row for row in rows + unqueued if row.result.failed]
    for row in failed:
        print(
            f"FAILED: {row.mode} {row.page}: {row.result.socket_errors} socket "
            f"errors, {row.result.error_statuses} answers of 400 or more"
        )
    sys.exit(1 if failed else 0)


def _server_measure(
    mode: str,
    *,
    env: dict[str, str],
    pages: dict[str, str],
    mix_path: Path | None,
    args: argparse.Namespace,
) -> tuple[list[Row], list[Row], list[WorkerMemory]]:
    """Start one gunicorn, measure every page with it, stop it.

    Returns the loaded runs, the runs with a connection per worker, and the
    workers' memory over the mix of addresses in `mix_path`, if given.
    """
    log_path = Path(args.workdir) / f"gunicorn-{mode}.log"
    rows, unqueued, memory = [], [], []
    with gunicorn_started(env=env, log_path=log_path, workers=args.workers) as server:
        _warm(server.port, pages.values(), rounds=2 * args.workers)
        if mix_path is not None:
            memory = _memory_run(server, mode, mix_path, args)
        floor = wrk_run(
            server.url + pages["floor"],
            connections=args.connections,
            seconds=args.duration,
        )
        for page, path in pages.items():
            result = floor
            if page != "floor":
                result = wrk_run(
                    server.url + path,
                    connections=args.connections,
                    seconds=args.duration,
                )
            rows.append(Row(mode, page, path, args.connections, result, floor.rate))
            print(f"  {mode} {page}: {result.rate:,.0f} req/s", flush=True)
        if mode == "uncached":
            for page in P95_TARGETS_MS:
                result = wrk_run(
                    server.url + pages[page],
                    connections=args.workers,
                    seconds=args.duration,
                )
                unqueued.append(
                    Row(mode, page, pages[page], args.workers, result, floor.rate)
                )
    # Recycled workers show as boots beyond the first ones.
    boots = server.log().count("Booting worker with pid")
    print(f"  {mode}: {boots - args.workers} workers replaced", flush=True)
    return rows, unqueued, memory


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000, help="To seed.")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="A PostgreSQL database of the benchmark's own.",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database made before."
    )
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/8",
        help="A Redis database of the benchmark's own: it is emptied at start.",
    )
    parser.add_argument(
        "--duration", type=int, default=10, help="Seconds of wrk per page."
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk's.")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY.")
    parser.add_argument(
        "--memory-requests",
        type=int,
        default=MEMORY_TARGET_REQUESTS,
        help="Requests between the two readings of the workers' memory.",
    )
    parser.add_argument(
        "--memory-seconds",
        type=int,
        default=60,
        help="The most the memory run may take.",
    )
    parser.add_argument(
        "--workdir",
        default=str(BASE_DIR / "var" / "bench"),
        help="Static files, media, gunicorn's logs, the CSV.",
    )
    parser.add_argument("--csv", help="Where to write; pages.csv in --workdir.")
    parser.add_argument(
        "--floor-only", action="store_true", help="Measure the floor alone."
    )
    parser.add_argument(
        "--max-requests",
        type=int,
        help="Gunicorn's max_requests (and a tenth as jitter) instead of "
        "config/gunicorn.py's; 0: no recycling.",
    )
    return parser.parse_args()


def _database_create(url: str, *, reuse: bool) -> bool:
    """Make the database (again, unless `reuse`); True when it is new."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or not name:
        sys.exit(f"--database-url must name a PostgreSQL database: {url}")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and reuse:
            return False
        if exists:
            # A safeguard against `--database-url $DATABASE_URL`.
            if "bench" not in name:
                sys.exit(f"Will not drop {name!r}: its name lacks 'bench'.")
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def _catalog_seed(*, products: int) -> None:
    """Fill the empty catalog in bulk: the one place the benchmark seeds."""
    from bench.seed import seed_catalog

    seed_catalog(products=products)


def _product_count() -> int:
    from catalog.models import Product

    return Product.objects.count()


def _pages() -> dict[str, str]:
    """The address of each page measured, by name; the floor first."""
    from django.contrib.flatpages.models import FlatPage
    from django.templatetags.static import static
    from django.test import Client

    from catalog.models import Category, Product

    root = Category.objects.filter(depth=1).order_by("path").first()
    product = (
        Product.objects.visible()
        .filter(images__isnull=False)
        .order_by("-publish_at")
        .first()
    )
    flat_page = FlatPage.objects.order_by("url").first()
    # The floor again with a body as long as the list page's: what sending a
    # page's bytes costs by itself, client included, on the same two cores.
    listing = Client().get("/products/", HTTP_HOST="127.0.0.1")
    assert listing.status_code == 200, listing.status_code
    list_size = len(listing.content)
    return {
        "floor": "/floor/",
        "floor, page-sized body": f"/floor/?bytes={list_size}",
        "home": "/",
        "list": "/products/",
        "category": root.get_absolute_url(),
        "filtered list": (
            f"/products/?category={root.slug}&min_price=100&max_price=900"
            "&in_stock=1&sort=price"
        ),
        "search": f"/search/?q={_common_word()}",
        "product": product.get_absolute_url(),
        "flat page": flat_page.get_absolute_url(),
        "healthz": "/healthz",
        # The hashed name from the manifest, as pages link it.
        "static CSS": static("css/site.css"),
    }


def _common_word() -> str:
    """The commonest word of the product names, which a search will match
    in many products (more than 1,000 of 100,000 with the demo names)."""
    from catalog.models import Product

    visible = Product.objects.visible()
    names = visible.order_by("pk").values_list("name", flat=True)
    words = Counter(
        word.lower()
        for name in names[:2000]
        for word in name.split()
        if word.isalpha() and len(word) > 2
    )
    word = words.most_common(1)[0][0]
    # The search target is for a word in more than 1,000 products.
    named = visible.filter(name__icontains=word).count()
    print(f"Searching for {word!r}, in the names of {named:,} visible products.")
    return word


def _memory_mix(pages: dict[str, str]) -> list[str]:
    """A few hundred addresses, shuffled, for the memory run: many products,
    list pages, categories and searches, as visitors spread over a site."""
    from django.contrib.flatpages.models import FlatPage

    from catalog.models import Category, Product

    visible = Product.objects.visible()
    last_page = max(1, math.ceil(visible.count() / 24))
    categories = list(Category.objects.order_by("path"))
    names = list(visible.order_by("pk").values_list("name", "slug")[:200])
    words = sorted({word.lower() for name, _ in names for word in name.split()[:2]})
    paths = [
        *pages.values(),
        *(f"/products/?page={n}" for n in range(2, min(last_page, 30) + 1)),
        *(c.get_absolute_url() for c in categories),
        *(
            f"/products/?category={c.slug}&min_price=50&max_price=1500&sort=-price"
            for c in categories
        ),
        *(f"/products/{slug}/" for _, slug in names),
        *(f"/search/?q={word}" for word in words[:30]),
        *(page.get_absolute_url() for page in FlatPage.objects.all()),
    ]
    random.Random(13).shuffle(paths)  # noqa: S311 - not a secret
    return paths


def _warm(port: int, paths: Iterable[str], *, rounds: int) -> None:
    """Request each path `rounds` times; every answer must be a 200."""
    for path in paths:
        for _ in range(rounds):
            status, _ = http_get(port, path, timeout=60)
            if status != http.client.OK:
                sys.exit(f"{path} answers {status}, not 200.")


def _memory_run(
    server: GunicornServer, mode: str, mix_path: Path, args: argparse.Namespace
) -> list[WorkerMemory]:
    """Each worker's memory before and after the memory run.

    A first pass over the mix (each wrk thread walks all of it once) warms
    the workers up, so that what grows afterwards is what requests keep
    adding, not the first use of a template or a query. The run ends after
    --memory-requests answers or --memory-seconds, whichever comes first:
    without the page cache, 20,000 requests take longer than the whole
    benchmark may.
    """
    addresses = len(mix_path.read_text().split())
    wrk_run(
        server.url,
        connections=args.connections,
        seconds=args.memory_seconds,
        paths_file=mix_path,
        limit=2 * addresses,
    )
    before = {pid: worker_memory(pid) for pid in server.worker_pids()}
    result = wrk_run(
        server.url,
        connections=args.connections,
        seconds=args.memory_seconds,
        paths_file=mix_path,
        limit=args.memory_requests,
    )
    if result.failed:
        sys.exit(f"The memory run ({mode}) had failed requests: {result}")
    alive = server.worker_pids()
    print(
        f"  {mode} memory run: {result.requests:,} requests in {result.seconds:.0f} s",
        flush=True,
    )
    return [
        WorkerMemory(
            mode=mode,
            pid=pid,
            requests=result.requests,
            before=memory,
            after=worker_memory(pid) if pid in alive else None,
        )
        for pid, memory in sorted(before.items())
    ]


def _tables_print(
    rows: list[Row],
    unqueued: list[Row],
    memory: list[WorkerMemory],
    *,
    connections: int,
) -> None:
    modes = list(dict.fromkeys(row.mode for row in rows))
    by_page: dict[str, dict[str, Row]] = {}
    for row in rows:
        by_page.setdefault(row.page, {})[row.mode] = row
    print(f"wrk -t2 -c{connections}, requests per second and latency in ms:\n")
    header = "| page |" + "".join(
        f" {mode} req/s | p50 | p99 | × floor |" for mode in modes
    )
    print(header + "\n|---|" + "---:|---:|---:|---:|" * len(modes))
    for page, by_mode in by_page.items():
        cells = "".join(
            f" {r.result.rate:,.0f} | {r.result.p50_ms:.1f} | {r.result.p99_ms:.1f}"
            f" | {r.ratio:.2f} |"
            if (r := by_mode.get(mode))
            else " | | | |"
            for mode in modes
        )
        print(f"| {page} |{cells}")
    if unqueued:
        print(
            "\nOne connection per worker, no queue:\n\n"
            "| page | mode | connections | req/s | p50 | p95 | p99 |\n"
            "|---|---|---:|---:|---:|---:|---:|"
        )
        for row in unqueued:
            print(
                f"| {row.page} | {row.mode} | {row.connections} | "
                f"{row.result.rate:,.0f} | {row.result.p50_ms:.1f} | "
                f"{row.result.p95_ms:.1f} | {row.result.p99_ms:.1f} |"
            )
    if memory:
        print(
            "\nEach worker's memory in MiB, before and after the memory run:\n\n"
            "| mode | worker | requests | USS | growth | PSS | growth | RSS | growth |"
            "\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        )
        for worker in memory:
            cells = "".join(
                _memory_cells(getattr(worker.before, kind), after)
                for kind in ("uss", "pss", "rss")
                for after in [getattr(worker.after, kind, None)]
            )
            print(f"| {worker.mode} | {worker.pid} | {worker.requests:,} |{cells}")


def _memory_cells(before: int, after: int | None) -> str:
    if after is None:
        return f" {before / 1024:.1f} → replaced | |"
    return f" {before / 1024:.1f} → {after / 1024:.1f} | {growth(before, after):+.1%} |"


def _csv_write(
    path: Path, memory_path: Path, rows: list[Row], memory: list[WorkerMemory]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "mode", "page", "path", "connections", "requests", "seconds",
                "requests_per_s", "p50_ms", "p95_ms", "p99_ms", "ratio_to_floor",
                "socket_errors", "answers_400_or_more",
            ]
        )  # fmt: skip
        for row in rows:
            result = row.result
            writer.writerow(
                [
                    row.mode, row.page, row.path, row.connections, result.requests,
                    f"{result.seconds:.2f}", f"{result.rate:.1f}",
                    f"{result.p50_ms:.2f}", f"{result.p95_ms:.2f}",
                    f"{result.p99_ms:.2f}", f"{row.ratio:.3f}",
                    result.socket_errors, result.error_statuses,
                ]
            )  # fmt: skip
    with memory_path.open("w", newline="") as file:
        writer = csv.writer(file)
        kinds = ("uss", "pss", "rss")
        columns = [f"{k}_{w}_kib" for k in kinds for w in ("before", "after")]
        writer.writerow(
            [
                "mode",
                "pid",
                "requests",
                *columns,
            ]
        )
        for worker in memory:
            writer.writerow(
                [
                    worker.mode,
                    worker.pid,
                    worker.requests,
                    *(
                        value
                        for kind in kinds
                        for value in (
                            getattr(worker.before, kind),
                            getattr(worker.after, kind, ""),
                        )
                    ),
                ]
            )


def growth(before: int, after: int) -> float:
    return after / before - 1


def targets_check(
    rows: list[Row], unqueued: list[Row], memory: list[WorkerMemory], *, products: int
) -> list[tuple[str, bool, str]]:
    """Each target of the fast-pages issue: what, whether it held, the figure.

    `rows` are the loaded runs, `unqueued` the runs with a connection per
    worker; a target whose run is missing is left out.
    """
    loaded = {(row.mode, row.page): row for row in rows}
    checks = []
    for mode, pages, least in RATIO_TARGETS:
        for page in pages:
            if row := loaded.get((mode, page)):
                checks.append(
                    (
                        f"{mode} {page} at least {least} x the floor",
                        row.ratio >= least,
                        f"{row.ratio:.2f} x",
                    )
                )
    scale = ""
    if products < P95_TARGET_PRODUCTS:
        scale = f"; the target is set at {P95_TARGET_PRODUCTS:,} products"
    for row in unqueued:
        if most := P95_TARGETS_MS.get(row.page):
            checks.append(
                (
                    f"{row.mode} {row.page} p95 at most {most} ms "
                    f"({row.connections} connections{scale})",
                    row.result.p95_ms <= most,
                    f"{row.result.p95_ms:.1f} ms",
                )
            )
    for worker in memory:
        what = (
            f"{worker.mode} worker {worker.pid}: memory (USS) growth under "
            f"{MEMORY_GROWTH_LIMIT:.0%} over {worker.requests:,} requests"
        )
        if worker.requests < MEMORY_TARGET_REQUESTS:
            what += f" (the target is set over {MEMORY_TARGET_REQUESTS:,})"
        if worker.after is None:
            checks.append((what, False, "the worker was replaced meanwhile"))
        else:
            uss = growth(worker.before.uss, worker.after.uss)
            checks.append((what, uss < MEMORY_GROWTH_LIMIT, f"{uss:+.1%}"))
    return checks


if __name__ == "__main__":
    main()
