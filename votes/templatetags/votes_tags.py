"""Template hooks the workshop room and projector view use to show votes.

``{% room_vote_panel workshop %}`` renders the open ballot (or the results)
in the room; ``{% projector_vote_panel workshop %}`` the live turnout and
results on the projector. The votes app fills them in; until a vote is
open they render nothing.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def room_vote_panel(context, workshop) -> str:
    return ""


@register.simple_tag(takes_context=True)
def projector_vote_panel(context, workshop) -> str:
    return ""
