"""Template hooks the workshop room and projector view use to show votes, and small filters.

``{% room_vote_panel workshop %}`` renders, in the room, the ballot of each
open vote (or its results when already voted and shown live) and the
results of the last finished vote once revealed; ``{% projector_vote_panel
workshop %}`` the live turnout and the revealed results for the projector.
Both render an empty container when the workshop has no vote to show;
``static/js/ballot.js`` refreshes the container from ``votes:room_panel`` /
``votes:projector_panel`` when a vote opens, closes or is revealed, and
updates turnout and results from the coalesced ``vote.tally`` frames.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from project.typography import percent as with_sign
from votes import rules, selectors
from votes.contexts import ballot_context, results_context
from votes.models import SessionState, VoteSession

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
    try:
        return with_sign(number_format(float(value) * 100, 0))
    except (TypeError, ValueError):
        return ""


def _panel_sessions(workshop, *, drafts: bool = False) -> list:
    """Open sessions, the last finished one, and (for facilitators) the drafts ready to open."""
    sessions = list(VoteSession.objects.for_workshop(workshop).current()[:PANEL_LIMIT])
    open_ones = [s for s in sessions if s.state == SessionState.OPEN]
    finished = [s for s in sessions if s.state != SessionState.OPEN][:1]
    waiting = (
        list(
            VoteSession.objects.for_workshop(workshop)
            .filter(state=SessionState.DRAFT)
            .order_by("-created_at")[:PANEL_LIMIT]
        )
        if drafts
        else []
    )
    return open_ones + waiting + finished


def _slot(html: str, url: str, *, refresh: str, inner: bool) -> str:
    """The panel inside the container that ballot.js refreshes (nothing visible when empty)."""
    if inner:
        return html
    # The assets come with the slot, so a room without a vote yet still follows the next one.
    return format_html(
        '<link rel="stylesheet" href="{}"><script type="module" src="{}"></script>'
        '<div class="vote-slot" data-vote-panel="{}" data-vote-refresh="{}">{}</div>',
        static("css/votes.css"),
        static("js/ballot.js"),
        url,
        refresh,
        mark_safe(html),  # noqa: S308 - rendered by our templates, autoescaped
    )


@register.simple_tag(takes_context=True)
def room_vote_panel(context, workshop, inner: bool = False) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    is_facilitator = rules.is_workshop_facilitator(user, workshop)
    blocks = []
    for session in _panel_sessions(workshop, drafts=is_facilitator):
        session.workshop = workshop
        item: dict[str, Any] = {
            "session": session,
            "turnout": selectors.turnout(session),
            "can_manage": rules.can_manage(user, session),
        }
        if session.accepts_ballots() and rules.can_vote(user, session):
            item.update(ballot_context(request, session))
            item["can_vote"] = True
        if rules.can_see_results(user, session):
            item.update(results_context(session, chart_prefix=f"room-{session.pk}"))
        blocks.append(item)
    html = ""
    if blocks or is_facilitator:
        next_url = request.get_full_path() if request else ""
        if next_url.startswith("/votes/atelier/"):  # refreshed by ballot.js: back to the room
            next_url = workshop.get_absolute_url()
        html = render_to_string(
            "votes/room_panel.html",
            {
                "blocks": blocks,
                "next": next_url,
                "workshop": workshop,
                "is_facilitator": is_facilitator,
                "any_open": any(b["session"].state == "open" for b in blocks),
            },
            request=request,
        )
    return _slot(
        html, reverse("votes:room_panel", args=[workshop.slug]), refresh="state", inner=inner
    )


@register.filter
def percent_of(part: Any, whole: Any) -> float:
    """``voted|percent_of:eligible``: 0–100, for a bar's width (0 when the whole is unknown)."""
    try:
        return round(min(100.0, 100 * float(part) / float(whole)), 2) if whole else 0.0
    except (TypeError, ValueError):
        return 0.0


@register.simple_tag(takes_context=True)
def projector_vote_panel(context, workshop, inner: bool = False) -> str:
    """The stage's vote screen: the open vote, else the last finished one (one at a time)."""
    request = context.get("request")
    sessions = _panel_sessions(workshop)[:1]
    blocks = []
    for session in sessions:
        session.workshop = workshop
        item: dict[str, Any] = {"session": session, "turnout": selectors.turnout(session)}
        # The projector shows what the room may see, never the facilitator's preview.
        if rules.results_revealed(session):
            item.update(results_context(session, chart_prefix=f"proj-{session.pk}"))
        else:
            item["options"] = list(session.options.order_by("order", "id").values("label"))
        blocks.append(item)
    html = (
        render_to_string(
            "votes/projector_panel.html",
            {"blocks": blocks, "grades": selectors.grade_choices()},
            request=request,
        )
        if blocks
        else ""
    )
    return _slot(
        html, reverse("votes:projector_panel", args=[workshop.slug]), refresh="tally", inner=inner
    )
