"""Writes on workshops: joining, the facilitator console, ideas and reactions of the room.

Every change is committed, then broadcast to the room (``broadcast_on_commit``,
last in the transaction). HTTP views, the room socket (``socket_actions``) and
the admin all call these functions, so permissions are checked here.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record, guest_create
from decisions.follows import notify_workshop_state
from project import ratelimit
from project.errors import DomainError, NotFoundError, PermissionDeniedError
from project.translated import bilingual, translated_fields
from realtime import conf as realtime_conf
from realtime.broadcast import broadcast_on_commit
from workshops import events, grouping, rules
from workshops.models import (
    DEFAULT_AGENDA,
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    Attendance,
    HandRaise,
    Participant,
    ParticipantRole,
    Phase,
    PhaseKind,
    Reaction,
    ReactionKind,
    Visibility,
    Workshop,
    WorkshopState,
    new_join_code,
)

# Allowed moves of the workshop life cycle.
TRANSITIONS = {
    WorkshopState.DRAFT: {WorkshopState.SCHEDULED},
    WorkshopState.SCHEDULED: {WorkshopState.LIVE, WorkshopState.DRAFT},
    WorkshopState.LIVE: {WorkshopState.CLOSED},
    WorkshopState.CLOSED: {WorkshopState.PUBLISHED, WorkshopState.LIVE},
    WorkshopState.PUBLISHED: set(),
}
TIMER_MAX_SECONDS = 6 * 3600


def join_code_generate() -> str:
    """A join code not used by any workshop that can still be joined."""
    while True:
        code = new_join_code()
        if not Workshop.objects.not_closed().filter(join_code=code).exists():
            return code


def join_code_normalize(code: str) -> str:
    """What people type: lower case, spaces, dashes; 0/O and 1/I/L read as the code's letters."""
    code = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return code.translate(str.maketrans({"0": "O", "1": "I", "L": "I"}))


UNKNOWN_CODE_MESSAGE = (
    "Aucun atelier ouvert ne correspond à ce code. Vérifiez-le auprès de l'équipe d'animation."
)


def _unknown_code(client: str | None) -> DomainError:
    # A wrong code and the code of a private workshop one is not invited to get the same
    # answer, and both count against the address's allowance of failed codes.
    ratelimit.hit("join_failed", client)
    return DomainError("unknown_code", _(UNKNOWN_CODE_MESSAGE), field="code")


def workshop_by_code(code: str, *, user=None, client: str | None = None) -> Workshop:
    """The workshop open for joining that ``code`` names and ``user`` may join (None: a
    newcomer). A private workshop's code answers as an unknown one, except to its invited
    participants and facilitators. ``client`` (the client's address) is rate limited:
    attempts per minute, and failed codes (docs/security.md)."""
    if ratelimit.exceeded("join_failed", client):
        raise ratelimit.RateLimitedError(
            _("Trop de codes erronés depuis votre connexion : réessayez dans quelques minutes."),
            field="code",
        )
    ratelimit.consume("join", client)
    normalized = join_code_normalize(code)
    if len(normalized) != JOIN_CODE_LENGTH or any(c not in JOIN_CODE_ALPHABET for c in normalized):
        raise DomainError(
            "invalid_code",
            _("Un code d'accès a 6 caractères (lettres et chiffres), par exemple KX7P2M."),
            field="code",
        )
    workshop = Workshop.objects.open_for_join().filter(join_code=normalized).first()
    if workshop is None:
        raise _unknown_code(client)
    if workshop.visibility == Visibility.PRIVATE and not (
        user is not None
        and user.is_authenticated
        and (
            Participant.objects.filter(workshop=workshop, user=user).exists()
            or rules.is_workshop_facilitator(user, workshop)
        )
    ):
        raise _unknown_code(client)
    return workshop


