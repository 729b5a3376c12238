"""The test settings plus one page that is slow on purpose (tests/slow_urls.py).

Only the fault tests load it, in the gunicorn they start, to have requests
still in flight when they send a signal.
"""

from config.settings_test import *  # noqa: F403

ROOT_URLCONF = "tests.slow_urls"
