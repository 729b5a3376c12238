"""Lighthouse scores of the public pages at phone size: `make lighthouse`.

Serves the demo shop (`seed_demo`) as production does (bench/server.py:
DEBUG off, collected static files, gunicorn) on a loopback port, then runs
Lighthouse 12.2.3 (package.json) in the machine's Chromium, with its
default phone emulation and throttling, on the home page, the product list
and a product page. Prints the four scores of each and writes Lighthouse's
JSON reports to the work folder.

    .venv/bin/python bench/lighthouse.py [--workdir DIR] [--runs N]

With several runs each score is the median. Search pages are left out on
purpose: they carry `noindex`, which Lighthouse's SEO audit counts against
them.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.server import production_environment, static_collect  # noqa: E402
from tests.servers import gunicorn_started, http_get  # noqa: E402

LIGHTHOUSE = BASE_DIR / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PRODUCT_LINK = re.compile(rb'href="(/products/[a-z0-9-]+/)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="kept between runs when given")
    parser.add_argument("--runs", type=int, default=1, help="runs per page")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is not installed: run `make node_modules/.installed`.")
    chromium = shutil.which(os.environ.get("CHROMIUM_PATH", "chromium"))
    if chromium is None:
        sys.exit("Chromium is not installed (Debian: apt-get install chromium).")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="showroom-lighthouse-"))
    workdir.mkdir(parents=True, exist_ok=True)

    env = production_environment(
        workdir=workdir,
        database_url=f"sqlite:///{workdir / 'site.sqlite3'}",
        cache_url="locmemcache://",
    )
    env["SITE_CACHE_VERSION_FILE"] = str(workdir / "content-version")
    os.environ.update(env)
    static_collect()
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", *command], cwd=BASE_DIR, check=True
        )

    with gunicorn_started(env=env, log_path=workdir / "gunicorn.log") as server:
        _, listing = http_get(server.port, "/products/")
        product = PRODUCT_LINK.search(listing)
        if product is None:
            sys.exit("The product list links to no product.")
        pages = {
            "home": "/",
            "list": "/products/",
            "product": product[1].decode(),
        }
        print(f"Lighthouse {_version()}, phone, {args.runs} run(s) per page")
        print(f"{'page':<10}" + "".join(f"{name:>16}" for name in CATEGORIES))
        for name, path in pages.items():
            runs = [
                _scores(chromium, f"{server.url}{path}", workdir / f"{name}-{run}.json")
                for run in range(args.runs)
            ]
            medians = {
                category: statistics.median(run[category] for run in runs)
                for category in CATEGORIES
            }
            print(
                f"{name:<10}"
                + "".join(f"{medians[category]:>16.0f}" for category in CATEGORIES)
            )
    print(f"Reports: {workdir}")


def _version() -> str:
    return subprocess.run(  # noqa: S603 - fixed arguments
        [str(LIGHTHOUSE), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _scores(chromium: str, url: str, report: Path) -> dict[str, float]:
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env={**os.environ, "CHROME_PATH": chromium},
        check=True,
    )
    result = json.loads(report.read_text())
    return {
        category: result["categories"][category]["score"] * 100
        for category in CATEGORIES
    }


if __name__ == "__main__":
    main()
