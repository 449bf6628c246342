"""What the vote templates show of a session: its ballot form and its results with charts.

Used by the vote pages (``votes.views``) and by the panels the room and the stage embed
(``votes.templatetags.votes_tags``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from votes import charts, live, rules, selectors
from votes.forms import BallotForm
from votes.models import ANSWER_MAX_LENGTH, VoteSession


def results_context(session: VoteSession, *, chart_prefix: str = "vote") -> dict[str, Any]:
    """Results with their SVG charts, overall and by college (aggregates only)."""
    results = live.results_shown(session)  # open: the live tally as last shown
    colleges = [
        {**group, "svg": charts.results_svg({**results, **group}, chart_id=f"{chart_prefix}-c{i}")}
        for i, group in enumerate(results["by_college"])
    ]
    return {
        "results": results,
        "results_svg": charts.results_svg(results, chart_id=f"{chart_prefix}-all"),
        "colleges": colleges,
        "grades": selectors.grade_choices(),
        # The same results as HTML rows (the stage; the room on a phone, where the chart's
        # text would be too small).
        "rows": charts.result_rows(results),
        "cloud": charts.cloud_order(results["words"]),
    }


def ballot_context(
    request: HttpRequest, session: VoteSession, form: BallotForm | None = None
) -> dict:
    user = request.user
    own = selectors.own_ballot(session, user) if rules.can_vote(user, session) else None
    form = form or BallotForm(session, initial=own)
    return {
        "session": session,
        "options": list(
            session.options.order_by("order", "id").values(
                "id", "label", "proposal_id", "description"
            )
        ),
        "form": form,
        "values": form.values(),
        "has_voted": own is not None,
        "can_vote": rules.can_vote(user, session) and session.accepts_ballots(),
        "grades": selectors.grade_choices(),
        "answer_max": ANSWER_MAX_LENGTH,
        "dot_range": range(0, session.dot_cap + 1),
    }
