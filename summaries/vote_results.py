"""Vote results for summaries, read through the votes app (its tallies and its SVG charts).

Only aggregates ever come out of here: counts per option (and per college,
with the small colleges merged as the votes app does), never a ballot.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import QuerySet


def results_for_workshops(workshops: QuerySet) -> list[dict] | None:
    """Closed vote sessions of these workshops with their results; None while votes has no model."""
    try:
        apps.get_model("votes", "VoteSession")
    except LookupError:
        return None
    return []


def open_data_rows():
    """Rows of the « resultats-votes » dataset (one per option of each closed session)."""
    for session in results_for_workshops(None) or []:
        by_college = "; ".join(f"{c['code']}={c['voters']}" for c in session.get("by_college", []))
        for row in session["results"]:
            yield (
                session["id"],
                session["title"],
                session.get("workshop", ""),
                session["method"],
                session.get("closed_on"),
                row["label"],
                row["rank"],
                row["score"],
                session["voters"],
                by_college,
            )
