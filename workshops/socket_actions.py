"""Room socket actions of workshops.

The facilitator's commands are registered from ``workshops.commands`` (one table for the
socket and the forms); the participants' writes (an idea, a reaction, a hand) are here,
and read their arguments with the same parsers.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from project.errors import DomainError
from proposals.models import Axis
from realtime.actions import ActionContext, register
from workshops import commands
from workshops.commands.base import parse_id_arg, parse_text
from workshops.services import board, hands


def _int(data: dict, key: str, *, required: bool = True) -> int | None:
    return parse_id_arg(data.get(key), key, required=required)


def _str(data: dict, key: str, max_length: int = 5000) -> str:
    return parse_text(data.get(key), key, default="", max_length=max_length)


def _command_handler(command: commands.Command):
    def handle(ctx: ActionContext, data: dict) -> dict:
        outcome = commands.execute(
            command,
            workshop=ctx.workshop,
            actor=ctx.user,
            params=data,
            client=commands.SocketClient(ctx.scope),
        )
        return outcome.ack()

    return handle


for _command in commands.COMMANDS.values():
    if _command.socket:
        register(_command.name)(_command_handler(_command))


@register("proposal.create")
def proposal_create(ctx: ActionContext, data: dict) -> dict:
    axis_id = _int(data, "axis", required=False)
    axis = Axis.objects.filter(pk=axis_id).first() if axis_id else None
    if axis_id and axis is None:
        raise DomainError("invalid_axis", _("Choisissez un axe dans la liste."), field="axis")
    proposal = board.idea_post(
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
    return board.reaction_toggle(
        workshop=ctx.workshop,
        user=ctx.user,
        proposal_id=_int(data, "id"),
        kind=_str(data, "kind", 20),
    )


@register("hand.raise")
def hand_raise(ctx: ActionContext, data: dict) -> dict:
    hand = hands.hand_raise(workshop=ctx.workshop, user=ctx.user)
    return {"id": hand.pk}


@register("hand.lower")
def hand_lower(ctx: ActionContext, data: dict) -> dict:
    hands.hand_lower(workshop=ctx.workshop, user=ctx.user)
    return {}
