"""Raised hands: raise, lower, give the floor."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from project.errors import DomainError, PermissionDeniedError
from realtime.broadcast import broadcast_on_commit
from workshops import events, rules
from workshops.models import (
    HandRaise,
    Workshop,
)
from workshops.services.rights import require_facilitator, room_rights


def hand_raise(*, workshop: Workshop, user) -> HandRaise:
    workshop, participant, _facilitator = room_rights(workshop, user)
    if not rules.can_participate(user, workshop, participant):
        raise PermissionDeniedError(
            "forbidden", _("Rejoignez l'atelier en cours pour demander la parole.")
        )
    with transaction.atomic():
        hand = HandRaise.objects.waiting().filter(participant=participant).first()
        if hand is not None:
            return hand
        try:
            with transaction.atomic():
                hand = HandRaise.objects.create(workshop=workshop, participant=participant)
        except IntegrityError:
            return HandRaise.objects.waiting().get(participant=participant)
        broadcast_on_commit(workshop, "hands.changed", events.hands(workshop))
    return hand


def hand_lower(*, workshop: Workshop, user) -> None:
    with transaction.atomic():
        updated = (
            HandRaise.objects.waiting()
            .filter(workshop=workshop, participant__user=user)
            .update(lowered_at=timezone.now())
        )
        if updated:
            broadcast_on_commit(workshop, "hands.changed", events.hands(workshop))


def hand_take(*, workshop: Workshop, actor, hand_id=None) -> HandRaise | None:
    """Give the floor to the next hand in the queue (or to a given one)."""
    require_facilitator(actor, workshop)
    with transaction.atomic():
        queue = HandRaise.objects.select_for_update().waiting().filter(workshop=workshop)
        hand = queue.filter(pk=hand_id).first() if hand_id else queue.first()
        if hand is None:
            if hand_id:
                raise DomainError("not_found", _("Cette main n'est plus levée."))
            return None
        hand.taken_at = timezone.now()
        hand.save(update_fields=["taken_at"])
        broadcast_on_commit(workshop, "hands.changed", events.hands(workshop, speaking=hand))
    return hand
