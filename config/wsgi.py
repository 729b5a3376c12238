"""WSGI entry point, used by gunicorn (see config/gunicorn.py)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Load (and check) the URLs, and with them the admin modules, now: gunicorn's
# preload then shares them between workers instead of each worker's first
# visitor paying for the imports.
get_resolver().check()
