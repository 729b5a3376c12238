import hashlib
import secrets

from django.conf import settings
from django.db import models

# What every token starts with, so that one pasted in the wrong place (a
# log, a repository) is easy to find and to recognise.
TOKEN_PREFIX = "shr_"  # noqa: S105 - a marker, not a secret.


def token_digest(key: str) -> str:
    """The stored form of a token: its SHA-256, never the token itself.

    Tokens are 32 random bytes, so a fast hash is enough: there is nothing
    to guess from a dictionary.
    """
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A secret that lets a program act through the API as one user.

    Only its SHA-256 is stored; the token is shown once, when it is made.
    It acts with its user's permissions, so revoking the user's staff access
    or group takes its powers too.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="user",
        help_text="The token acts with this user's permissions.",
    )
    name = models.CharField(
        "name", max_length=100, help_text="What uses the token, e.g. “stock system”."
    )
    digest = models.CharField("digest", max_length=64, unique=True, editable=False)
    hint = models.CharField(
        "starts with",
        max_length=12,
        editable=False,
        help_text="The token's first characters, to tell tokens apart.",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    last_used_at = models.DateTimeField("last used", null=True, editable=False)
    revoked_at = models.DateTimeField("revoked", null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        verbose_name_plural = "API tokens"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def key_generate(cls) -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)
