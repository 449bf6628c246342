"""Who may write on a workshop, read now: the facilitator check and the room's rights."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from project.errors import NotFoundError, PermissionDeniedError
from workshops import rules
from workshops.models import (
    Participant,
    Workshop,
)


def require_facilitator(user, workshop: Workshop) -> None:
    # Read now: a socket's ``workshop`` and ``user`` were loaded when it connected.
    if not rules.is_workshop_facilitator_now(user, workshop):
        raise PermissionDeniedError(
            "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
        )


def room_rights(workshop: Workshop, user) -> tuple[Workshop, Participant | None, bool]:
    """The workshop, the user's participation and whether they facilitate it, all read now.

    For the participants' writes (ideas, reactions, hands) through every door: the form,
    the API and the socket. A workshop the user may not see (a draft, a private workshop
    they were not invited to) answers as one that does not exist. Two queries for a
    participant (the workshop with the facilitation; the participation with its account),
    three for someone without a participation."""
    signed_in = bool(user and user.is_authenticated)
    workshops = Workshop.objects.all()
    if signed_in:
        workshops = workshops.annotate(
            _facilitates_now=Exists(
                Workshop.facilitators.through.objects.filter(
                    workshop_id=OuterRef("pk"), user_id=user.pk
                )
            )
        )
    workshop = workshops.get(pk=workshop.pk)  # its state now, not when the socket opened
    participant = None
    facilitator = False
    if signed_in:
        participant = (
            Participant.objects.filter(workshop=workshop, user=user).select_related("user").first()
        )
        # The account as it is now: the participation's, else one more read.
        account = (
            participant.user
            if participant is not None
            else get_user_model()
            .objects.filter(pk=user.pk)
            .only("is_active", "is_superuser")
            .first()
        )
        facilitator = bool(
            account and account.is_active and (account.is_superuser or workshop._facilitates_now)
        )
    if not rules.can_see_workshop(user, workshop, participant, facilitator=facilitator):
        if participant is not None and participant.removed_at is not None:
            raise PermissionDeniedError(
                "removed", _("Vous avez été retiré·e de cet atelier par l'équipe d'animation.")
            )
        raise NotFoundError("not_found", _("Cet atelier n'existe pas."))
    return workshop, participant, facilitator


def locked_workshop(workshop: Workshop) -> Workshop:
    # Permission was checked on ``workshop`` already: this is the fresh, locked row.
    return Workshop.objects.select_for_update().get(pk=workshop.pk)