def join_code_regenerate(*, workshop: Workshop, actor, request=None) -> Workshop:
    """A new code (the old one, seen by too many, stops working)."""
    _require_facilitator(actor, workshop)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                locked = _locked_workshop(workshop)
                old = locked.join_code
                locked.join_code = join_code_generate()
                locked.save(update_fields=["join_code"])
                audit_record(
                    actor=actor,
                    action="workshop.code_regenerated",
                    target=locked,
                    data={"old": old},
                    request=request,
                )
                broadcast_on_commit(locked, "workshop.code_changed", {"code": locked.join_code})
            return locked
        except IntegrityError:
            continue  # another workshop took the same code at the same moment
    raise DomainError("code_unavailable", _("Aucun code libre pour l'instant ; réessayez."))


def _require_facilitator(user, workshop: Workshop) -> None:
    # Read now: a socket's ``workshop`` and ``user`` were loaded when it connected.
    if not rules.is_workshop_facilitator_now(user, workshop):
        raise PermissionDeniedError(
            "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
        )


def _room_rights(workshop: Workshop, user) -> tuple[Workshop, Participant | None, bool]:
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


def _locked_workshop(workshop: Workshop) -> Workshop:
    # Permission was checked on ``workshop`` already: this is the fresh, locked row.
    return Workshop.objects.select_for_update().get(pk=workshop.pk)


# --- joining ---------------------------------------------------------------------------------


def _registered_changed(workshop: Workshop) -> None:
    """« inscrit·es à l'atelier » changed: every screen (stage, console, phones) shows the new
    figure at once (workshops.figures defines it), not only at its next page load."""
    from workshops.figures import registered_count

    broadcast_on_commit(workshop, "figures.changed", {"registered": registered_count(workshop.pk)})


def workshop_join(*, workshop: Workshop, user, attendance: str = Attendance.ON_SITE) -> Participant:
    """Record ``user`` as a participant (idempotent), with the college they declare now."""
    if not (user and user.is_authenticated):
        raise PermissionDeniedError("forbidden", _("Connectez-vous ou rejoignez en invité·e."))
    if attendance not in Attendance.values:
        raise DomainError(
            "invalid_attendance", _("Choisissez sur place ou en ligne."), field="attendance"
        )
    facilitator = rules.is_workshop_facilitator(user, workshop)
    if workshop.state not in (WorkshopState.SCHEDULED, WorkshopState.LIVE) and not facilitator:
        raise DomainError("not_open", _("Cet atelier n'est pas ouvert."))
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update().filter(workshop=workshop, user=user).first()
        )
        if participant is not None:
            if participant.removed_at is not None:
                raise PermissionDeniedError(
                    "removed", _("Vous avez été retiré·e de cet atelier par l'équipe d'animation.")
                )
            if participant.attendance != attendance:
                participant.attendance = attendance
                participant.save(update_fields=["attendance"])
            return participant
        if workshop.visibility == Visibility.PRIVATE and not facilitator:
            raise PermissionDeniedError(
                "private", _("Cet atelier est réservé aux personnes invitées.")
            )
        if workshop.joins_closed and not facilitator:
            raise DomainError(
                "joins_closed",
                _("L'équipe d'animation a fermé l'atelier aux nouvelles arrivées."),
                status=409,
            )
        if workshop.capacity and not facilitator:
            count = Participant.objects.filter(workshop=workshop, removed_at__isnull=True).count()
            if count >= workshop.capacity:
                raise DomainError("full", _("Cet atelier est complet."))
        try:
            with transaction.atomic():
                participant = Participant.objects.create(
                    workshop=workshop,
                    user=user,
                    college=user.college,
                    attendance=attendance,
                    role=ParticipantRole.FACILITATOR
                    if facilitator
                    else ParticipantRole.PARTICIPANT,
                )
        except IntegrityError:
            # A double click from two tabs: the other request created it.
            return Participant.objects.get(workshop=workshop, user=user)
        _registered_changed(workshop)
    return participant


# How long a browser remembers the guests it made (a removal holds for it that long).
DEVICE_MEMORY_SECONDS = 7 * 86400


def _device_key(workshop_id: int, device: str) -> str:
    return f"workshops:device:{workshop_id}:{device}"


