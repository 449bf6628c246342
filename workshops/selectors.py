"""Reads on workshops, with the permission checks every page, API call and socket shares."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from project.errors import NotFoundError, PermissionDeniedError
from workshops import rules
from workshops.models import Participant, Workshop


@dataclass
class RoomAccess:
    workshop: Workshop
    participant: Participant | None
    is_facilitator: bool


def participant_for(user, workshop: Workshop) -> Participant | None:
    if not (user and user.is_authenticated):
        return None
    return Participant.objects.filter(workshop=workshop, user=user).first()


def get_workshop_for_user(user, slug: str) -> RoomAccess:
    """The workshop ``slug`` as ``user`` may see it; NotFoundError/PermissionDeniedError otherwise.

    A private workshop answers "not found" to outsiders (its existence is private too);
    a participant removed by a facilitator is refused.
    """
    workshop = Workshop.objects.filter(slug=slug).first()
    if workshop is None:
        raise NotFoundError(_("Cet atelier n'existe pas."))
    participant = participant_for(user, workshop)
    if not rules.can_see_workshop(user, workshop, participant):
        if participant is not None and participant.removed_at is not None:
            raise PermissionDeniedError(
                _("Vous avez été retiré·e de cet atelier par l'équipe d'animation."),
                code="removed",
            )
        raise NotFoundError(_("Cet atelier n'existe pas."))
    return RoomAccess(
        workshop=workshop,
        participant=participant,
        is_facilitator=rules.is_workshop_facilitator(user, workshop),
    )
