"""API tokens: made by an org admin, shown once, kept only as a hash."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiToken, User

PREFIX_LENGTH = 8


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def api_token_create(*, by: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``by``'s organisation and the raw secret, which is
    never stored and cannot be shown again."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            organisation_id=by.organisation_id,
            name=name,
            token_hash=token_hash(raw),
            prefix=raw[:PREFIX_LENGTH],
            created_by=by,
        )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> None:
    """The token stops working at once; its row stays for the record."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token whose secret is ``raw`` (its last use noted), or None."""
    if not raw:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("organisation")
        .filter(token_hash=token_hash(raw))
        .first()
    )
    if token is None:
        return None
    token.last_used_at = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.last_used_at)
    return token
