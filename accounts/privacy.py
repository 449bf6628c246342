"""RGPD self-service: export my data, delete my account, purge old guests.

The other apps' models are reached generically, through their foreign keys
and many-to-many fields that point at the user, so that a model added later
is exported and kept (attributed to the anonymised row) without a change
here. Three rules hold whatever the model:

- an export never contains another person's data: foreign keys to other users
  are left out, and related objects are named only when they are public
  (a workshop, an axis, a visible proposal);
- an export never contains what a ballot said: rows of the ``votes`` app are
  reduced to the session they belong to and their dates;
- deleting an account keeps every row that counts in an aggregate (ideas,
  comments, supports, ballots, attendance) attached to the same user row,
  which is emptied of everything that identifies a person.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import import_module
from typing import Any
from uuid import UUID

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, User
from accounts.services import audit_record
from accounts.signals import account_closed_on_commit
from outbox.services import outbox_forget
from project.errors import DomainError, PermissionDeniedError

logger = logging.getLogger(__name__)

EXPORT_SALT = "accounts.export"
EXPORT_MAX_AGE = timedelta(minutes=15)
# Rows that belong to the account itself: exported in the profile (without
# secrets) and deleted or revoked with the account, never "contributions".
ACCOUNT_ONLY_MODELS = {
    "account.emailaddress",
    "mfa.authenticator",
    "accounts.apitoken",
    "accounts.auditevent",
    "usersessions.usersession",
    "admin.logentry",
    "auth.group",
    "auth.permission",
}
# Where a known model goes in the ZIP; any other model lands in other.json.
SECTIONS = {
    "proposals.proposal": "contributions",
    "proposals.comment": "comments",
    "proposals.support": "supports",
    "workshops.participant": "workshops",
    "workshops.workshop": "workshops_facilitated",
}
# Foreign keys that make the row the user's own (they wrote it, gave it, joined).
# Through any other key (``hidden_by``, ``decided_by``…) the row is someone
# else's that the user acted on: only a reference to it is exported.
OWNER_FIELDS = {"author", "user", "voter", "supporter", "owner", "reporter", "participant"}
# Related objects that may be named in an export (their title is public).
PUBLIC_REFS = {"workshops.workshop", "proposals.axis", "proposals.proposal", "votes.votesession"}
# Never exported: derived HTML, technical keys, network data, secrets.
SKIPPED_FIELD_NAMES = {"client_key", "ip_address", "digest", "secret", "password", "token"}
VOTES_APP = "votes"
# Rows that say what a person follows: exported, deleted with the account, no contribution.
FOLLOW_MODELS = ("decisions.follow",)


# --- Export -----------------------------------------------------------------


def export_token_make(*, user: User) -> str:
    """A signed, expiring token that lets this user, and only them, download their data."""
    return signing.dumps(
        {"u": user.pk, "h": user.get_session_auth_hash()[:20]}, salt=EXPORT_SALT, compress=True
    )


def export_token_check(*, token: str, user: User) -> None:
    try:
        payload = signing.loads(token, salt=EXPORT_SALT, max_age=EXPORT_MAX_AGE.total_seconds())
    except signing.SignatureExpired as exc:
        raise DomainError(
            "export_expired", _("Ce lien a expiré. Demandez un nouvel export."), status=410
        ) from exc
    except signing.BadSignature as exc:
        raise PermissionDeniedError(
            "forbidden", _("Ce lien de téléchargement n'est pas valide.")
        ) from exc
    if (
        not user.is_authenticated
        or payload.get("u") != user.pk
        or payload.get("h") != user.get_session_auth_hash()[:20]
    ):
        # Someone else's link, or a link made before a password change.
        raise PermissionDeniedError("forbidden", _("Ce lien de téléchargement n'est pas le vôtre."))


def account_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about this user, as JSON-ready sections."""
    sections: dict[str, Any] = {"profile": _profile(user)}
    for key in SECTIONS.values():
        sections.setdefault(key, [])
    sections["votes"] = []
    sections["other"] = []
    for model, field, queryset, owned in user_rows(user=user):
        label = model._meta.label_lower
        if owned:
            rows = [_row(obj, owner_field=field.name) for obj in queryset.order_by("pk")]
        else:
            # The user is one of several (a workshop's facilitators) or acted on
            # someone else's row (a moderator): name the object, nothing more.
            rows = [{**_ref(obj), "as": field.name} for obj in queryset.order_by("pk")]
        if not rows:
            continue
        if model._meta.app_label == VOTES_APP:
            sections["votes"].extend({"type": model._meta.model_name, **r} for r in rows)
        elif label in SECTIONS and (owned or label == "workshops.workshop"):
            sections[SECTIONS[label]].extend(rows)
        else:
            sections["other"].extend({"type": label, **r} for r in rows)
    return sections