def _device_removed(workshop: Workshop, device: str | None) -> bool:
    if not device:
        return False
    ids = cache.get(_device_key(workshop.pk, device)) or []
    return bool(ids) and Participant.objects.filter(pk__in=ids, removed_at__isnull=False).exists()


def _device_remember(workshop: Workshop, device: str | None, participant: Participant) -> None:
    if not device:
        return
    key = _device_key(workshop.pk, device)
    ids = [pk for pk in cache.get(key) or [] if pk != participant.pk][-19:]
    cache.set(key, [*ids, participant.pk], timeout=DEVICE_MEMORY_SECONDS)


def guest_join(
    *,
    code: str,
    display_name: str,
    college: str,
    attendance: str = Attendance.ON_SITE,
    client: str | None = None,
    device: str | None = None,
):
    """One step for a newcomer: a guest account and a place in the workshop. Returns (user, participant).

    Refused, with nothing created: a code unknown or private (same answer), a workshop
    closed to new joins, a browser (``device``, the join view's cookie) whose guest the
    facilitators removed from this workshop, and past the limits of new guests per client
    address (``client``) and per workshop (``RATE_LIMITS``, docs/security.md).
    """
    workshop = workshop_by_code(code, client=client)
    if workshop.joins_closed:
        raise DomainError(
            "joins_closed",
            _("L'équipe d'animation a fermé l'atelier aux nouvelles arrivées."),
            status=409,
        )
    if _device_removed(workshop, device):
        raise PermissionDeniedError(
            "removed", _("Vous avez été retiré·e de cet atelier par l'équipe d'animation.")
        )
    # Check both limits before counting either: a refusal per workshop does not eat the
    # address's allowance, and the other way round.
    if ratelimit.exceeded("guest_create", client):
        raise ratelimit.RateLimitedError(
            _(
                "Trop de nouvelles arrivées depuis votre connexion : réessayez dans quelques minutes."
            )
        )
    if ratelimit.exceeded("guest_create_workshop", str(workshop.pk)):
        raise ratelimit.RateLimitedError(
            _("Trop de nouvelles arrivées dans cet atelier : réessayez dans quelques minutes.")
        )
    with transaction.atomic():
        user = guest_create(display_name=display_name, college=college)
        participant = workshop_join(workshop=workshop, user=user, attendance=attendance)
    ratelimit.hit("guest_create", client)
    ratelimit.hit("guest_create_workshop", str(workshop.pk))
    _device_remember(workshop, device, participant)
    return user, participant


def member_join(
    *,
    code: str,
    user,
    attendance: str = Attendance.ON_SITE,
    client: str | None = None,
    device: str | None = None,
) -> Participant:
    """A signed-in person joins with a code (same limits on codes as newcomers)."""
    workshop = workshop_by_code(code, user=user, client=client)
    participant = workshop_join(workshop=workshop, user=user, attendance=attendance)
    _device_remember(workshop, device, participant)
    return participant


def joins_close(*, workshop: Workshop, actor, closed: bool, request=None) -> Workshop:
    """Close the room to new joins (or open it again); who is in stays in."""
    _require_facilitator(actor, workshop)
    with transaction.atomic():
        row = _locked_workshop(workshop)
        if row.joins_closed == bool(closed):
            return row
        row.joins_closed = bool(closed)
        row.save(update_fields=["joins_closed"])
        audit_record(
            actor=actor,
            action="workshop.joins_closed" if closed else "workshop.joins_opened",
            target=row,
            request=request,
        )
    return row


def participant_invite(*, workshop: Workshop, actor, user, request=None) -> Participant:
    """Put someone on the list of a private workshop."""
    _require_facilitator(actor, workshop)
    participant, created = Participant.objects.get_or_create(
        workshop=workshop, user=user, defaults={"college": user.college, "invited": True}
    )
    if not created and not participant.invited:
        participant.invited = True
        participant.save(update_fields=["invited"])
    if created:
        _registered_changed(workshop)
    return participant


