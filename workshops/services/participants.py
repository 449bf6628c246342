"""The list of participants: invitations and removals."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from project.errors import DomainError
from realtime.broadcast import broadcast_on_commit
from realtime.users import close_user_sockets_on_commit
from workshops import events
from workshops.models import (
    HandRaise,
    Participant,
    Workshop,
)
from workshops.services.editing import EDITABLE_STATES
from workshops.services.joining import registered_changed
from workshops.services.rights import require_facilitator


def participant_invite(*, workshop: Workshop, actor, user, request=None) -> Participant:
    """Put someone on the list of a private workshop."""
    require_facilitator(actor, workshop)
    participant, created = Participant.objects.get_or_create(
        workshop=workshop, user=user, defaults={"college": user.college, "invited": True}
    )
    if not created and not participant.invited:
        participant.invited = True
        participant.save(update_fields=["invited"])
    if created:
        registered_changed(workshop)
    return participant


def participant_remove(
    *, workshop: Workshop, actor, participant: Participant, reason: str = "", request=None
) -> Participant:
    """Remove a disruptive participant: their sockets close and they cannot come back."""
    require_facilitator(actor, workshop)
    if participant.workshop_id != workshop.pk:
        raise DomainError("not_found", _("Cette personne ne participe pas à cet atelier."))
    if participant.user_id == getattr(actor, "pk", None):
        raise DomainError("self", _("Vous ne pouvez pas vous retirer vous-même."))
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.removed_at is not None:
            return participant
        participant.removed_at = timezone.now()
        participant.save(update_fields=["removed_at"])
        HandRaise.objects.waiting().filter(participant=participant).update(
            lowered_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="workshop.participant_removed",
            target=workshop,
            data={
                "participant": participant.pk,
                "user": participant.user_id,
                "reason": reason[:500],
            },
            request=request,
        )
        broadcast_on_commit(workshop, "hands.changed", events.hands(workshop))
        registered_changed(workshop)
        broadcast_on_commit(
            workshop,
            "participant.removed",
            {"participant": participant.pk, "name": participant.user.public_name},
            audience="facilitators",
        )
        close_user_sockets_on_commit(participant.user_id, reason="removed", workshop_id=workshop.pk)
    return participant


def invitee_find(identifier: str):
    """The active account (not a guest) whose username or e-mail address is ``identifier``."""
    User = get_user_model()
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    accounts = User.objects.filter(is_active=True, is_guest=False, deleted_at__isnull=True)
    if "@" in identifier:
        user = accounts.filter(email__iexact=identifier).first()
        if user is None:
            user_ids = EmailAddress.objects.filter(email__iexact=identifier).values("user_id")
            user = accounts.filter(pk__in=user_ids).first()
        return user
    return accounts.filter(username__iexact=identifier).first()


def participant_invite_by_identifier(
    *, workshop: Workshop, actor, identifier: str, request=None
) -> Participant:
    """Invite an existing account, named by username or e-mail address, to ``workshop``."""
    require_facilitator(actor, workshop)
    if workshop.state not in EDITABLE_STATES:
        raise DomainError(
            "not_editable", _("Un atelier clos ou publié ne reçoit plus d'invitations.")
        )
    user = invitee_find(identifier)
    if user is None:
        raise DomainError(
            "unknown_account",
            _("Aucun compte ne correspond à « %(who)s » (nom d'utilisateur·rice ou e-mail).")
            % {"who": identifier.strip()[:100]},
            field="identifiers",
        )
    existing = Participant.objects.filter(workshop=workshop, user=user).first()
    if existing is not None and existing.removed_at is not None:
        raise DomainError(
            "removed",
            _("« %(who)s » a été retiré·e de cet atelier : l'invitation ne l'y fait pas revenir.")
            % {"who": identifier.strip()[:100]},
            field="identifiers",
        )
    with transaction.atomic():
        participant = participant_invite(workshop=workshop, actor=actor, user=user, request=request)
        if existing is None or not existing.invited:
            audit_record(
                actor=actor,
                action="workshop.participant_invited",
                target=workshop,
                data={"participant": participant.pk, "user": user.pk},
                request=request,
            )
    return participant
