"""Personal access tokens for the API: create (shown once), list, revoke; and the page /compte/jetons/.

A token is ``agir_`` followed by 43 random URL-safe characters. Only its SHA-256
digest is stored (``ApiToken.digest``) with its first characters
(``prefix``) so that people can tell their tokens apart. ``project/api_auth.py``
authenticates ``Authorization: Bearer <token>`` with ``token_authenticate``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.models import ApiToken, User
from accounts.rules import is_signed_in
from accounts.services import audit_record
from project.errors import DomainError, PermissionDeniedError
from project.text import clean_line

TOKEN_PREFIX = "agir_"  # noqa: S105 - a public marker, not a secret
NAME_MAX = 80
MAX_ACTIVE_TOKENS = 20
# last_used_at is a hint, not an audit trail: write it at most once a minute per token.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: User, name: str, request=None) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned here and never again."""
    if not is_signed_in(user):
        raise PermissionDeniedError("forbidden", _("Connectez-vous pour créer un jeton."))
    name = clean_line(name or "", max_length=NAME_MAX + 1)
    if not name:
        raise DomainError("invalid_name", _("Donnez un nom à ce jeton."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(
            "invalid_name",
            _("Le nom ne peut dépasser %(max)d caractères.") % {"max": NAME_MAX},
            field="name",
        )
    if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            "too_many_tokens",
            _("Vous avez déjà %(max)d jetons actifs : révoquez-en un d'abord.")
            % {"max": MAX_ACTIVE_TOKENS},
            field="name",
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], digest=token_digest(raw))
    audit_record(
        actor=user,
        action="api_token.created",
        target=user,
        data={"token": token.pk},
        request=request,
    )
    return token, raw


def token_revoke(*, token: ApiToken, actor: User, request=None) -> ApiToken:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDeniedError("forbidden", _("Ce jeton ne vous appartient pas."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            target=token.user,
            data={"token": token.pk},
            request=request,
        )
    return token


def token_authenticate(raw: str) -> User | None:
    """The user of an active token, or None (unknown, revoked, or user deactivated)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active().select_related("user").filter(digest=token_digest(raw)).first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- the page ------------------------------------------------------------------------

TOKEN_NAME_LABEL = gettext_lazy("Nom du jeton")


@login_required
@require_http_methods(["GET", "POST"])
def tokens_page(request: HttpRequest) -> HttpResponse:
    """List, create (the token is shown once, on this response only) and revoke tokens."""
    created_raw = None
    error = None
    name = ""
    status = 200
    if request.method == "POST" and "revoke" in request.POST:
        token = get_object_or_404(
            ApiToken, pk=_int_or_none(request.POST["revoke"]), user=request.user
        )
        token_revoke(token=token, actor=request.user, request=request)
        messages.success(request, _("Jeton révoqué : il ne donne plus accès à l'API."))
        return redirect("accounts:tokens")
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            _token, created_raw = token_create(user=request.user, name=name, request=request)
        except DomainError as exc:
            error = exc.message
            status = 400
        else:
            name = ""
    tokens = list(ApiToken.objects.filter(user=request.user).order_by("-created_at"))
    response = render(
        request,
        "accounts/tokens.html",
        {
            "tokens": tokens,
            "created_raw": created_raw,
            "error": error,
            "name": name,
            "name_label": TOKEN_NAME_LABEL,
        },
        status=status,
    )
    # The page may show a secret: never cache it.
    response["Cache-Control"] = "no-store"
    return response


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
