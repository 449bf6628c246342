"""The agenda: the phases of a workshop, their order, the current one."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from project.errors import DomainError
from realtime.broadcast import broadcast_on_commit
from workshops import events
from workshops.models import (
    DEFAULT_AGENDA,
    Phase,
    PhaseKind,
    Workshop,
    WorkshopState,
)
from workshops.services.rights import locked_workshop, require_facilitator


def agenda_create_default(*, workshop: Workshop) -> list[Phase]:
    """The usual agenda (welcome, ideation, clustering, debate, vote, synthesis), if there is none."""
    if workshop.phases.exists():
        return list(workshop.phases.all())
    return Phase.objects.bulk_create(
        [
            Phase(
                workshop=workshop,
                kind=kind,
                title=str(kind.label),
                order=i,
                planned_minutes=minutes,
            )
            for i, (kind, minutes) in enumerate(DEFAULT_AGENDA)
        ]
    )


def phase_begin(workshop: Workshop, phase: Phase | None, now) -> None:
    workshop.current_phase = phase
    if phase is None:
        return
    phase.started_at = now
    phase.ended_at = None
    phase.timer_ends_at = None
    phase.timer_remaining = phase.planned_minutes * 60
    phase.save(update_fields=["started_at", "ended_at", "timer_ends_at", "timer_remaining"])


def phase_start(*, workshop: Workshop, actor, phase: Phase, request=None) -> Phase:
    """Make ``phase`` the current one (the previous one ends now); its timer is reset, paused."""
    require_facilitator(actor, workshop)
    if phase.workshop_id != workshop.pk:
        raise DomainError("not_found", _("Cette phase n'est pas dans cet atelier."))
    with transaction.atomic():
        locked = locked_workshop(workshop)
        if locked.state != WorkshopState.LIVE:
            raise DomainError("not_live", _("Ouvrez l'atelier avant de changer de phase."))
        now = timezone.now()
        previous = locked.current_phase_id
        if previous == phase.pk:
            return phase
        if previous:
            Phase.objects.filter(pk=previous).update(ended_at=now, timer_ends_at=None)
        phase = Phase.objects.get(pk=phase.pk)
        phase_begin(locked, phase, now)
        locked.save(update_fields=["current_phase"])
        audit_record(
            actor=actor,
            action="workshop.phase_changed",
            target=locked,
            data={"from": previous, "to": phase.pk, "title": phase.title},
            request=request,
        )
        broadcast_on_commit(locked, "phase.changed", events.agenda(locked))
    return phase


def phase_next(*, workshop: Workshop, actor, request=None) -> Phase:
    """Move to the phase after the current one."""
    phases = list(workshop.phases.order_by("order", "pk"))
    if not phases:
        raise DomainError("no_agenda", _("L'ordre du jour est vide."))
    ids = [p.pk for p in phases]
    current = (
        Workshop.objects.filter(pk=workshop.pk).values_list("current_phase_id", flat=True).first()
    )
    index = ids.index(current) + 1 if current in ids else 0
    if index >= len(phases):
        raise DomainError("last_phase", _("C'est déjà la dernière phase."))
    return phase_start(workshop=workshop, actor=actor, phase=phases[index], request=request)


def phase_add(
    *, workshop: Workshop, actor, title: str, kind: str = PhaseKind.OTHER, planned_minutes: int = 15
) -> Phase:
    require_facilitator(actor, workshop)
    title = clean_phase_title(title)
    if kind not in PhaseKind.values:
        kind = PhaseKind.OTHER
    minutes = clean_minutes(planned_minutes)
    with transaction.atomic():
        locked = locked_workshop(workshop)
        last = locked.phases.aggregate(m=Max("order"))["m"]
        phase = Phase.objects.create(
            workshop=locked,
            kind=kind,
            title=title,
            planned_minutes=minutes,
            order=0 if last is None else last + 1,
        )
        broadcast_on_commit(locked, "phase.changed", events.agenda(locked))
    return phase


def phase_update(
    *, workshop: Workshop, actor, phase: Phase, title: str, planned_minutes: int
) -> Phase:
    """Rename a phase or change its planned length."""
    require_facilitator(actor, workshop)
    if phase.workshop_id != workshop.pk:
        raise DomainError("not_found", _("Cette phase n'est pas dans cet atelier."))
    phase.title = clean_phase_title(title)
    phase.planned_minutes = clean_minutes(planned_minutes)
    with transaction.atomic():
        locked = locked_workshop(workshop)
        phase.save(update_fields=["title", "planned_minutes"])
        broadcast_on_commit(locked, "phase.changed", events.agenda(locked))
    return phase


def phase_move(*, workshop: Workshop, actor, phase: Phase, direction: str) -> None:
    """Move a phase one step up or down the agenda."""
    require_facilitator(actor, workshop)
    if direction not in ("up", "down"):
        raise DomainError("invalid_direction", _("Direction inconnue."))
    with transaction.atomic():
        locked = locked_workshop(workshop)
        phases = list(locked.phases.order_by("order", "pk"))
        ids = [p.pk for p in phases]
        if phase.pk not in ids:
            raise DomainError("not_found", _("Cette phase n'est pas dans cet atelier."))
        i = ids.index(phase.pk)
        j = i - 1 if direction == "up" else i + 1
        if not 0 <= j < len(phases):
            return
        phases[i], phases[j] = phases[j], phases[i]
        for order, p in enumerate(phases):
            p.order = order
        Phase.objects.bulk_update(phases, ["order"])
        broadcast_on_commit(locked, "phase.changed", events.agenda(locked))


def clean_phase_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError("invalid_title", _("Donnez un titre à la phase."), field="title")
    if len(title) > 120:
        raise DomainError("invalid_title", _("120 caractères au plus."), field="title")
    return title


def clean_minutes(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    if not 1 <= minutes <= 480:
        raise DomainError(
            "invalid_minutes", _("Une durée entre 1 et 480 minutes."), field="planned_minutes"
        )
    return minutes
