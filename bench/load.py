"""Load benchmark: wrk against gunicorn over a mix of catalog pages.

Fills a database with demo products (or reuses one), collects the static
files, starts gunicorn with config/gunicorn.py on a free loopback port
under production settings (DEBUG off, the manifest static storage), warms
it up, then runs

    wrk -t2 -c64 -d60s --latency --timeout 10s -s bench/load.lua

over home, product lists (pages, filters, sorts), category pages, product
pages, searches, flat pages and robots.txt. It prints wrk's figures, the
server's own time per kind of page (from gunicorn's access log), and
whether the targets hold: no failed request, no 5xx, p99 under 10 x p50.
The exit code is 0 when they do, 1 when not.

    .venv/bin/python bench/load.py                      # SQLite, 100,000 products
    .venv/bin/python bench/load.py --reuse              # keep the database made before
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1/bench \\
        --cache-url redis://127.0.0.1:6379/3
    .venv/bin/python bench/load.py --products 2000 --duration 10 --connections 16

wrk's own timeout is raised from 2 s to 10 s (`--timeout`), so that a slow
answer counts as slow, in the latency figures, and not as a socket error.
The database, static files and logs live in --workdir (default
/tmp/showroom-load). A PostgreSQL database must exist; without --reuse it
must have no products yet.
"""

import argparse
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.server import (  # noqa: E402
    manage,
    production_environment,
    static_collect,
    wrk_required,
)

LUA_SCRIPT = BASE_DIR / "bench" / "load.lua"

# Share of requests per kind of page, in percent.
WEIGHTS = {
    "home": 10,
    "list": 15,
    "list, filtered": 10,
    "category": 15,
    "product": 25,
    "search": 13,
    "flat page": 6,
    "robots.txt": 6,
}
MIX_SIZE = 2000
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
# config/gunicorn.py's access_log_format: address "request" status bytes time.
ACCESS_LINE = re.compile(
    r'"GET (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) \S+ (?P<ms>\d+)ms'
)


def main() -> None:
    args = _arguments()
    # Taken before this run adds its own: whether other work shares the CPUs.
    load_before = os.getloadavg()[0]
    wrk_required()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = args.database_url or f"sqlite:///{workdir / 'db.sqlite3'}"
    env = production_environment(
        workdir=workdir, database_url=database_url, cache_url=args.cache_url
    )
    os.environ.update(env)
    seeded = _database_prepare(args, workdir=workdir, sqlite=not args.database_url)
    static_collect()

    import django

    django.setup()
    from django.db import connection

    from config import gunicorn as gunicorn_config
    from tests.servers import gunicorn_started

    mix = _page_mix(random.Random(args.seed))  # noqa: S311 - not a secret
    kinds = {path: kind for kind, path in reversed(mix)}
    paths_file = workdir / "paths.txt"
    paths_file.write_text("".join(f"{path}\n" for _, path in mix))
    products = _visible_products()
    connection.close()

    log_path = workdir / "gunicorn.log"
    # config/gunicorn.py reads the environment, as it will in gunicorn.
    workers = args.workers or gunicorn_config.workers
    with gunicorn_started(env=env, log_path=log_path, workers=workers) as server:
        print(
            f"{connection.vendor}, {products:,} visible products{seeded}, "
            f"gunicorn with {workers} sync workers on port {server.port}, "
            f"{len(kinds)} distinct addresses, {os.cpu_count()} cores"
        )
        for path, kind in kinds.items():
            status, _ = server.get(path, timeout=30)
            if status != 200:
                sys.exit(f"{path} ({kind}) answers {status}; see {log_path}")
        if args.warmup:
            _wrk(server.url, args, paths_file, duration=args.warmup)
        offset = log_path.stat().st_size
        output = _wrk(server.url, args, paths_file, duration=args.duration)
        load_after = os.getloadavg()[0]
        workers_after = len(server.worker_pids())
    with log_path.open("rb") as log:
        log.seek(offset)
        access = log.read().decode(errors="replace")

    figures = _wrk_figures(output)
    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s "
        f"--latency --timeout {args.timeout}s, {MIX_SIZE} weighted addresses; "
        f"load average {load_before:.1f} at the start, {load_after:.1f} at the end\n"
    )
    _table_print(figures)
    print()
    _kinds_print(access, kinds)
    failed = _verdict(figures)
    if workers_after != workers:
        print(f"Workers at the end: {workers_after} (were {workers}).")
    sys.exit(1 if failed else 0)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--products", type=int, default=100_000, help="How many to seed_demo."
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database made before."
    )
    parser.add_argument(
        "--database-url", help="A PostgreSQL database; SQLite in --workdir if unset."
    )
    parser.add_argument(
        "--cache-url", default="locmemcache://", help="CACHE_URL of the site."
    )
    parser.add_argument(
        "--workdir",
        default="/tmp/showroom-load",  # noqa: S108
        help="Database, static files, page list and gunicorn's log.",
    )
    parser.add_argument("--duration", type=int, default=60, help="Seconds.")
    parser.add_argument("--connections", type=int, default=64, help="wrk's.")
    parser.add_argument("--threads", type=int, default=2, help="wrk's.")
    parser.add_argument("--timeout", type=int, default=10, help="wrk's, seconds.")
    parser.add_argument(
        "--warmup", type=int, default=10, help="Seconds of load before measuring."
    )
    parser.add_argument(
        "--workers", type=int, help="Gunicorn workers; config/gunicorn.py's if unset."
    )
    parser.add_argument("--seed", type=int, default=7, help="Of the page mix.")
    return parser.parse_args()


