"""Permissions on workshops, in one place: views, the API and the room socket all call these."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from accounts.rules import is_signed_in
from workshops.models import Participant, Workshop, WorkshopState, is_publicly_visible


def is_workshop_facilitator(user, workshop: Workshop) -> bool:
    """A facilitator of this workshop (or an administrator)."""
    if not is_signed_in(user):
        return False
    if user.is_superuser:
        return True
    flag = getattr(workshop, "_user_facilitates", None)
    # Annotated by get_workshop_for_user for the user who loaded the page or socket.
    if flag is not None and getattr(workshop, "_user_facilitates_for", None) == user.pk:
        return bool(flag)
    cache = getattr(workshop, "_facilitator_ids", None)
    if cache is None:
        cache = set(workshop.facilitators.values_list("pk", flat=True))
        workshop._facilitator_ids = cache
    return user.pk in cache


def is_workshop_facilitator_now(user, workshop: Workshop) -> bool:
    """``is_workshop_facilitator`` read from the database now, ignoring what was loaded earlier.

    A socket keeps its user and workshop objects for hours: a facilitator removed from the
    workshop, or an account deactivated meanwhile, must lose their rights at once. One query.
    """
    if not (user and user.is_authenticated):
        return False

    row = (
        get_user_model()
        .objects.filter(pk=user.pk, is_active=True)
        .annotate(
            facilitates=Exists(
                Workshop.facilitators.through.objects.filter(
                    workshop_id=workshop.pk, user_id=OuterRef("pk")
                )
            )
        )
        .values_list("is_superuser", "facilitates")
        .first()
    )
    return bool(row and (row[0] or row[1]))


def can_see_workshop(
    user, workshop: Workshop, participant: Participant | None, *, facilitator: bool | None = None
) -> bool:
    """Drafts are for their facilitators; private workshops for invited participants.

    ``facilitator``: whether ``user`` facilitates it, when the caller has just read it."""
    if facilitator is None:
        facilitator = is_workshop_facilitator(user, workshop)
    if facilitator:
        return True
    if participant is not None and participant.removed_at is not None:
        return False
    if is_publicly_visible(workshop):
        # The rule every public output applies (``Workshop.objects.publicly_visible()``).
        return True
    # A private workshop (past its draft) for its invited participants.
    return workshop.state != WorkshopState.DRAFT and participant is not None


def can_participate(user, workshop: Workshop, participant: Participant | None) -> bool:
    """Post ideas, react, raise a hand: a present (not removed) participant of a live workshop,
    with an active account (``participant.user`` when loaded with it: read now)."""
    account = participant.user if participant is not None else user
    return (
        participant is not None
        and bool(account and account.is_active)
        and participant.removed_at is None
        and workshop.state == WorkshopState.LIVE
    )


def can_create_workshop(user) -> bool:
    """Facilitators of the Codev (role group ``facilitators``), staff and administrators."""
    if not is_signed_in(user):
        return False
    return bool(user.is_staff or user.is_facilitator)


def can_edit_workshop(user, workshop: Workshop) -> bool:
    """A facilitator of this workshop, or staff."""
    if not is_signed_in(user):
        return False
    return bool(user.is_staff or is_workshop_facilitator(user, workshop))
