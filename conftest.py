"""Fixtures shared by every app's tests."""

import importlib
import os
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from config.objectstorage import S3Account, backup_storage, media_storage

# Staff and visitor clients (admin_client, editor_client, viewer_client...).
pytest_plugins = ["tests.staff_clients"]

# The address of the S3 service moto stands in for inside test processes;
# moto answers for it only if told before it loads its routes.
S3_ENDPOINT = "http://s3.test.internal:9000"
os.environ["MOTO_S3_CUSTOM_ENDPOINTS"] = S3_ENDPOINT
S3_TEST_ACCOUNT = S3Account(
    endpoint_url=S3_ENDPOINT, region="us-east-1", access_key="k", secret_key="s"
)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Keep uploads made by tests out of the real media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _version_file(settings, tmp_path):
    """Keep the content version of tests out of the real `var` folder."""
    settings.SITE_CACHE_VERSION_FILE = tmp_path / "content-version"


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture(autouse=True)
def _site_pages(request):
    """Give transactional tests the pages the migrations made.

    Such tests empty every table when they end, the home page the content
    migrations made included, and the site is not itself without a home
    page; the migration's own code makes it again.
    """
    if not _transactional(request):
        return
    request.getfixturevalue("_django_db_helper")
    from django.apps import apps

    from content.models import HOME_PATH, Page

    if not Page.objects.filter(url_path=HOME_PATH).exists():
        migration = importlib.import_module(
            "content.migrations.0002_flat_pages_and_home"
        )
        migration.migrate_pages(apps, None)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Start each test with an empty cache, also on a shared Redis."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Buckets:
    """An S3 service faked by moto, with a media and a backups bucket."""

    client: object
    settings: object
    media = "showroom-media"
    backups = "showroom-backups"

    def keys(self, bucket: str) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {entry["Key"] for entry in listed}

    def media_in_bucket(self, *, signed: bool = False) -> None:
        """Configure media as MEDIA_S3_BUCKET would."""
        storage, media_url, _ = media_storage(
            S3_TEST_ACCOUNT,
            bucket=self.media,
            custom_domain="",
            signed_urls=signed,
            page_seconds=3660,
        )
        self.settings.STORAGES = {**self.settings.STORAGES, "default": storage}
        self.settings.MEDIA_URL = media_url

    def backups_in_bucket(self, *, prefix: str = "nightly") -> None:
        """Configure archives as BACKUP_S3_BUCKET would."""
        storage = backup_storage(S3_TEST_ACCOUNT, bucket=self.backups, prefix=prefix)
        self.settings.STORAGES = {**self.settings.STORAGES, "backups": storage}
        self.settings.BACKUP_STORAGE = "backups"


@pytest.fixture
def buckets(settings):
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client(
            "s3",
            endpoint_url=S3_ENDPOINT,
            region_name="us-east-1",
            aws_access_key_id="k",
            aws_secret_access_key="s",
        )
        client.create_bucket(Bucket=Buckets.media)
        client.create_bucket(Bucket=Buckets.backups)
        yield Buckets(client=client, settings=settings)
