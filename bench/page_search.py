"""Time the search over pages, and the menus, on the configured engine.

Run from the project folder (DATABASE_URL picks the engine):

    .venv/bin/python bench/page_search.py [--pages 2000] [--runs 20]

In a scratch test database it makes `--pages` published pages, each with a
rich text block and a question, one page in ten saying "lantern" and every
page saying "delivery", then reports the median time of
`content.search.page_results` for a rare word, a common word and a word no
page has, and of reading both menus with 10 links (`menu_links_read`, what a
cold cache costs a page). Nothing here is a test: the numbers go into
README.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")


def _median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from catalog.services import node_create
        from content.menus import menu_links_read
        from content.models import Menu, MenuItem, Page, Question, RichText
        from content.search import page_results

        now = timezone.now()
        parent = node_create(
            node=Page(title="Help", slug="help", status="published", publish_at=now),
            parent=None,
        )
        for number in range(args.pages):
            word = "lantern" if number % 10 == 0 else "lamp"
            page = node_create(
                node=Page(
                    title=f"Help topic {number}",
                    slug=f"topic-{number}",
                    status="published",
                    publish_at=now,
                ),
                parent=parent,
            )
            RichText.objects.create(
                parent=page,
                region="main",
                ordering=10,
                text=f"Our {word} delivery notes, part {number}. " * 20,
            )
            Question.objects.create(
                parent=page,
                region="main",
                ordering=20,
                question="How long does delivery take?",
                answer="Three days.",
            )
        header = Menu.objects.get(place="header")
        pages = list(Page.objects.filter(depth=2)[:8])
        MenuItem.objects.bulk_create(
            MenuItem(menu=header, position=index, page=page)
            for index, page in enumerate(pages)
        )

        with connection.cursor() as cursor:
            # As autovacuum would by now, on a real site.
            cursor.execute("ANALYZE")
        print(f"{connection.vendor}, {Page.objects.count()} pages")
        for word in ("lantern", "delivery", "nothingmatches"):
            found = len(page_results([word]).results)
            ms = _median_ms(lambda word=word: page_results([word]), args.runs)
            with CaptureQueriesContext(connection) as queries:
                page_results([word])
            in_db = sum(float(query["time"]) for query in queries.captured_queries)
            print(
                f"  search {word!r}: {ms:.1f} ms, {in_db * 1000:.1f} ms in "
                f"{len(queries)} queries ({found} shown)"
            )
        links = sum(len(links) for links in menu_links_read().values())
        ms = _median_ms(menu_links_read, args.runs)
        with CaptureQueriesContext(connection) as queries:
            menu_links_read()
        (query,) = queries.captured_queries
        print(
            f"  menus, {links} links, uncached: {ms:.2f} ms "
            f"({float(query['time']) * 1000:.1f} ms in the database)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
