"""Recommendations: create, edit, and move along draft → adopted → published → withdrawn."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from decisions import follows
from decisions.models import (
    RECOMMENDATION_TRANSITIONS,
    NotificationKind,
    Recommendation,
    RecommendationStatus,
)
from decisions.rules import require_editor
from decisions.services.cleaning import bounded_line, long_text, require_text
from decisions.services.history import apply_fields, record_history
from decisions.services.notifications import notify_sources
from decisions.services.source_links import (
    recommendation_source_add,
    recommendation_vote_source_add,
)
from project.errors import DomainError
from project.sanitizer import markdown_to_html
from project.translated import bilingual

RECOMMENDATION_FIELDS = ("title", "title_en", "body", "rationale", "axis")


@transaction.atomic
def recommendation_create(
    *,
    actor,
    title: str,
    axis,
    title_en: str = "",
    body: str = "",
    rationale: str = "",
    proposals: list | tuple = (),
    note: str = "",
    vote_session=None,
    request=None,
) -> Recommendation:
    """A draft recommendation, with the given proposals (and vote session) as its sources."""
    require_editor(actor)
    title = require_text(title, "title", _("Indiquez un titre."))
    title_en = bounded_line(title_en, "title_en", max_length=200)
    body = long_text(body, "body")
    rationale = long_text(rationale, "rationale")
    note = long_text(note, "note", max_length=2000)
    if axis is None:
        raise DomainError("required", _("Choisissez un axe ou un thème transversal."), field="axis")
    recommendation = Recommendation.objects.create(
        **bilingual(Recommendation, {"title": title, "title_en": title_en}),
        body=body or "",
        body_html=markdown_to_html(body or ""),
        rationale=rationale or "",
        rationale_html=markdown_to_html(rationale or ""),
        axis=axis,
        created_by=actor,
    )
    record_history(actor=actor, verb="created", recommendation=recommendation)
    for proposal in proposals:
        recommendation_source_add(
            recommendation=recommendation, proposal=proposal, actor=actor, note=note
        )
    if vote_session is not None:
        recommendation_vote_source_add(
            recommendation=recommendation, session=vote_session, actor=actor, note=note
        )
    return recommendation


@transaction.atomic
def recommendation_update(*, recommendation: Recommendation, actor, **values) -> Recommendation:
    require_editor(actor)
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if "title" in values:
        values["title"] = require_text(values["title"], "title", _("Indiquez un titre."))
    if "title_en" in values:
        values["title_en"] = bounded_line(values["title_en"], "title_en", max_length=200)
    for name in ("body", "rationale"):
        if name in values:
            values[name] = long_text(values[name], name)
    if "axis" in values and values["axis"] is None:
        raise DomainError("required", _("Choisissez un axe ou un thème transversal."), field="axis")
    changes = apply_fields(recommendation, RECOMMENDATION_FIELDS, values)
    if not changes:
        return recommendation
    recommendation.body_html = markdown_to_html(recommendation.body)
    recommendation.rationale_html = markdown_to_html(recommendation.rationale)
    recommendation.save()
    # The Markdown itself can be long: the history says which fields changed, not their text.
    for long_field in ("body", "rationale"):
        if long_field in changes:
            changes[long_field] = ["…", "…"]
    record_history(actor=actor, verb="updated", changes=changes, recommendation=recommendation)
    return recommendation


def _check_transition(old: str, new_status: str) -> None:
    if new_status not in RECOMMENDATION_TRANSITIONS[old]:
        raise DomainError(
            "invalid_transition",
            _("Une recommandation « %(old)s » ne peut pas passer à « %(new)s ».")
            % {
                "old": RecommendationStatus(old).label,
                "new": RecommendationStatus(new_status).label,
            },
            field="status",
        )


def _stamp_status(recommendation: Recommendation, new_status: str) -> bool:
    """Set the status and its date (adopted, first published); True on a first publication."""
    now = timezone.now()
    first_publication = False
    recommendation.status = new_status
    if new_status == RecommendationStatus.ADOPTED and not recommendation.adopted_at:
        recommendation.adopted_at = now
    if new_status == RecommendationStatus.PUBLISHED:
        first_publication = recommendation.published_at is None
        recommendation.published_at = recommendation.published_at or now
    recommendation.save()
    return first_publication


def _announce_publication(recommendation: Recommendation, actor) -> None:
    """Tell the contributors of its sources, then those who follow its axis."""
    notify_sources(
        recommendation=recommendation,
        proposal_ids=list(recommendation.sources.values_list("proposal_id", flat=True)),
        kind=NotificationKind.RECOMMENDATION,
    )
    follows.notify_recommendation_published(recommendation=recommendation, actor=actor)


@transaction.atomic
def recommendation_status_change(
    *, recommendation: Recommendation, actor, new_status: str, note: str = "", request=None
) -> Recommendation:
    """Move along draft → adopted → published → withdrawn; publishing is audited and announced."""
    require_editor(actor)
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    old = recommendation.status
    if new_status not in RecommendationStatus.values:
        raise DomainError("invalid_status", _("Statut inconnu."), field="status")
    note = long_text(note, "note", max_length=2000)
    if new_status == old:
        return recommendation
    _check_transition(old, new_status)
    first_publication = _stamp_status(recommendation, new_status)
    record_history(
        actor=actor,
        verb="status_changed",
        changes={"status": [old, new_status]},
        note=note,
        recommendation=recommendation,
    )
    if new_status in (RecommendationStatus.PUBLISHED, RecommendationStatus.WITHDRAWN):
        audit_record(
            actor=actor,
            action=f"recommendation.{new_status}",
            target=recommendation,
            data={"old_status": old, "note": note},
            request=request,
        )
    if new_status == RecommendationStatus.PUBLISHED and first_publication:
        _announce_publication(recommendation, actor)
    return recommendation