def user_rows(*, user: User):
    """Every (model, field, queryset, owned) of rows that point at this user, outside the account.

    The one selector behind the RGPD export and the « Mes contributions » page
    (accounts.contributions): a model added later appears in both. ``owned``: the
    row is the person's own (they wrote it, gave it, joined); otherwise they are
    one of several or acted on someone else's row.
    """
    for model, field in _fields_pointing_at_user():
        if model._meta.label_lower in ACCOUNT_ONLY_MODELS:
            continue
        queryset = model._default_manager.filter(**{field.name: user})
        owned = field.name in OWNER_FIELDS and not isinstance(field, models.ManyToManyField)
        yield model, field, queryset, owned


def account_export_zip(*, user: User) -> bytes:
    """The export as a ZIP of JSON files, one per section, with a short README."""
    sections = account_export(user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LISEZMOI.txt", _readme())
        for name, content in sections.items():
            archive.writestr(
                f"{name}.json",
                json.dumps(content, ensure_ascii=False, indent=2, default=_json_default),
            )
    audit_record(actor=user, action="account.exported", target=user)
    return buffer.getvalue()


def _readme() -> str:
    return "\n".join(
        [
            _("Vos données sur %(platform)s") % {"platform": settings.PLATFORM_NAME},
            "",
            _("profile.json : votre profil, vos adresses e-mail et vos consentements."),
            _("contributions.json, comments.json : vos propositions et vos commentaires."),
            _("supports.json : les propositions que vous avez soutenues."),
            _("workshops.json : les ateliers auxquels vous avez participé."),
            _(
                "votes.json : les votes auxquels vous avez pris part. Le contenu de vos "
                "bulletins n'y figure pas : le vote est secret."
            ),
            _("other.json : toute autre donnée liée à votre compte."),
            "",
            _("Export du %(date)s.") % {"date": timezone.localtime().strftime("%d/%m/%Y %H:%M")},
        ]
    )


def _profile(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "college": user.college,
        "organisation": user.organisation,
        "is_guest": user.is_guest,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "consents": {
            "terms_accepted_at": user.terms_accepted_at,
            "email_opt_in": user.email_opt_in,
            "email_opt_in_changed_at": user.email_opt_in_changed_at,
        },
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
        # Which second factors exist and since when; never their secrets.
        "second_factors": list(
            Authenticator.objects.filter(user=user).values("type", "created_at", "last_used_at")
        ),
        "api_tokens": list(
            ApiToken.objects.filter(user=user).values(
                "name", "prefix", "created_at", "last_used_at", "revoked_at"
            )
        ),
    }


def _fields_pointing_at_user() -> list[tuple[type[models.Model], models.Field]]:
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                getattr(field, "concrete", False)
                and field.is_relation
                and (field.many_to_one or field.one_to_one or field.many_to_many)
                and field.related_model is User
            ):
                found.append((model, field))
    return found


def _ref(obj: models.Model) -> dict[str, Any]:
    label = obj._meta.label_lower
    ref: dict[str, Any] = {"type": label, "id": obj.pk}
    if label in PUBLIC_REFS and not getattr(obj, "is_hidden", False):
        ref["title"] = str(obj)
    return ref


def _row(obj: models.Model, *, owner_field: str) -> dict[str, Any]:
    in_votes = obj._meta.app_label == VOTES_APP
    row: dict[str, Any] = {"id": obj.pk}
    for field in obj._meta.concrete_fields:
        name = field.name
        if field.primary_key or name == owner_field or _skipped(field):
            continue
        if field.is_relation:
            if field.related_model is User:
                continue  # another person (a moderator, a co-author…)
            if in_votes and not _is_session_field(field):
                continue  # a ballot's choice is secret, even to its voter's export
            target = getattr(obj, name)
            row[name] = _ref(target) if target is not None else None
            continue
        if in_votes and not isinstance(field, models.DateTimeField | models.DateField):
            continue
        row[name] = field.value_from_object(obj)
    return row


def _skipped(field: models.Field) -> bool:
    return field.name in SKIPPED_FIELD_NAMES or field.name.endswith("_html")


def _is_session_field(field: models.Field) -> bool:
    return "session" in field.name or field.related_model._meta.model_name.endswith("session")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return str(value)


# --- Deletion ---------------------------------------------------------------