def participant_remove(
    *, workshop: Workshop, actor, participant: Participant, reason: str = "", request=None
) -> Participant:
    """Remove a disruptive participant: their sockets close and they cannot come back."""
    _require_facilitator(actor, workshop)
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
        _registered_changed(workshop)
        broadcast_on_commit(
            workshop,
            "participant.removed",
            {"participant": participant.pk, "name": participant.user.public_name},
            audience="facilitators",
        )
        user_id, workshop_id = participant.user_id, workshop.pk
        transaction.on_commit(lambda: _close_user_sockets(user_id, workshop_id))
    return participant


def _close_user_sockets(user_id: int, workshop_id: int) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            f"user.{user_id}",
            {"type": "user.disconnect", "reason": "removed", "workshop": workshop_id},
        )
    except Exception:  # the removal is committed; the socket refuses them on reconnect
        import logging

        logging.getLogger(__name__).warning("could not close sockets of user %s", user_id)


# --- life cycle and agenda -------------------------------------------------------------------


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


def workshop_state_change(*, workshop: Workshop, actor, to: str, request=None) -> Workshop:
    """Move the workshop along draft → scheduled → live → closed → published."""
    _require_facilitator(actor, workshop)
    if to not in WorkshopState.values:
        raise DomainError("invalid_state", _("État inconnu."))
    with transaction.atomic():
        locked = _locked_workshop(workshop)
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
                _phase_begin(locked, first, now)
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


def _phase_begin(workshop: Workshop, phase: Phase | None, now) -> None:
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
    _require_facilitator(actor, workshop)
    if phase.workshop_id != workshop.pk:
        raise DomainError("not_found", _("Cette phase n'est pas dans cet atelier."))
    with transaction.atomic():
        locked = _locked_workshop(workshop)
        if locked.state != WorkshopState.LIVE:
            raise DomainError("not_live", _("Ouvrez l'atelier avant de changer de phase."))
        now = timezone.now()
        previous = locked.current_phase_id
        if previous == phase.pk:
            return phase
        if previous:
            Phase.objects.filter(pk=previous).update(ended_at=now, timer_ends_at=None)
        phase = Phase.objects.get(pk=phase.pk)
        _phase_begin(locked, phase, now)
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
    _require_facilitator(actor, workshop)
    title = _clean_phase_title(title)
    if kind not in PhaseKind.values:
        kind = PhaseKind.OTHER
    minutes = _clean_minutes(planned_minutes)
    with transaction.atomic():
        locked = _locked_workshop(workshop)
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
    _require_facilitator(actor, workshop)
    if phase.workshop_id != workshop.pk:
        raise DomainError("not_found", _("Cette phase n'est pas dans cet atelier."))
    phase.title = _clean_phase_title(title)
    phase.planned_minutes = _clean_minutes(planned_minutes)
    with transaction.atomic():
        locked = _locked_workshop(workshop)
        phase.save(update_fields=["title", "planned_minutes"])
        broadcast_on_commit(locked, "phase.changed", events.agenda(locked))
    return phase


def phase_move(*, workshop: Workshop, actor, phase: Phase, direction: str) -> None:
    """Move a phase one step up or down the agenda."""
    _require_facilitator(actor, workshop)
    if direction not in ("up", "down"):
        raise DomainError("invalid_direction", _("Direction inconnue."))
    with transaction.atomic():
        locked = _locked_workshop(workshop)
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


def _clean_phase_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise DomainError("invalid_title", _("Donnez un titre à la phase."), field="title")
    if len(title) > 120:
        raise DomainError("invalid_title", _("120 caractères au plus."), field="title")
    return title


def _clean_minutes(value) -> int:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    if not 1 <= minutes <= 480:
        raise DomainError(
            "invalid_minutes", _("Une durée entre 1 et 480 minutes."), field="planned_minutes"
        )
    return minutes


# --- timer -----------------------------------------------------------------------------------


def _current_phase_locked(workshop: Workshop) -> tuple[Workshop, Phase]:
    locked = _locked_workshop(workshop)
    if locked.state != WorkshopState.LIVE or locked.current_phase_id is None:
        raise DomainError("no_phase", _("Aucune phase en cours."))
    return locked, Phase.objects.select_for_update().get(pk=locked.current_phase_id)


