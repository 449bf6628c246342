"""The workshop's life cycle: draft → scheduled → live → closed → published."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from decisions.follows import notify_workshop_state
from project.errors import DomainError
from realtime.broadcast import broadcast_on_commit
from workshops import events
from workshops.models import (
    HandRaise,
    Phase,
    Workshop,
    WorkshopState,
)
from workshops.services.agenda import agenda_create_default, phase_begin
from workshops.services.rights import locked_workshop, require_facilitator

# Allowed moves of the workshop life cycle.
TRANSITIONS = {
    WorkshopState.DRAFT: {WorkshopState.SCHEDULED},
    WorkshopState.SCHEDULED: {WorkshopState.LIVE, WorkshopState.DRAFT},
    WorkshopState.LIVE: {WorkshopState.CLOSED},
    WorkshopState.CLOSED: {WorkshopState.PUBLISHED, WorkshopState.LIVE},
    WorkshopState.PUBLISHED: set(),
}


def workshop_state_change(*, workshop: Workshop, actor, to: str, request=None) -> Workshop:
    """Move the workshop along draft → scheduled → live → closed → published."""
    require_facilitator(actor, workshop)
    if to not in WorkshopState.values:
        raise DomainError("invalid_state", _("État inconnu."))
    with transaction.atomic():
        locked = locked_workshop(workshop)
        old = locked.state
        if to == old:
            return locked
        if to not in TRANSITIONS[WorkshopState(old)]:
            raise DomainError(
                "invalid_transition",
                _("Impossible de passer de « %(old)s » à « %(new)s ».")
                % {"old": WorkshopState(old).label, "new": WorkshopState(to).label},
            )
        now = timezone.now()
        locked.state = to
        fields = ["state"]
        if to == WorkshopState.LIVE:
            locked.started_at = locked.started_at or now
            fields.append("started_at")
            agenda_create_default(workshop=locked)
            if locked.current_phase_id is None:
                first = locked.phases.order_by("order", "pk").first()
                phase_begin(locked, first, now)
                fields.append("current_phase")
        elif to == WorkshopState.CLOSED:
            locked.closed_at = now
            fields.append("closed_at")
            if locked.current_phase_id:
                Phase.objects.filter(pk=locked.current_phase_id, ended_at__isnull=True).update(
                    ended_at=now, timer_ends_at=None
                )
            locked.current_phase = None
            fields.append("current_phase")
            HandRaise.objects.waiting().filter(workshop=locked).update(lowered_at=now)
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="workshop.state_changed",
            target=locked,
            data={"from": old, "to": to},
            request=request,
        )
        broadcast_on_commit(locked, "workshop.state_changed", events.state(locked))
        if to in (WorkshopState.LIVE, WorkshopState.CLOSED):
            broadcast_on_commit(locked, "phase.changed", events.agenda(locked))
        notify_workshop_state(workshop=locked, actor=actor)  # its followers, after commit
    return locked
