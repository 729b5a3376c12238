"""Production settings with the floor view added (bench/floor_urls.py).

bench/pages.py serves every page it measures through this module, so that
the pages and the floor share one gunicorn, its workers and its middleware.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