def timer_start(*, workshop: Workshop, actor) -> Phase:
    _require_facilitator(actor, workshop)
    with transaction.atomic():
        locked, phase = _current_phase_locked(workshop)
        if phase.timer_ends_at is None:
            phase.timer_ends_at = timezone.now() + timedelta(seconds=phase.seconds_left())
            phase.timer_remaining = None
            phase.save(update_fields=["timer_ends_at", "timer_remaining"])
            broadcast_on_commit(locked, "timer.changed", events.timer(phase))
    return phase


def timer_pause(*, workshop: Workshop, actor) -> Phase:
    _require_facilitator(actor, workshop)
    with transaction.atomic():
        locked, phase = _current_phase_locked(workshop)
        if phase.timer_ends_at is not None:
            phase.timer_remaining = phase.seconds_left()
            phase.timer_ends_at = None
            phase.save(update_fields=["timer_ends_at", "timer_remaining"])
            broadcast_on_commit(locked, "timer.changed", events.timer(phase))
    return phase


def timer_extend(*, workshop: Workshop, actor, minutes: int) -> Phase:
    _require_facilitator(actor, workshop)
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


# --- the board: ideas, spotlight, lock, hide, merge, reactions -------------------------------


def _idea_of(workshop: Workshop, proposal_id) -> object:
    from proposals.models import Proposal

    proposal = (
        Proposal.objects.filter(pk=proposal_id, origin_workshop=workshop)
        .select_related("author", "axis")
        .first()
    )
    if proposal is None:
        raise DomainError("not_found", _("Cette idée n'est pas dans cet atelier."))
    return proposal


