"""The timer of the current phase: start, pause, extend."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from project.errors import DomainError
from realtime.broadcast import broadcast_on_commit
from workshops import events
from workshops.models import (
    Phase,
    Workshop,
    WorkshopState,
)
from workshops.services.rights import locked_workshop, require_facilitator

TIMER_MAX_SECONDS = 6 * 3600


def _current_phase_locked(workshop: Workshop) -> tuple[Workshop, Phase]:
    locked = locked_workshop(workshop)
    if locked.state != WorkshopState.LIVE or locked.current_phase_id is None:
        raise DomainError("no_phase", _("Aucune phase en cours."))
    return locked, Phase.objects.select_for_update().get(pk=locked.current_phase_id)


def timer_start(*, workshop: Workshop, actor) -> Phase:
    require_facilitator(actor, workshop)
    with transaction.atomic():
        locked, phase = _current_phase_locked(workshop)
        if phase.timer_ends_at is None:
            phase.timer_ends_at = timezone.now() + timedelta(seconds=phase.seconds_left())
            phase.timer_remaining = None
            phase.save(update_fields=["timer_ends_at", "timer_remaining"])
            broadcast_on_commit(locked, "timer.changed", events.timer(phase))
    return phase


def timer_pause(*, workshop: Workshop, actor) -> Phase:
    require_facilitator(actor, workshop)
    with transaction.atomic():
        locked, phase = _current_phase_locked(workshop)
        if phase.timer_ends_at is not None:
            phase.timer_remaining = phase.seconds_left()
            phase.timer_ends_at = None
            phase.save(update_fields=["timer_ends_at", "timer_remaining"])
            broadcast_on_commit(locked, "timer.changed", events.timer(phase))
    return phase


def timer_extend(*, workshop: Workshop, actor, minutes: int) -> Phase:
    require_facilitator(actor, workshop)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= 60:
        raise DomainError("invalid_minutes", _("Ajoutez entre 1 et 60 minutes."), field="minutes")
    with transaction.atomic():
        locked, phase = _current_phase_locked(workshop)
        if phase.seconds_left() + minutes * 60 > TIMER_MAX_SECONDS:
            raise DomainError("invalid_minutes", _("Le minuteur est déjà très long."))
        if phase.timer_ends_at is not None:
            phase.timer_ends_at = max(phase.timer_ends_at, timezone.now()) + timedelta(
                minutes=minutes
            )
        else:
            phase.timer_remaining = phase.seconds_left() + minutes * 60
        phase.save(update_fields=["timer_ends_at", "timer_remaining"])
        broadcast_on_commit(locked, "timer.changed", events.timer(phase))
    return phase