def _database_prepare(args: argparse.Namespace, *, workdir: Path, sqlite: bool) -> str:
    """Migrate and seed; a description of the seeding for the report."""
    if sqlite and not args.reuse:
        for name in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"):
            (workdir / name).unlink(missing_ok=True)
        shutil.rmtree(workdir / "media", ignore_errors=True)
    manage("migrate", "-v0")
    existing = _product_count()
    if existing and not args.reuse:
        sys.exit(
            f"The database has {existing} products already: pass --reuse, or "
            "give an empty database."
        )
    if existing:
        return f" (reused, {existing:,} in all)"
    started = time.monotonic()
    manage("seed_demo", "--products", str(args.products))
    return f" (seed_demo took {time.monotonic() - started:.0f} s)"


def _product_count() -> int:
    output = subprocess.run(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            str(BASE_DIR / "manage.py"),
            "shell",
            "-v0",
            "-c",
            "from catalog.models import Product; print(Product.objects.count())",
        ],
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(output.split()[-1])


def _visible_products() -> int:
    from catalog.models import Product

    return Product.objects.visible().count()


def _page_mix(rng: random.Random) -> list[tuple[str, str]]:
    """MIX_SIZE (kind, path) pairs, each kind in its WEIGHTS share."""
    from django.contrib.flatpages.models import FlatPage

    from catalog.models import Category, Product

    visible = Product.objects.visible()
    last_page = max(1, math.ceil(visible.count() / 24))
    pages = sorted({n for n in (2, 3, 5, 10, 50, 200, last_page) if n <= last_page})
    roots = list(Category.objects.filter(depth=1).order_by("path"))
    leaves = list(Category.objects.filter(numchild=0).order_by("path"))
    names = list(visible.order_by("?").values_list("name", "slug")[:400])
    words = sorted({word.lower() for name, _ in names for word in name.split()[:2]})
    candidates = {
        "home": ["/"],
        "list": ["/products/", *(f"/products/?page={n}" for n in pages)],
        "list, filtered": [
            *(
                f"/products/?category={root.slug}&min_price=100&max_price=900"
                f"&in_stock=1&sort=price&page={page}"
                for root in roots
                for page in (1, 3)
            ),
            "/products/?sort=-price",
            "/products/?sort=name&page=4",
            "/products/?in_stock=1&max_price=200",
        ],
        "category": [
            *(c.get_absolute_url() for c in roots + leaves),
            *(f"{c.get_absolute_url()}?page=2&sort=price" for c in leaves[:4]),
        ],
        "product": [f"/products/{slug}/" for _, slug in names],
        "search": [
            *(f"/search/?q={word}" for word in words[:20]),
            *(
                f"/search/?q={a}+{b}"
                for a, b in zip(words[::2], words[1::2], strict=False)
            ),
            "/search/?q=zebra",
        ],
        "flat page": [page.get_absolute_url() for page in FlatPage.objects.all()],
        "robots.txt": ["/robots.txt"],
    }
    kinds = [kind for kind in WEIGHTS if candidates[kind]]
    weights = [WEIGHTS[kind] for kind in kinds]
    mix = []
    for kind in rng.choices(kinds, weights=weights, k=MIX_SIZE):
        mix.append((kind, rng.choice(candidates[kind])))
    return mix