def _check_idea_rate(user) -> None:
    """Ideas per minute per person, counted in the shared cache (works across processes)."""
    limit = realtime_conf.get("REALTIME_IDEAS_PER_MINUTE")
    window = int(timezone.now().timestamp() // 60)
    key = f"workshops:ideas:{user.pk}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        _release_idea_slot(user)
        raise DomainError(
            "rate_limited",
            _("Vous avez posté %(n)d idées en une minute : attendez un peu avant la suivante.")
            % {"n": limit},
        )


def _release_idea_slot(user) -> None:
    window = int(timezone.now().timestamp() // 60)
    with contextlib.suppress(ValueError):
        cache.decr(f"workshops:ideas:{user.pk}:{window}")


def idea_post(*, workshop: Workshop, user, axis, title: str, body: str = "", client_key: str = ""):
    """Post an idea in the room: a proposal whose origin is this workshop, then broadcast it."""
    from proposals.models import Proposal
    from proposals.services import proposal_create

    workshop, participant, facilitator = _room_rights(workshop, user)
    if not facilitator and not rules.can_participate(user, workshop, participant):
        raise PermissionDeniedError(
            "forbidden", _("Rejoignez l'atelier en cours pour proposer une idée.")
        )
    if client_key:
        existing = Proposal.objects.filter(author=user, client_key=client_key[:64]).first()
        if existing is not None:
            return existing  # a retry: already posted and broadcast
    if workshop.state != WorkshopState.LIVE:
        raise DomainError("not_live", _("L'atelier n'est pas en cours."))
    if workshop.board_locked and not facilitator:
        raise DomainError(
            "board_locked", _("Le mur d'idées est verrouillé par l'équipe d'animation.")
        )
    if axis is None:
        axis = workshop.axes.order_by("order").first()
    elif workshop.axes.exists() and not workshop.axes.filter(pk=axis.pk).exists():
        raise DomainError("invalid_axis", _("Choisissez un des axes de l'atelier."), field="axis")
    _check_idea_rate(user)
    try:
        with transaction.atomic():
            proposal = proposal_create(
                author=user,
                axis=axis,
                title=title,
                body=body,
                origin_workshop=workshop,
                client_key=client_key,
            )
            broadcast_on_commit(workshop, "proposal.created", events.idea(proposal))
    except DomainError:
        # A refused idea (too short a title…) does not count against the limit.
        _release_idea_slot(user)
        raise
    return proposal


def idea_spotlight(*, workshop: Workshop, actor, proposal_id=None):
    """Show one idea on everyone's screen (None: nothing)."""
    _require_facilitator(actor, workshop)
    proposal = _idea_of(workshop, proposal_id) if proposal_id else None
    with transaction.atomic():
        locked = _locked_workshop(workshop)
        locked.spotlight = proposal
        locked.save(update_fields=["spotlight"])
        broadcast_on_commit(
            locked, "spotlight.changed", {"idea": events.idea(proposal) if proposal else None}
        )
    return proposal


def board_lock(*, workshop: Workshop, actor, locked: bool) -> Workshop:
    _require_facilitator(actor, workshop)
    with transaction.atomic():
        row = _locked_workshop(workshop)
        row.board_locked = bool(locked)
        row.save(update_fields=["board_locked"])
        broadcast_on_commit(row, "board.locked", {"locked": row.board_locked})
    return row


def idea_hide(*, workshop: Workshop, actor, proposal_id, reason: str, request=None):
    from proposals.services import proposal_hide

    _require_facilitator(actor, workshop)
    proposal = _idea_of(workshop, proposal_id)
    with transaction.atomic():
        proposal_hide(proposal=proposal, actor=actor, reason=reason, request=request)
        if workshop.spotlight_id == proposal.pk:
            Workshop.objects.filter(pk=workshop.pk).update(spotlight=None)
            broadcast_on_commit(workshop, "spotlight.changed", {"idea": None})
        broadcast_on_commit(workshop, "proposal.hidden", {"id": proposal.pk})
        grouping.idea_groups_after_idea_left(workshop=workshop, idea_id=proposal.pk)
    return proposal


def idea_merge(*, workshop: Workshop, actor, source_id, target_id, request=None):
    """Merge a duplicate into another idea of the room."""
    from proposals.services import proposal_merge

    _require_facilitator(actor, workshop)
    source, target = _idea_of(workshop, source_id), _idea_of(workshop, target_id)
    with transaction.atomic():
        proposal_merge(source=source, target=target, actor=actor, request=request)
        # Reactions follow the idea they were about (a person's duplicate reaction is dropped).
        existing = set(Reaction.objects.filter(proposal=target).values_list("user_id", "kind"))
        for reaction in Reaction.objects.filter(proposal=source):
            if (reaction.user_id, reaction.kind) in existing:
                reaction.delete()
            else:
                reaction.proposal = target
                reaction.save(update_fields=["proposal"])
        broadcast_on_commit(
            workshop,
            "proposal.merged",
            {
                "source": source.pk,
                "target": target.pk,
                "reactions": events.reaction_counts(target.pk),
            },
        )
        grouping.idea_groups_after_idea_left(
            workshop=workshop, idea_id=source.pk, replaced_by=target
        )
    return target


def reaction_toggle(*, workshop: Workshop, user, proposal_id, kind: str) -> dict:
    """Add the reaction, or take it back if it was there. Returns the idea's counts."""
    if kind not in ReactionKind.values:
        raise DomainError("invalid_reaction", _("Réaction inconnue."), field="kind")
    workshop, participant, facilitator = _room_rights(workshop, user)
    if not (facilitator or rules.can_participate(user, workshop, participant)):
        raise PermissionDeniedError("forbidden", _("Rejoignez l'atelier en cours pour réagir."))
    proposal = _idea_of(workshop, proposal_id)
    if proposal.is_hidden or proposal.merged_into_id:
        raise DomainError("not_found", _("Cette idée n'est plus au mur."))
    with transaction.atomic():
        deleted, _rows = Reaction.objects.filter(proposal=proposal, user=user, kind=kind).delete()
        active = not deleted
        if active:
            try:
                with transaction.atomic():
                    Reaction.objects.create(
                        workshop=workshop, proposal=proposal, user=user, kind=kind
                    )
            except IntegrityError:
                pass  # a double click: it is there
        counts = events.reaction_counts(proposal.pk)
        broadcast_on_commit(workshop, "reaction.changed", {"id": proposal.pk, "reactions": counts})
    return {"id": proposal.pk, "kind": kind, "active": active, "reactions": counts}


# --- hands -----------------------------------------------------------------------------------


def hand_raise(*, workshop: Workshop, user) -> HandRaise:
    workshop, participant, _facilitator = _room_rights(workshop, user)
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
    _require_facilitator(actor, workshop)
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


# --- creating and editing a workshop from the site --------------------------------------------

WORKSHOP_DESCRIPTION_MAX = 5000
EDITABLE_STATES = (WorkshopState.DRAFT, WorkshopState.SCHEDULED, WorkshopState.LIVE)
# Paths under /ateliers/ that are pages, not workshops.
RESERVED_SLUGS = frozenset({"nouveau"})


def _require_can_create(actor) -> None:
    if not rules.can_create_workshop(actor):
        raise PermissionDeniedError("forbidden", _("Réservé aux animateur·rices du Codev."))


def _clean_workshop_fields(
    *,
    title: str,
    description: str,
    starts_at,
    ends_at,
    place: str,
    location: str,
    capacity: int | None,
    visibility: str,
    video_url: str,
    livestream_url: str,
    title_en: str = "",
    description_en: str = "",
) -> dict:
    """The workshop's editable fields, checked; DomainError (with ``field``) on the first fault.

    ``title``/``description`` are the French; ``title_en``/``description_en`` the English
    (optional: English pages show the French when they are empty)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    from project.text import clean_line, strip_invisible
    from workshops.models import Place

    title = clean_line(title)
    if not title:
        raise DomainError("invalid_title", _("Donnez un titre à l'atelier."), field="title")
    if len(title) > 200:
        raise DomainError(
            "invalid_title", _("Le titre fait au plus 200 caractères."), field="title"
        )
    description = strip_invisible(description or "").strip()
    if len(description) > WORKSHOP_DESCRIPTION_MAX:
        raise DomainError(
            "invalid_description",
            _("La description fait au plus %(max)s caractères.")
            % {"max": WORKSHOP_DESCRIPTION_MAX},
            field="description",
        )
    if starts_at and ends_at and ends_at <= starts_at:
        raise DomainError(
            "invalid_schedule", _("La fin doit venir après le début."), field="ends_at"
        )
    if ends_at and not starts_at:
        raise DomainError(
            "invalid_schedule", _("Indiquez aussi le début de l'atelier."), field="starts_at"
        )
    if place not in Place.values:
        raise DomainError("invalid_place", _("Choisissez un lieu."), field="place")
    location = clean_line(location, max_length=200)
    if capacity is not None and capacity < 1:
        raise DomainError(
            "invalid_capacity",
            _("La capacité est d'au moins une personne (laissez vide pour ne pas limiter)."),
            field="capacity",
        )
    if visibility not in Visibility.values:
        raise DomainError("invalid_visibility", _("Choisissez une visibilité."), field="visibility")
    urls = {}
    for name, value in (("video_url", video_url), ("livestream_url", livestream_url)):
        value = (value or "").strip()
        if value:
            try:
                URLValidator(schemes=["https"])(value)
            except ValidationError:
                raise DomainError(
                    "invalid_url",
                    _("Indiquez une adresse complète commençant par https://."),
                    field=name,
                ) from None
            if len(value) > 200:
                raise DomainError(
                    "invalid_url", _("L'adresse fait au plus 200 caractères."), field=name
                )
        urls[name] = value
    title_en = clean_line(title_en or "")
    if len(title_en) > 200:
        raise DomainError(
            "invalid_title", _("Le titre fait au plus 200 caractères."), field="title_en"
        )
    description_en = strip_invisible(description_en or "").strip()
    if len(description_en) > WORKSHOP_DESCRIPTION_MAX:
        raise DomainError(
            "invalid_description",
            _("La description fait au plus %(max)s caractères.")
            % {"max": WORKSHOP_DESCRIPTION_MAX},
            field="description_en",
        )
    return {
        "title": title,
        "title_en": title_en,
        "description": description,
        "description_en": description_en,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place,
        "location": location,
        "capacity": capacity,
        "visibility": visibility,
        **urls,
    }


def _workshop_slug(title: str) -> str:
    """A slug from the title, unique among workshops (``-2``, ``-3``… when taken)."""
    from django.utils.text import slugify

    base = slugify(title)[:70].strip("-") or "atelier"
    taken = RESERVED_SLUGS | set(
        Workshop.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def workshop_create(
    *,
    actor,
    title: str,
    description: str = "",
    axes=(),
    starts_at=None,
    ends_at=None,
    place: str = "on_site",
    location: str = "",
    capacity: int | None = None,
    visibility: str = Visibility.PUBLIC,
    video_url: str = "",
    livestream_url: str = "",
    title_en: str = "",
    description_en: str = "",
    request=None,
) -> Workshop:
    """A new workshop, in draft: unique slug and join code, ``actor`` as facilitator, default agenda."""
    _require_can_create(actor)
    fields = _clean_workshop_fields(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        location=location,
        capacity=capacity,
        visibility=visibility,
        video_url=video_url,
        livestream_url=livestream_url,
        title_en=title_en,
        description_en=description_en,
    )
    axes = list(axes)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                workshop = Workshop.objects.create(
                    slug=_workshop_slug(fields["title"]),
                    join_code=join_code_generate(),
                    state=WorkshopState.DRAFT,
                    created_by=actor,
                    **bilingual(Workshop, fields),
                )
                workshop.facilitators.add(actor)
                if axes:
                    workshop.axes.set(axes)
                agenda_create_default(workshop=workshop)
                audit_record(
                    actor=actor,
                    action="workshop.created",
                    target=workshop,
                    data={"slug": workshop.slug, "visibility": workshop.visibility},
                    request=request,
                )
            return workshop
        except IntegrityError:
            continue  # the same slug or join code taken at the same moment by another request
    raise DomainError("create_failed", _("L'atelier n'a pas pu être créé ; réessayez."))


def workshop_update(
    *,
    workshop: Workshop,
    actor,
    title: str,
    description: str = "",
    axes=(),
    starts_at=None,
    ends_at=None,
    place: str = "on_site",
    location: str = "",
    capacity: int | None = None,
    visibility: str = Visibility.PUBLIC,
    video_url: str = "",
    livestream_url: str = "",
    title_en: str = "",
    description_en: str = "",
    request=None,
) -> Workshop:
    """Change a workshop's details (not its slug: links and QR codes already given keep working)."""
    if not rules.can_edit_workshop(actor, workshop):
        raise PermissionDeniedError(
            "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
        )
    fields = _clean_workshop_fields(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        location=location,
        capacity=capacity,
        visibility=visibility,
        video_url=video_url,
        livestream_url=livestream_url,
        title_en=title_en,
        description_en=description_en,
    )
    axes = list(axes)
    with transaction.atomic():
        locked = _locked_workshop(workshop)
        if locked.state not in EDITABLE_STATES:
            raise DomainError("not_editable", _("Un atelier clos ou publié ne se modifie plus."))
        # The plain title/description are the French columns (not the active language's).
        columns = {
            column: value
            for column, value in bilingual(Workshop, fields).items()
            if column not in translated_fields(Workshop)
        }
        changed = [name for name, value in columns.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, columns[name])
        if changed:
            locked.save(update_fields=changed)
        old_axes = set(locked.axes.values_list("pk", flat=True))
        new_axes = {axis.pk for axis in axes}
        if old_axes != new_axes:
            locked.axes.set(axes)
            changed.append("axes")
        if changed:
            audit_record(
                actor=actor,
                action="workshop.updated",
                target=locked,
                data={"fields": [name.removesuffix("_fr") for name in changed]},
                request=request,
            )
    return locked


def invitee_find(identifier: str):
    """The active account (not a guest) whose username or e-mail address is ``identifier``."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

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
    _require_facilitator(actor, workshop)
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
