"""Writes on API tokens."""

from django.db.models import QuerySet
from django.utils import timezone

from api.models import ApiToken, token_digest


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it with its key, which is not stored."""
    key = ApiToken.key_generate()
    token = ApiToken.objects.create(
        user=user, name=name, digest=token_digest(key), hint=key[:8]
    )
    return token, key


def api_tokens_revoke(*, tokens: QuerySet) -> int:
    """Revoke the tokens; requests with them are refused from now on."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