def account_delete(*, user: User, actor: User | None = None, request=None) -> User:
    """Delete an account: one transaction, audited; contributions stay, anonymised.

    The user row stays (ideas, comments and supports point at it, and counts
    include them), emptied of name, e-mail, organisation, password and roles;
    its e-mail addresses, second factors and API tokens go, and so do the e-mails to
    its addresses still in the outbox (queued or sent); links that their
    app declared SET_NULL are cut (a ballot's voter: the ballot stays in the
    results, attached to nobody); its sessions end; its sockets are told to
    close once the transaction commits.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.deleted_at is not None:
            raise DomainError("already_deleted", _("Ce compte est déjà supprimé."))
        by_self = actor is None or actor.pk == locked.pk
        roles = sorted(locked.groups.values_list("name", flat=True))
        was_staff = locked.is_staff or locked.is_superuser
        _account_anonymise(locked)
        audit_record(
            actor=None if by_self else actor,
            action="account.deleted",
            target=locked,
            data={
                "by_self": by_self,
                "roles": roles,
                "was_staff": was_staff,
                "was_guest": locked.is_guest,
            },
            request=request,
        )
        account_closed_on_commit(locked.pk)
    # The caller's object must not keep the old identity in memory.
    user.refresh_from_db()
    return user


def _account_anonymise(user: User) -> None:
    now = timezone.now()
    outbox_forget(
        [user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)]
    )
    user.username = f"supprime-{user.pk}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.display_name = ""
    user.organisation = ""
    user.email_opt_in = False
    user.email_opt_in_changed_at = now
    user.terms_accepted_at = None
    user.last_login = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = now
    # The college stays: it is what the aggregates (results by college) need.
    user.set_unusable_password()  # also changes the session hash: old sessions die
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    user.__dict__.pop("_role_cache", None)
    # Links an app declared SET_NULL are the ones it lets go when a person leaves:
    # ballots (the votes stay in the results, unlinked), "created by", "moderated by"…
    # The audit log keeps its link to the anonymised row: staff must still see that
    # the same (now nameless) account did those things.
    for model, field in _fields_pointing_at_user():
        label = model._meta.label_lower
        if (
            label in ACCOUNT_ONLY_MODELS
            or not field.many_to_one
            or field.remote_field.on_delete is not models.SET_NULL
        ):
            continue
        model._default_manager.filter(**{field.name: user}).update(**{field.name: None})
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    # Following is no contribution: it ends with the account (no news to a nobody).
    for label in FOLLOW_MODELS:
        apps.get_model(label)._default_manager.filter(user=user).delete()
    _sessions_delete(user)


def _sessions_delete(user: User) -> None:
    """End every database session of this user (other engines die with the session hash)."""
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    if not hasattr(store_class, "get_model_class"):
        return
    model = store_class.get_model_class()
    doomed = []
    for session in model.objects.filter(expire_date__gt=timezone.now()).iterator():
        try:
            data = session.get_decoded()
        except Exception:  # noqa: S112 - a corrupt session is not ours to judge
            continue
        if str(data.get("_auth_user_id")) == str(user.pk):
            doomed.append(session.session_key)
    if doomed:
        model.objects.filter(session_key__in=doomed).delete()
        if hasattr(engine, "KEY_PREFIX"):  # cached_db: drop the cached copies too
            cache = caches[settings.SESSION_CACHE_ALIAS]
            cache.delete_many([engine.KEY_PREFIX + key for key in doomed])


# --- Guests' retention ------------------------------------------------------


@dataclass
class PurgeResult:
    deleted: int = 0
    anonymised: int = 0

    @property
    def total(self) -> int:
        return self.deleted + self.anonymised


def guests_expired(*, days: int | None = None, now: datetime | None = None):
    """Guests neither created nor seen within the retention period."""
    days = settings.GUEST_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return (
        User.objects.guests()
        .filter(deleted_at__isnull=True, date_joined__lt=cutoff)
        .filter(Q(last_login__isnull=True) | Q(last_login__lt=cutoff))
    )


def guests_purge(
    *, days: int | None = None, now: datetime | None = None, dry_run: bool = False
) -> PurgeResult:
    """Delete expired guests; those whose contributions count somewhere are anonymised instead.

    A guest who posted, supported, voted or attended leaves a row that the
    aggregates need: it is anonymised exactly like a deleted account.
    """
    result = PurgeResult()
    for guest in guests_expired(days=days, now=now).iterator():
        if has_contributions(guest):
            result.anonymised += 1
            if not dry_run:
                with transaction.atomic():
                    _account_anonymise(User.objects.select_for_update().get(pk=guest.pk))
                    account_closed_on_commit(guest.pk)
        else:
            result.deleted += 1
            if not dry_run:
                guest.delete()
    if result.total and not dry_run:
        audit_record(
            actor=None,
            action="guests.purged",
            data={
                "deleted": result.deleted,
                "anonymised": result.anonymised,
                "retention_days": settings.GUEST_RETENTION_DAYS if days is None else days,
            },
        )
    return result


def has_contributions(user: User) -> bool:
    """Whether any row of another app (idea, support, ballot, attendance…) points at this user."""
    for model, field in _fields_pointing_at_user():
        if (
            model._meta.label_lower in ACCOUNT_ONLY_MODELS
            or model._meta.label_lower in FOLLOW_MODELS
            or model is User
        ):
            continue
        if model._default_manager.filter(**{field.name: user}).exists():
            return True
    return False
