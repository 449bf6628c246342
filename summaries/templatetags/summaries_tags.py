"""Filters the summary templates use on the JSON snapshot (ISO dates, codes → labels)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import mark_safe

from decisions.models import ActionStatus, RecommendationStatus
from summaries.models import DecisionSummary, Scope
from summaries.presentation import college_label as _college_label
from summaries.rules import can_edit_summaries
from summaries.services import SUMMARISABLE_WORKSHOP_STATES
from votes.models import Method

register = template.Library()


@register.filter
def isodate(value: str | None) -> datetime | date | None:
    """An ISO date or date-time from the snapshot, as an object for ``|date``."""
    if not value:
        return None
    if isinstance(value, date | datetime):
        return value
    return parse_datetime(value) or parse_date(value)


@register.filter
def college_label(code: str) -> str:
    return _college_label(code)


@register.filter
def get_item(mapping: dict, key: str):
    return (mapping or {}).get(key)


@register.filter
def percent(part: int, whole: int) -> str:
    """``part`` as a share of ``whole`` (counts of the snapshot); « – » of nothing."""
    if not whole:
        return "–"
    return f"{round(100 * part / whole)} %"


@register.filter
def css_string(value) -> str:
    """Text for a CSS string inside <style> (PDF page headers): CSS escapes, no HTML entities."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '"\\<>&\n\r' else ch for ch in str(value or ""))
    return mark_safe(escaped)  # noqa: S308 — every character that could end the string or the tag is escaped


@register.inclusion_tag("summaries/_workshop_summary.html", takes_context=True)
def workshop_summary(context, workshop) -> dict:
    """For a workshop page: its published summary, or (editors) the one-click draft button.

    ``{% load summaries_tags %}{% workshop_summary workshop %}`` — one query once the
    workshop is closed, none before.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if workshop.state not in SUMMARISABLE_WORKSHOP_STATES:
        # A workshop still running has no summary: no query on the live room page.
        return {"workshop": workshop, "summary": None, "can_edit": False}
    summary = (
        DecisionSummary.objects.filter(workshop=workshop, scope=Scope.WORKSHOP)
        .select_related("current_version")
        .first()
    )
    return {
        "workshop": workshop,
        "summary": summary,
        "can_edit": can_edit_summaries(user),
        "can_generate": workshop.state in SUMMARISABLE_WORKSHOP_STATES,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def choice_label(code: str, kind: str) -> str:
    """The label of a status code in the reader's language (the snapshot keeps the code).

    ``kind``: "action", "recommendation", "vote_method" or "college" (votes merge small
    colleges into "others"). A code the app no longer knows (an old snapshot) reads as it was
    stored; an unknown ``kind`` is a template error (KeyError).
    """
    if kind == "college":
        return college_label(code)
    choices = {
        "action": ActionStatus.choices,
        "recommendation": RecommendationStatus.choices,
        "vote_method": Method.choices,
    }[kind]
    return str(dict(choices).get(code, code))
