"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Keep uploads made by tests out of the real media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _version_file(settings, tmp_path):
    """Keep the content version of tests out of the real `var` folder."""
    settings.SITE_CACHE_VERSION_FILE = tmp_path / "content-version"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Start each test with an empty cache, also on a shared Redis."""
    cache.clear()
    yield
    cache.clear()
