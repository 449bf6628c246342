"""Template hooks the workshop room and projector view use to show votes, and small filters.

``{% room_vote_panel workshop %}`` renders, in the room, the ballot of each
open vote (or its results when already voted and shown live) and the
results of the last finished vote once revealed; ``{% projector_vote_panel
workshop %}`` the live turnout and the revealed results for the projector.
Both render nothing when the workshop has no vote to show. The socket
(``vote.tally`` frames) then updates the turnout and results in place.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

register = template.Library()

# Sessions shown in a room: the open ones and the last finished one.
PANEL_LIMIT = 3


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping|get_item:key`` for dicts keyed by str or int, and lists by index."""
    if mapping is None:
        return None
    if isinstance(mapping, list | tuple):
        try:
            return mapping[int(key)]
        except (ValueError, IndexError):
            return None
    if key in mapping:
        return mapping[key]
    return mapping.get(str(key))


@register.filter
def percent(value: float) -> str:
    from django.utils.formats import number_format

    try:
        return f"{number_format(float(value) * 100, 0)} %"
    except (TypeError, ValueError):
        return ""


def _panel_sessions(workshop) -> list:
    from votes.models import SessionState, VoteSession

    sessions = list(VoteSession.objects.for_workshop(workshop).current()[:PANEL_LIMIT])
    open_ones = [s for s in sessions if s.state == SessionState.OPEN]
    finished = [s for s in sessions if s.state != SessionState.OPEN][:1]
    return open_ones + finished


@register.simple_tag(takes_context=True)
def room_vote_panel(context, workshop) -> str:
    from votes import rules, selectors, views

    request = context.get("request")
    user = getattr(request, "user", None)
    blocks = []
    for session in _panel_sessions(workshop):
        session.workshop = workshop
        item: dict[str, Any] = {
            "session": session,
            "turnout": selectors.turnout(session),
            "can_manage": rules.can_manage(user, session),
        }
        if session.accepts_ballots() and rules.can_vote(user, session):
            item.update(views.ballot_context(request, session))
            item["can_vote"] = True
        if rules.can_see_results(user, session):
            item.update(views.results_context(session, chart_prefix=f"room-{session.pk}"))
        blocks.append(item)
    if not blocks:
        return ""
    return render_to_string(
        "votes/room_panel.html",
        {"blocks": blocks, "next": request.get_full_path() if request else ""},
        request=request,
    )


@register.simple_tag(takes_context=True)
def projector_vote_panel(context, workshop) -> str:
    from votes import rules, selectors, views

    request = context.get("request")
    blocks = []
    for session in _panel_sessions(workshop):
        session.workshop = workshop
        item: dict[str, Any] = {"session": session, "turnout": selectors.turnout(session)}
        # The projector shows what the room may see, never the facilitator's preview.
        if rules.results_revealed(session):
            item.update(views.results_context(session, chart_prefix=f"proj-{session.pk}"))
        blocks.append(item)
    if not blocks:
        return ""
    return render_to_string("votes/projector_panel.html", {"blocks": blocks}, request=request)
