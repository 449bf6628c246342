"""Published summaries over the API: the same versions the page shows, figures included."""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from project.ids import Id
from summaries.models import DecisionSummary, SummaryVersion
from summaries.selectors import get_version_for_user

router = Router(tags=["syntheses"])


class SummaryOut(Schema):
    slug: str
    title: str
    version: int
    published_at: datetime
    url: str
    pdf_url: str


class VersionOut(Schema):
    slug: str
    number: int
    title: str
    published_at: datetime
    change_note: str
    intro_html: str
    sections: list[dict]
    data: dict


def _summary_out(summary: DecisionSummary) -> dict:
    version = summary.current_version
    url = summary.get_absolute_url()
    return {
        "slug": summary.slug,
        "title": version.title,
        "version": version.number,
        "published_at": version.published_at,
        "url": url,
        "pdf_url": url.rstrip("/") + ".pdf",
    }


@router.get("/summaries", response=list[SummaryOut], url_name="summaries")
def list_summaries(request):
    """Published summaries, newest first (one query)."""
    summaries = (
        DecisionSummary.objects.published()
        .select_related("current_version")
        .order_by("-current_version__published_at")
    )
    return [_summary_out(s) for s in summaries]


def _version_out(version: SummaryVersion) -> dict:
    return {
        "slug": version.summary.slug,
        "number": version.number,
        "title": version.title,
        "published_at": version.published_at,
        "change_note": version.change_note,
        "intro_html": version.intro_html,
        # The editor's Markdown source is not published, only its sanitised HTML.
        "sections": [
            {"key": s["key"], "shown": s.get("shown", True), "note_html": s.get("note_html", "")}
            for s in version.sections
        ],
        "data": version.data,
    }


@router.get("/summaries/{slug}", response=VersionOut, url_name="summary")
def get_summary(request, slug: str):
    """The latest published version, with its frozen figures."""
    return _version_out(get_version_for_user(request.user, slug))


@router.get("/summaries/{slug}/versions/{number}", response=VersionOut, url_name="summary_version")
def get_summary_version(request, slug: str, number: Id):
    get_object_or_404(DecisionSummary.objects.published(), slug=slug)
    return _version_out(get_version_for_user(request.user, slug, number))
