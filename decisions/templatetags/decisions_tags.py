"""Template tags other apps use to show decisions: the forward trace of a proposal
("what became of this idea") and an axis's recommendations, actions and indicators."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from decisions import selectors, trace
from decisions.follows import follow_kind, is_following
from decisions.models import ActionStatus, RecommendationStatus
from decisions.rules import can_edit_decisions
from decisions.sources import kind_of

register = template.Library()

# Colours of the colleges in charts (contrast ≥ 3:1 against white, distinguishable in greyscale order).
COLLEGE_COLOURS = ["#0b4f6c", "#c2410c", "#5b3f99", "#1e6b34", "#5c5c5c"]  # … « Autres »

VERBS = {
    "created": _("création"),
    "updated": _("modification"),
    "status_changed": _("changement de statut"),
    "source_added": _("proposition source ajoutée"),
    "source_removed": _("proposition source retirée"),
    "vote_added": _("vote ajouté à l'appui"),
    "vote_removed": _("vote retiré"),
    "group_added": _("groupe d'idées ajouté"),
    "statement_added": _("affirmation d'une carte des opinions ajoutée"),
    "reported": _("point d'étape publié"),
    "measured": _("mesure enregistrée"),
    "measurement_deleted": _("mesure supprimée"),
}


@register.filter
def history_verb(entry) -> str:
    return str(VERBS.get(entry.verb, entry.verb))


def _field_labels() -> dict[str, str]:
    return {
        "title": _("titre"),
        "body": _("texte"),
        "rationale": _("justification"),
        "axis": _("axe"),
        "status": _("statut"),
        "proposal": _("proposition"),
        "vote": _("vote"),
        "progress": _("avancement (%)"),
        "description": _("description"),
        "owner_kind": _("type de porteur"),
        "owner_name": _("porteur"),
        "lead_name": _("personne référente"),
        "start_date": _("début"),
        "due_date": _("échéance"),
        "budget": _("budget"),
        "indicators": _("indicateurs"),
        "name": _("nom"),
        "unit": _("unité"),
        "source": _("source"),
        "baseline_value": _("valeur de référence"),
        "baseline_date": _("date de référence"),
        "target_2030": _("cible 2030"),
        "direction": _("sens souhaité"),
        "context_note": _("éléments de comparaison"),
    }


@register.filter
def history_field(name: str) -> str:
    return _field_labels().get(name, name)


@register.filter
def history_value(value: str, field: str) -> str:
    """Status codes shown with their label."""
    if field == "status":
        for choices in (RecommendationStatus, ActionStatus):
            if value in choices.values:
                return str(choices(value).label)
    return value


@register.filter
def college_colour(index: int) -> str:
    return COLLEGE_COLOURS[int(index) % len(COLLEGE_COLOURS)]


@register.inclusion_tag("decisions/includes/forward_trace.html", takes_context=True)
def proposal_forward_trace(context, proposal) -> dict:
    """« Ce qu'est devenue cette idée » on a proposal page: 1–3 queries."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return {
        "forward": trace.proposal_forward_trace(proposal, user),
        "proposal": proposal,
        "can_edit": can_edit_decisions(user) and proposal.status != "merged",
        "user": user,
        "request": context.get("request"),
    }


@register.inclusion_tag("decisions/includes/axis_decisions.html", takes_context=True)
def axis_decisions(context, axis) -> dict:
    """An axis page's recommendations, actions and indicators: 4 queries."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return selectors.axis_decisions(axis=axis, user=user)


@register.inclusion_tag("decisions/includes/notification_badge.html", takes_context=True)
def notification_badge(context) -> dict:
    """The header link to « Mes idées » with the unread count (1 query, signed-in people only)."""
    return {"unread": context.get("unread_notifications", 0)}


def follow_context(context, target) -> dict:
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    following = is_following(user, target) if user is not None else None
    return {
        "target": target,
        "kind": follow_kind(target),
        "following": following,
        "user": user,
        "request": request,
        "next": request.get_full_path() if request is not None else target.get_absolute_url(),
    }


@register.inclusion_tag("decisions/includes/follow_button.html", takes_context=True)
def follow_button(context, target) -> dict:
    """Follow / stop following a proposal, a workshop, an axis or an action (1 query)."""
    return follow_context(context, target)


@register.inclusion_tag("decisions/includes/to_recommendation.html", takes_context=True)
def recommend_from(context, source, compact=False) -> dict:
    """« Faire de ce résultat une recommandation » where a result is read: a finished vote,
    a group of ideas, a proposal. Only for Codev editors (the service checks it again). No
    query: the permission is on the user, the source is already loaded."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    kind = kind_of(source)
    shown = can_edit_decisions(user)
    if kind == "vote":
        shown = shown and source.state in ("closed", "published")
    elif kind in ("proposal", "idea"):
        shown = shown and not source.is_hidden and source.status != "merged"
    return {
        "shown": shown,
        "kind": kind,
        "source": source,
        "compact": compact,
        "next": request.get_full_path() if request is not None else "",
    }
