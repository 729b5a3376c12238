"""Where an uncached page's time goes: SQL, templates, the rest.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/showroom_bench \\
        .venv/bin/python bench/page_profile.py /products/ --requests 50

Requests go through Django's test client in this process with the page
cache off (PAGE_CACHE_SECONDS=0), DEBUG off. cProfile's cumulative times of
a few functions split the time: the database (every cursor execute),
template rendering (the views read their rows before rendering, so no
query runs inside it), and everything else (URL resolving, middleware,
forms, the views' own code). The profiler slows pure Python code more than SQL, so
the shares are indicative; the wall time per request is measured without
it.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ["PAGE_CACHE_SECONDS"] = "0"
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

PARTS = {
    "database": ("django/db/backends/utils.py", "_execute"),
    "templates": ("django/template/base.py", "render"),
}


def cumulative(stats: pstats.Stats, filename: str, function: str) -> float:
    """The function's cumulative time; cProfile counts a recursive function
    (an included template's render) once, at its outermost call."""
    return sum(
        row[3]
        for (file, _, name), row in stats.stats.items()
        if file.endswith(filename) and name == function
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(5):
        assert client.get(args.path).status_code == 200
    started = time.perf_counter()
    for _ in range(args.requests):
        client.get(args.path)
    wall = (time.perf_counter() - started) / args.requests

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(row[3] for row in stats.stats.values())
    database = cumulative(stats, *PARTS["database"])
    templates = cumulative(stats, *PARTS["templates"])
    print(f"{args.path}: {wall * 1000:.1f} ms a request without the profiler")
    print(f"  SQL (all queries)            {database / total:6.1%}")
    print(f"  template rendering           {templates / total:6.1%}")
    print(f"  the rest (views, middleware) {1 - (database + templates) / total:6.1%}")
    stats.sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
