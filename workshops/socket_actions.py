"""Room socket actions of workshops: each calls the same service as the HTTP form."""

from __future__ import annotations

from django.utils.translation import gettext as _

from project.errors import DomainError
from realtime.actions import ActionContext, register
from workshops import events, grouping, services
from workshops.models import Participant, Phase


def _int(data: dict, key: str, *, required: bool = True) -> int | None:
    value = data.get(key)
    if value in (None, "") and not required:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(
            "invalid", _("Donnée manquante ou invalide : %(key)s.") % {"key": key}, field=key
        ) from None


def _str(data: dict, key: str, max_length: int = 5000) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise DomainError("invalid", _("Donnée invalide : %(key)s.") % {"key": key}, field=key)
    return value[:max_length]


@register("proposal.create")
def proposal_create(ctx: ActionContext, data: dict) -> dict:
    from proposals.models import Axis

    axis_id = _int(data, "axis", required=False)
    axis = Axis.objects.filter(pk=axis_id).first() if axis_id else None
    if axis_id and axis is None:
        raise DomainError("invalid_axis", _("Choisissez un axe dans la liste."), field="axis")
    proposal = services.idea_post(
        workshop=ctx.workshop,
        user=ctx.user,
        axis=axis,
        title=_str(data, "title", 300),
        body=_str(data, "body"),
        client_key=ctx.client_key,
    )
    return {"id": proposal.pk}


@register("reaction.toggle")
def reaction_toggle(ctx: ActionContext, data: dict) -> dict:
    return services.reaction_toggle(
        workshop=ctx.workshop,
        user=ctx.user,
        proposal_id=_int(data, "id"),
        kind=_str(data, "kind", 20),
    )


@register("hand.raise")
def hand_raise(ctx: ActionContext, data: dict) -> dict:
    hand = services.hand_raise(workshop=ctx.workshop, user=ctx.user)
    return {"id": hand.pk}


@register("hand.lower")
def hand_lower(ctx: ActionContext, data: dict) -> dict:
    services.hand_lower(workshop=ctx.workshop, user=ctx.user)
    return {}


@register("hand.take")
def hand_take(ctx: ActionContext, data: dict) -> dict:
    hand = services.hand_take(
        workshop=ctx.workshop, actor=ctx.user, hand_id=_int(data, "id", required=False)
    )
    return {"id": hand.pk if hand else None}


@register("workshop.state")
def workshop_state(ctx: ActionContext, data: dict) -> dict:
    workshop = services.workshop_state_change(
        workshop=ctx.workshop, actor=ctx.user, to=_str(data, "to", 20)
    )
    return events.state(workshop)


def _phase(ctx: ActionContext, data: dict) -> Phase:
    phase = Phase.objects.filter(pk=_int(data, "id"), workshop=ctx.workshop).first()
    if phase is None:
        raise DomainError("not_found", _("Cette phase n'est pas dans cet atelier."))
    return phase


@register("phase.start")
def phase_start(ctx: ActionContext, data: dict) -> dict:
    phase = services.phase_start(workshop=ctx.workshop, actor=ctx.user, phase=_phase(ctx, data))
    return {"id": phase.pk}


@register("phase.next")
def phase_next(ctx: ActionContext, data: dict) -> dict:
    phase = services.phase_next(workshop=ctx.workshop, actor=ctx.user)
    return {"id": phase.pk}


@register("timer.start")
def timer_start(ctx: ActionContext, data: dict) -> dict:
    return events.timer(services.timer_start(workshop=ctx.workshop, actor=ctx.user))


@register("timer.pause")
def timer_pause(ctx: ActionContext, data: dict) -> dict:
    return events.timer(services.timer_pause(workshop=ctx.workshop, actor=ctx.user))


@register("timer.extend")
def timer_extend(ctx: ActionContext, data: dict) -> dict:
    return events.timer(
        services.timer_extend(workshop=ctx.workshop, actor=ctx.user, minutes=_int(data, "minutes"))
    )


@register("idea.spotlight")
def idea_spotlight(ctx: ActionContext, data: dict) -> dict:
    proposal = services.idea_spotlight(
        workshop=ctx.workshop, actor=ctx.user, proposal_id=_int(data, "id", required=False)
    )
    return {"id": proposal.pk if proposal else None}


