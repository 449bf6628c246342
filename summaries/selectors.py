"""Reads of summaries as a visitor may see them: the lookups that answer 404 (views and API)."""

from __future__ import annotations

from django.http import Http404

from summaries.models import DecisionSummary, SummaryVersion


def get_summary_for_user(user, slug: str) -> DecisionSummary:
    """The summary if the user may see it (published, or an editor): 404 otherwise.

    A draft is answered by a 404 for the public, not a 403: its existence is not public.
    """
    summary = (
        DecisionSummary.objects.visible_to(user)
        .select_related("workshop", "axis", "current_version")
        .filter(slug=slug)
        .first()
    )
    if summary is None:
        raise Http404("summary")
    return summary


def get_version_for_user(user, slug: str, number: int | None = None) -> SummaryVersion:
    """A published version (the latest when ``number`` is None): public once published."""
    versions = SummaryVersion.objects.select_related("summary").filter(summary__slug=slug)
    version = (
        versions.filter(number=number).first()
        if number is not None
        else versions.latest_first().first()
    )
    if version is None:
        raise Http404("version")
    return version
