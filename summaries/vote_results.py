"""Vote results for summaries and open data, read through the votes app.

The votes app computes results (``votes.selectors.results_compute``, a few
``GROUP BY`` queries per session whatever the number of ballots) and draws
them (``votes.charts.results_svg``); this module only picks the finished
sessions and flattens the result. Only aggregates come out of here: counts
per option and voters per college (small colleges merged into « autres »
by the votes app), never a ballot or a voter.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from votes.charts import results_svg
from votes.models import Method
from votes.selectors import finished_sessions_public, results_compute


def _score(method: str, option: dict[str, Any]) -> str:
    if method == Method.MAJORITY_JUDGMENT:
        return str(option["majority_grade_label"])
    count = option["count"]
    if method in (Method.SUPPORT, Method.POLL):
        return f"{count} ({round(100 * option['share'])} %)"
    return str(count)


def _session_result(session, *, with_chart: bool) -> dict:
    results = results_compute(session).as_dict()
    method = results["method"]
    if method == Method.OPEN_QUESTION:
        rows = [
            {"rank": i, "label": w["word"], "score": str(w["count"])}
            for i, w in enumerate(results["words"], start=1)
        ]
    else:
        rows = [
            {"rank": o["rank"], "label": o["label"], "score": _score(method, o)}
            for o in results["options"]
        ]
    closed = session.closed_at
    data = {
        "id": session.pk,
        "title": session.title,
        "workshop": session.workshop.slug if session.workshop_id else "",
        "method": method,
        "method_label": str(session.get_method_display()),
        "closed_on": timezone.localtime(closed).date().isoformat() if closed else None,
        "voters": results["ballots"],
        "results": rows,
        "by_college": [
            {"code": g["college"], "label": str(g["label"]), "voters": g["voters"]}
            for g in results["by_college"]
        ],
    }
    if with_chart:
        # The votes app's own SVG, frozen with the figures when the summary is published.
        data["chart_svg"] = str(results_svg(results, chart_id=f"vote-{session.pk}"))
    return data


def results_for_workshops(
    workshops: QuerySet | None, *, board: Q | None = None, with_chart: bool = True
) -> list[dict]:
    """Finished vote sessions of these workshops (all sessions when None), with their results.

    Only sessions whose results anyone may read (``votes.selectors.finished_sessions_public``):
    a private or draft workshop's votes and votes not yet revealed (« à la clôture », closed
    but not revealed) never come out, even when ``workshops`` names them. ``board`` also
    takes in the board sessions (outside workshops) it matches.
    """
    sessions = finished_sessions_public()
    if workshops is not None:
        wanted = Q(workshop__in=workshops)
        if board is not None:
            wanted |= Q(workshop__isnull=True) & board
        sessions = sessions.filter(wanted)
    return [_session_result(s, with_chart=with_chart) for s in sessions]


def open_data_rows():
    """Rows of the « resultats-votes » dataset: one per option of each finished session
    whose results are public.

    Open questions are left out: their words are free text typed by people.
    """
    for session in results_for_workshops(None, with_chart=False):
        if session["method"] == Method.OPEN_QUESTION:
            continue
        by_college = "; ".join(f"{c['code']}={c['voters']}" for c in session["by_college"])
        for row in session["results"]:
            yield (
                session["id"],
                session["title"],
                session["workshop"],
                session["method"],
                session["closed_on"],
                row["label"],
                row["rank"],
                row["score"],
                session["voters"],
                by_college,
            )