@register("board.lock")
def board_lock(ctx: ActionContext, data: dict) -> dict:
    workshop = services.board_lock(
        workshop=ctx.workshop, actor=ctx.user, locked=data.get("locked") in (True, 1, "1", "true")
    )
    return {"locked": workshop.board_locked}


@register("idea.hide")
def idea_hide(ctx: ActionContext, data: dict) -> dict:
    proposal = services.idea_hide(
        workshop=ctx.workshop,
        actor=ctx.user,
        proposal_id=_int(data, "id"),
        reason=_str(data, "reason", 1000),
    )
    return {"id": proposal.pk}


@register("idea.merge")
def idea_merge(ctx: ActionContext, data: dict) -> dict:
    target = services.idea_merge(
        workshop=ctx.workshop,
        actor=ctx.user,
        source_id=_int(data, "source"),
        target_id=_int(data, "target"),
    )
    return {"id": target.pk}


@register("participant.remove")
def participant_remove(ctx: ActionContext, data: dict) -> dict:
    participant = (
        Participant.objects.filter(pk=_int(data, "id"), workshop=ctx.workshop)
        .select_related("user")
        .first()
    )
    if participant is None:
        raise DomainError("not_found", _("Cette personne ne participe pas à cet atelier."))
    services.participant_remove(
        workshop=ctx.workshop,
        actor=ctx.user,
        participant=participant,
        reason=_str(data, "reason", 500),
    )
    return {"id": participant.pk}


# --- grouping the ideas of the wall (workshops.grouping) ---------------------------------------


@register("group.create")
def group_create(ctx: ActionContext, data: dict) -> dict:
    # A list, or ids separated by commas (a suggested group's form: « Accepter », « Modifier »).
    group = grouping.idea_group_create(
        workshop=ctx.workshop,
        actor=ctx.user,
        name=_str(data, "name", 500),
        idea_ids=grouping.idea_ids_from(data.get("ideas")),
    )
    return {"id": group.pk}


@register("group.rename")
def group_rename(ctx: ActionContext, data: dict) -> dict:
    group = grouping.idea_group_rename(
        workshop=ctx.workshop,
        actor=ctx.user,
        group_id=_int(data, "id"),
        name=_str(data, "name", 500),
    )
    return {"id": group.pk, "name": group.name}


@register("group.move_idea")
def group_move_idea(ctx: ActionContext, data: dict) -> dict:
    group = grouping.idea_group_move_idea(
        workshop=ctx.workshop,
        actor=ctx.user,
        idea_id=_int(data, "idea"),
        group_id=_int(data, "group", required=False),
    )
    return {"group": group.pk if group else None}


@register("group.merge")
def group_merge(ctx: ActionContext, data: dict) -> dict:
    target = grouping.idea_group_merge(
        workshop=ctx.workshop,
        actor=ctx.user,
        source_id=_int(data, "source"),
        target_id=_int(data, "target"),
    )
    return {"id": target.pk}


@register("group.dissolve")
def group_dissolve(ctx: ActionContext, data: dict) -> dict:
    grouping.idea_group_dissolve(workshop=ctx.workshop, actor=ctx.user, group_id=_int(data, "id"))
    return {}


@register("group.reorder")
def group_reorder(ctx: ActionContext, data: dict) -> dict:
    group = grouping.idea_group_reorder(
        workshop=ctx.workshop,
        actor=ctx.user,
        group_id=_int(data, "id"),
        position=_int(data, "position"),
    )
    return {"id": group.pk, "position": group.position}


# --- the run sheet (workshops.steps): the console's « Étape suivante » and the stage's → / ← --


@register("step.next")
def step_next(ctx: ActionContext, data: dict) -> dict:
    from workshops import steps

    return steps.step_next(workshop=ctx.workshop, actor=ctx.user).as_dict()


@register("step.previous")
def step_previous(ctx: ActionContext, data: dict) -> dict:
    from workshops import steps

    return steps.step_previous(workshop=ctx.workshop, actor=ctx.user).as_dict()
