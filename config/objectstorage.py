"""Uploads and backups in S3-compatible object storage (django-storages).

On one machine uploads and archives live on its disk. Several app servers
share them through a bucket instead, reached by the settings this module
builds from the environment (README, "Running on several servers").

Media URLs are written into every page, so they are made without asking
the storage anything:
- public files get plain addresses built from the bucket's address (or a
  custom domain, a CDN in front of the bucket), by string formatting;
- signed files get addresses signed by boto3, valid long enough to outlive
  any page that was cached holding them.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
# Imported only where media are in a bucket: boto3 takes a while to load.
MEDIA_BACKEND = "config.mediastorage.MediaStorage"
# Cached fragments (the product grid, the category menu) keep their HTML,
# and so the URLs in it, up to an hour before a page holding them is cached.
FRAGMENT_SECONDS = 3600


def media_cache_control(name: str) -> str:
    """How long browsers and CDNs may keep a media file without asking.

    A rendition's name is made from its image's name, which is random for
    every upload (catalog.models.picture_path), so a rendition never
    changes under its name: a year, immutable. Other files, a day.
    """
    if name.startswith(f"{settings.IMAGEKIT_CACHEFILE_DIR}/"):
        return "public, max-age=31536000, immutable"
    return "public, max-age=86400"


@dataclass(frozen=True)
class S3Account:
    endpoint_url: str
    region: str
    access_key: str
    secret_key: str

    def options(self, bucket: str) -> dict[str, Any]:
        options: dict[str, Any] = {
            "bucket_name": bucket,
            "region_name": self.region,
            # Never replace an object by saving another under its name: a
            # second upload of photo.jpg gets a name of its own, as on disk.
            "file_overwrite": False,
            "signature_version": "s3v4",
        }
        if self.endpoint_url:
            options["endpoint_url"] = self.endpoint_url
            # Path-style addresses (endpoint/bucket/key) work with every
            # S3-compatible server and keep media on one known origin.
            options["addressing_style"] = "path"
        if self.access_key:
            options["access_key"] = self.access_key
            options["secret_key"] = self.secret_key
        return options

    def bucket_url(self, bucket: str) -> str:
        """Where a bucket's objects are, for public addresses."""
        if self.endpoint_url:
            return f"{self.endpoint_url.rstrip('/')}/{bucket}"
        return f"https://{bucket}.s3.{self.region}.amazonaws.com"

    def bucket_origins(self, bucket: str) -> list[str]:
        """Every origin the bucket's addresses may use, for the CSP: boto3
        signs AWS addresses with or without the region in the host."""
        if self.endpoint_url:
            parts = urlsplit(self.endpoint_url)
            return [f"{parts.scheme}://{parts.netloc}"]
        return [
            f"https://{bucket}.s3.{self.region}.amazonaws.com",
            f"https://{bucket}.s3.amazonaws.com",
        ]


def media_storage(
    account: S3Account,
    *,
    bucket: str,
    custom_domain: str,
    signed_urls: bool,
    page_seconds: int,
) -> tuple[dict[str, Any], str, list[str]]:
    """STORAGES["default"] for media in `bucket`, the MEDIA_URL it serves
    and the origins images come from."""
    options = account.options(bucket)
    if signed_urls:
        if custom_domain:
            raise ImproperlyConfigured(
                "MEDIA_S3_CUSTOM_DOMAIN cannot be used with MEDIA_S3_SIGNED_URLS: "
                "signed addresses point at the bucket itself. Unset one of them."
            )
        options["querystring_auth"] = True
        # A signed address must outlive the fragment, the cached page and
        # the browser's copy that hold it; SigV4 allows at most 7 days.
        options["querystring_expire"] = min(
            FRAGMENT_SECONDS + page_seconds + 3600, 7 * 24 * 3600
        )
        storage = {"BACKEND": MEDIA_BACKEND, "OPTIONS": options}
        return storage, account.bucket_url(bucket) + "/", account.bucket_origins(bucket)
    options["querystring_auth"] = False
    url = f"https://{custom_domain}" if custom_domain else account.bucket_url(bucket)
    parts = urlsplit(url)
    options["url_protocol"] = f"{parts.scheme}:"
    options["custom_domain"] = parts.netloc + parts.path
    storage = {"BACKEND": MEDIA_BACKEND, "OPTIONS": options}
    return storage, url + "/", [f"{parts.scheme}://{parts.netloc}"]


def backup_storage(account: S3Account, *, bucket: str, prefix: str) -> dict[str, Any]:
    """STORAGES["backups"]: private archives, under `prefix` in `bucket`."""
    options = account.options(bucket)
    options["location"] = prefix.strip("/")
    options["querystring_auth"] = True
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
