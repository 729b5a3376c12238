"""Benchmark `backup` and `restore` against pg_dump -Fc + tar and pg_restore.

Run from the project folder, with PostgreSQL's client tools on PATH:

    .venv/bin/python bench/backup_bench.py [--products 100000] [--media 2000]

It creates a scratch database (dropped at the end) on the server named by
BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432), fills it with
products through bulk_create, and times each tool on the same data. Peak RSS
is measured for backups at a quarter of the size and at the full size, to
show that memory does not grow with the database.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def run(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run a command; return its wall time and peak RSS in MiB (its own tree)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, cwd=BASE_DIR, stdout=subprocess.DEVNULL)  # noqa: S603
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{args[0]} failed with status {status}")
    return elapsed, usage.ru_maxrss // 1024


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(  # noqa: S603
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", f"{SERVER}/{database}", "-c", sql],
        check=True,
        env={**os.environ, "PGOPTIONS": "--client-min-messages=warning"},
    )


def fill(env: dict[str, str], *, products: int, media: int, start: int) -> None:
    """Add products (and, on the first call, media files) in a child process."""
    code = f"""
import os, django
django.setup()
from decimal import Decimal
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from catalog.models import Category, Product
from catalog.demo import demo_description
import random
rng = random.Random({start})
leaves = list(Category.objects.all()) or [
    Category.objects.add_root(create_kwargs={{"name": f"Bench {{n}}", "slug": f"bench-{{n}}"}})
    for n in range(20)
]
batch = []
for number in range({start}, {start} + {products}):
    name = f"Bench product {{number}}"
    batch.append(Product(
        name=name, slug=f"bench-product-{{number}}", sku=f"B-{{number:08d}}",
        summary="A piece for everyday use.", description=demo_description(name=name, rng=rng),
        price=Decimal(rng.randint(900, 250000)) / 100, stock=rng.randint(0, 100),
        category=leaves[number % len(leaves)], status="published",
    ))
    if len(batch) == 5000:
        Product.objects.bulk_create(batch)
        batch = []
Product.objects.bulk_create(batch)
for number in range({media}):
    default_storage.save(f"products/bench-{{number}}.jpg", ContentFile(os.urandom(40_000)))
"""
    subprocess.run([sys.executable, "-c", code], env=env, cwd=BASE_DIR, check=True)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--media", type=int, default=2_000)
    options = parser.parse_args()

    name = f"showroom_bench_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="showroom-bench-"))
    url = urlparse(SERVER)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "DATABASE_URL": f"{SERVER}/{name}",
        "MEDIA_ROOT": str(work / "media"),
        "BACKUP_DIR": str(work / "backups"),
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
    }
    manage = [sys.executable, "manage.py"]
    psql(f"CREATE DATABASE {name}")
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=BASE_DIR, check=True)  # noqa: S603
        quarter = options.products // 4
        fill(env, products=quarter, media=options.media, start=1)
        small_time, small_rss = run([*manage, "backup"], env)
        small_portable_time, small_portable_rss = run([*manage, "backup", "--portable"], env)
        fill(env, products=options.products - quarter, media=0, start=quarter + 1)
        psql("VACUUM ANALYZE", name)

        dump = work / "baseline.dump"
        tar = work / "baseline-media.tar"

        def baseline_backup() -> None:
            subprocess.run(["pg_dump", "-Fc", "-f", str(dump), name], env=env, check=True)  # noqa: S603, S607
            subprocess.run(["tar", "-cf", str(tar), "-C", env["MEDIA_ROOT"], "."], check=True)  # noqa: S603, S607

        rounds = 3
        base_backup, our_backup, our_rss = [], [], 0
        for _ in range(rounds):
            started = time.perf_counter()
            baseline_backup()
            base_backup.append(time.perf_counter() - started)
            seconds, rss = run([*manage, "backup", "--no-media"] if False else [*manage, "backup"], env)
            our_backup.append(seconds)
            our_rss = max(our_rss, rss)
        portable_time, portable_rss = run([*manage, "backup", "--portable"], env)

        # Baseline restore: the same job as ours, replacing the live database
        # in one transaction.
        base_restore, our_restore = [], []
        for _ in range(rounds):
            seconds, _ = run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 "-d", name, str(dump)],
                env,
            )
            base_restore.append(seconds)
            shutil.rmtree(env["BACKUP_DIR"])
            run([*manage, "backup"], env)
            seconds, _ = run([*manage, "restore", "latest", "--noinput"], env)
            our_restore.append(seconds)

        best = min
        size = sum(p.stat().st_size for p in Path(env["BACKUP_DIR"]).glob("backup-*") if not p.name.endswith(".json"))
        print(f"products: {options.products}, media files: {options.media} (40 KB each)")
        print(f"backup:  ours {best(our_backup):.2f} s, pg_dump -Fc + tar {best(base_backup):.2f} s, "
              f"ratio {best(our_backup) / best(base_backup):.2f} (target <= 1.15)")
        print(f"restore: ours {best(our_restore):.2f} s (verify + safety backup + restore), "
              f"pg_restore {best(base_restore):.2f} s, ratio {best(our_restore) / best(base_restore):.2f} "
              "(target <= 1.25)")
        print(f"peak RSS of backup: {small_rss} MiB at {quarter} products, "
              f"{our_rss} MiB at {options.products} products")
        print(f"portable backup: {small_portable_time:.2f} s / {small_portable_rss} MiB at {quarter}, "
              f"{portable_time:.2f} s / {portable_rss} MiB at {options.products}")
        print(f"sizes: ours {size / 2**20 / 3:.1f} MiB per archive (approx.), "
              f"pg_dump {dump.stat().st_size / 2**20:.1f} MiB + tar {tar.stat().st_size / 2**20:.1f} MiB")
        print(f"backup at {quarter} products took {small_time:.2f} s")
    finally:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
