"""Benchmark `backup` and `restore` against pg_dump -Fc + tar and pg_restore.

Run from the project folder, with PostgreSQL's client tools on PATH:

    .venv/bin/python bench/backup_bench.py [--products 100000] [--media 2000]

It creates a scratch database (dropped at the end) on the server named by
BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432), fills it with
products through bulk_create and with media files of 40 KB of random bytes
(as incompressible as JPEGs), and times each tool on the same data,
alternating runs and reporting medians. Peak RSS is measured for backups at
a quarter of the size and at the full size, to show that memory does not
grow with the database. It also times a floor: a Python process that starts
Django and then runs the baseline's own commands (pg_dump and tar at once,
or pg_restore), which is the least any manage.py command could take for the
same work. Nothing here is a test: the numbers go into the issue's closing
note.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")

# The least a manage.py command could take to do a baseline's work: start
# Django, then run the baseline's commands (separated by "--") all at once.
FLOOR = """
import subprocess, sys
import django
django.setup()
commands, command = [], []
for arg in sys.argv[1:] + ["--"]:
    if arg == "--":
        commands.append(command)
        command = []
    else:
        command.append(arg)
running = [subprocess.Popen(c, stdout=subprocess.DEVNULL) for c in commands]
sys.exit(max(p.wait() for p in running))
"""


def run(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run a command; return its wall time and peak RSS in MiB.

    The peak is the largest of the command's process tree (wait4 reports the
    child's own maximum and those of the children it waited for).
    """
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        args, env=env, cwd=BASE_DIR, stdout=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    return elapsed, usage.ru_maxrss // 1024


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(  # noqa: S603
        [shutil.which("psql") or "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        + [f"{SERVER}/{database}", "-c", sql],
        check=True,
        env={**os.environ, "PGOPTIONS": "--client-min-messages=warning"},
    )


def fill(*, products: int, start: int, media: int) -> None:
    """Add products and media files; runs in a child with Django set up."""
    import random
    from decimal import Decimal

    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from catalog.demo import KINDS, demo_description
    from catalog.models import Category, Product

    rng = random.Random(start)  # noqa: S311 - demo data, not secrets
    leaves = list(Category.objects.all()) or [
        Category.objects.add_root(
            create_kwargs={"name": f"Bench {n}", "slug": f"bench-{n}"}
        )
        for n in range(20)
    ]
    kinds = list(KINDS.values())
    batch = []
    for number in range(start, start + products):
        name = f"Bench product {number}"
        kind = kinds[number % len(kinds)]
        batch.append(
            Product(
                name=name,
                slug=f"bench-product-{number}",
                sku=f"B-{number:08d}",
                summary="A piece for everyday use.",
                description=demo_description(
                    kind=kind, material=rng.choice(kind.materials)
                ),
                price=Decimal(rng.randint(900, 250000)) / 100,
                stock=rng.randint(0, 100),
                category=leaves[number % len(leaves)],
                status="published",
            )
        )
        if len(batch) == 5000:
            Product.objects.bulk_create(batch)
            batch = []
    Product.objects.bulk_create(batch)
    for number in range(media):
        default_storage.save(
            f"products/bench-{number}.jpg", ContentFile(os.urandom(40_000))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--media", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fill-start", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.fill_start is not None:
        fill(products=options.products, start=options.fill_start, media=options.media)
        return

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
        "PYTHONPATH": str(BASE_DIR),
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "PGUSER": url.username or "postgres",
    }
    python = sys.executable
    manage = [python, "manage.py"]

    def fill_child(products: int, start: int, media: int) -> None:
        subprocess.run(  # noqa: S603
            [python, __file__, f"--products={products}", f"--media={media}"]
            + [f"--fill-start={start}"],
            env=env,
            cwd=BASE_DIR,
            check=True,
        )

    psql(f"CREATE DATABASE {name}")
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=BASE_DIR, check=True)  # noqa: S603
        quarter = options.products // 4
        fill_child(quarter, 1, options.media)
        small = [run([*manage, "backup"], env) for _ in range(2)][-1]
        small_portable = run([*manage, "backup", "--portable"], env)
        fill_child(options.products - quarter, quarter + 1, 0)
        psql("VACUUM ANALYZE", name)

        dump, tar = work / "baseline.dump", work / "baseline-media.tar"
        pg_dump = [shutil.which("pg_dump") or "pg_dump", "-Fc", "-f", str(dump), name]
        tar_media = ["tar", "-cf", str(tar), "-C", env["MEDIA_ROOT"], "."]
        pg_restore = [shutil.which("pg_restore") or "pg_restore"]
        pg_restore += ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        pg_restore += ["-d", name, str(dump)]

        # What every manage.py command pays before it does anything: the
        # interpreter and django.setup() with this project's apps.
        start_up = [python, "-c", "import django; django.setup()"]
        floor_dump = [*pg_dump[:-3], "-f", str(work / "floor.dump"), name]
        floor_backup = [python, "-c", FLOOR, *floor_dump, "--", *tar_media]
        floor_restore = [python, "-c", FLOOR, *pg_restore]
        base_backup, our_backup, base_restore, our_restore = [], [], [], []
        our_start, floor_backups, floor_restores = [], [], []
        rss = 0
        for _ in range(options.rounds):
            base_backup.append(run(pg_dump, env)[0] + run(tar_media, env)[0])
            seconds, peak = run([*manage, "backup"], env)
            our_backup.append(seconds)
            rss = max(rss, peak)
            base_restore.append(run(pg_restore, env)[0])
            our_restore.append(run([*manage, "restore", "latest", "--noinput"], env)[0])
            our_start.append(run(start_up, env)[0])
            floor_backups.append(run(floor_backup, env)[0])
            floor_restores.append(run(floor_restore, env)[0])
        portable = run([*manage, "backup", "--portable"], env)
        archive = max(Path(env["BACKUP_DIR"]).glob("backup-*.tar.zst"))

        median = statistics.median
        backup_ratio = median(our_backup) / median(base_backup)
        restore_ratio = median(our_restore) / median(base_restore)
        print(f"{options.products} products, {options.media} media files of 40 KB")
        print(
            f"backup:  ours {median(our_backup):.2f} s, pg_dump -Fc + tar "
            f"{median(base_backup):.2f} s: ratio {backup_ratio:.2f} "
            "(target 1.25 at 1,000,000 products)"
        )
        print(
            f"restore: ours {median(our_restore):.2f} s (verify, restore into a "
            f"new database, swap; the old one is the safety copy), pg_restore "
            f"{median(base_restore):.2f} s: ratio "
            f"{restore_ratio:.2f} (target 1.25 at 1,000,000 products)"
        )
        print(
            f"start-up of a Django process (python -c 'django.setup()'): "
            f"{median(our_start):.2f} s, included in both of ours above"
        )
        print(
            "floor (Django's start-up, then the baseline's commands at once): "
            f"backup {median(floor_backups):.2f} s, ratio "
            f"{median(floor_backups) / median(base_backup):.2f}; restore "
            f"{median(floor_restores):.2f} s, ratio "
            f"{median(floor_restores) / median(base_restore):.2f}"
        )
        print(
            f"peak RSS of backup: {small[1]} MiB at {quarter} products, "
            f"{rss} MiB at {options.products}"
        )
        print(
            f"portable backup: {small_portable[0]:.2f} s, {small_portable[1]} MiB at "
            f"{quarter} products; {portable[0]:.2f} s, {portable[1]} MiB at "
            f"{options.products}"
        )
        mib = {path: path.stat().st_size / 2**20 for path in (archive, dump, tar)}
        print(
            f"sizes: archive {mib[archive]:.1f} MiB; pg_dump {mib[dump]:.1f} MiB "
            f"+ tar {mib[tar]:.1f} MiB"
        )
        print("rounds (s): backup ours", [round(s, 2) for s in our_backup])
        print("            backup base", [round(s, 2) for s in base_backup])
        print("            restore ours", [round(s, 2) for s in our_restore])
        print("            restore base", [round(s, 2) for s in base_restore])
        print("            floor backup", [round(s, 2) for s in floor_backups])
        print("            floor restore", [round(s, 2) for s in floor_restores])
    finally:
        # Each restore keeps the database it replaced as a safety copy.
        subprocess.run([*manage, "drop_safety_copy", "--all"], env=env, cwd=BASE_DIR)  # noqa: S603
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
