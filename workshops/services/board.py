"""The wall of ideas: posting, spotlight, lock, hide, merge, reactions."""

from __future__ import annotations

import contextlib

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from project.errors import DomainError, PermissionDeniedError
from proposals.models import Proposal
from proposals.services import proposal_create, proposal_hide, proposal_merge
from realtime import conf as realtime_conf
from realtime.broadcast import broadcast_on_commit
from workshops import events, grouping, rules
from workshops.models import (
    Reaction,
    ReactionKind,
    Workshop,
    WorkshopState,
)
from workshops.services.rights import locked_workshop, require_facilitator, room_rights


def _idea_of(workshop: Workshop, proposal_id) -> object:

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
    # The counter of this minute usually exists: increment first, create it only when not
    # (one Redis round trip fewer an idea than adding it first).
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1 if cache.add(key, 1, timeout=120) else cache.incr(key)
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
    workshop, participant, facilitator = room_rights(workshop, user)
    if not facilitator and not rules.can_participate(user, workshop, participant):
        raise PermissionDeniedError(
            "forbidden", _("Rejoignez l'atelier en cours pour proposer une idée.")
        )
    if client_key:
        # The key as proposal_create keeps it (stripped), which then does not look again.
        existing = Proposal.objects.filter(author=user, client_key=client_key.strip()[:64]).first()
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
    elif not workshop.axes.filter(pk=axis.pk).exists() and workshop.axes.exists():
        # (the axis of the room first: one query when it is, the usual case)
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
                client_key_checked=True,  # just above
            )
            broadcast_on_commit(workshop, "proposal.created", events.idea(proposal))
    except DomainError:
        # A refused idea (too short a title…) does not count against the limit.
        _release_idea_slot(user)
        raise
    return proposal


def idea_spotlight(*, workshop: Workshop, actor, proposal_id=None):
    """Show one idea on everyone's screen (None: nothing)."""
    require_facilitator(actor, workshop)
    proposal = _idea_of(workshop, proposal_id) if proposal_id else None
    with transaction.atomic():
        locked = locked_workshop(workshop)
        locked.spotlight = proposal
        locked.save(update_fields=["spotlight"])
        broadcast_on_commit(
            locked, "spotlight.changed", {"idea": events.idea(proposal) if proposal else None}
        )
    return proposal


def board_lock(*, workshop: Workshop, actor, locked: bool) -> Workshop:
    require_facilitator(actor, workshop)
    with transaction.atomic():
        row = locked_workshop(workshop)
        row.board_locked = bool(locked)
        row.save(update_fields=["board_locked"])
        broadcast_on_commit(row, "board.locked", {"locked": row.board_locked})
    return row


def idea_hide(*, workshop: Workshop, actor, proposal_id, reason: str, request=None):

    require_facilitator(actor, workshop)
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
    require_facilitator(actor, workshop)
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
    workshop, participant, facilitator = room_rights(workshop, user)
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