def _wrk(url: str, args: argparse.Namespace, paths_file: Path, *, duration: int) -> str:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - wrk is found on PATH, checked at start
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            f"{args.timeout}s",
            "-s",
            str(LUA_SCRIPT),
            url,
        ],
        env={**os.environ, "LOAD_PATHS": str(paths_file)},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS_MS[unit]


def _wrk_figures(output: str) -> dict[str, float]:
    """Requests, rates, latency percentiles, errors and status counts."""
    figures: dict[str, float] = {}
    for percent in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{percent}%\s+(\S+)", output, re.MULTILINE)
        figures[f"p{percent} ms"] = _ms(match[1])
    figures["max ms"] = _ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", output)[1])
    figures["requests"] = int(re.search(r"(\d+) requests in", output)[1])
    figures["requests/s"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    for number, kind in enumerate(("connect", "read", "write", "timeout"), start=1):
        figures[f"socket errors, {kind}"] = int(errors[number]) if errors else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non-2xx/3xx"] = int(non_2xx[1]) if non_2xx else 0
    statuses = re.search(r"STATUS (.*)", output)
    for pair in statuses[1].split():
        name, count = pair.split("=")
        figures[name] = int(count)
    return figures


def _table_print(figures: dict[str, float]) -> None:
    print("| figure | value |\n|---|---:|")
    for name, value in figures.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        print(f"| {name} | {shown} |")


def _kinds_print(access: str, kinds: dict[str, str]) -> None:
    """The server's time per kind of page, from gunicorn's access log."""
    times: dict[str, list[int]] = {kind: [] for kind in WEIGHTS}
    errors: dict[str, int] = dict.fromkeys(WEIGHTS, 0)
    for match in ACCESS_LINE.finditer(access):
        kind = kinds.get(match["path"])
        if kind is None:
            continue
        times[kind].append(int(match["ms"]))
        if match["status"].startswith("5"):
            errors[kind] += 1
    print(
        "| page | requests | 5xx | server median ms | server p99 ms |\n"
        "|---|---:|---:|---:|---:|"
    )
    for kind, values in times.items():
        if not values:
            continue
        values.sort()
        p99 = values[min(len(values) - 1, math.ceil(len(values) * 0.99) - 1)]
        print(
            f"| {kind} | {len(values):,} | {errors[kind]} | "
            f"{statistics.median(values):.0f} | {p99} |"
        )


def _verdict(figures: dict[str, float]) -> bool:
    """Print each target and whether it holds; True when one does not."""
    socket_errors = sum(v for k, v in figures.items() if k.startswith("socket errors"))
    targets = [
        ("no failed request (socket errors)", socket_errors == 0, socket_errors),
        ("no 5xx", figures["5xx"] == 0, figures["5xx"]),
        (
            "no answer other than 2xx/3xx",
            figures["non-2xx/3xx"] == 0,
            figures["non-2xx/3xx"],
        ),
        (
            "p99 under 10 x p50",
            figures["p99 ms"] < 10 * figures["p50 ms"],
            f"{figures['p99 ms'] / figures['p50 ms']:.1f} x",
        ),
    ]
    print()
    for name, held, value in targets:
        print(f"{'holds' if held else 'FAILS'}: {name} ({value})")
    return not all(held for _, held, _ in targets)


if __name__ == "__main__":
    main()
