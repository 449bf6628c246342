"""Joining a workshop: join codes, guests and members, the room closed to new arrivals."""

from __future__ import annotations

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.services import audit_record, guest_create
from project import ratelimit
from project.errors import DomainError, PermissionDeniedError
from realtime.broadcast import broadcast_on_commit
from workshops import rules
from workshops.figures import registered_count
from workshops.models import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    Attendance,
    Participant,
    ParticipantRole,
    Visibility,
    Workshop,
    WorkshopState,
    new_join_code,
)
from workshops.services.rights import locked_workshop, require_facilitator


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
    require_facilitator(actor, workshop)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                locked = locked_workshop(workshop)
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


def registered_changed(workshop: Workshop) -> None:
    """« inscrit·es à l'atelier » changed: every screen (stage, console, phones) shows the new
    figure at once (workshops.figures defines it), not only at its next page load."""
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
        registered_changed(workshop)
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
    require_facilitator(actor, workshop)
    with transaction.atomic():
        row = locked_workshop(workshop)
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
