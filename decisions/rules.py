"""Permissions on recommendations, action items and indicators, in one place.

Only Codev editors create and change them; the public sees published
recommendations and their action items, and every indicator.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.rules import can_edit_decisions
from project.errors import PermissionDeniedError

__all__ = [
    "can_edit_decisions",
    "require_editor",
    "get_recommendation_for_user",
    "get_action_for_user",
]


def require_editor(user) -> None:
    """Raise unless ``user`` is a Codev editor (services call this first)."""
    if not can_edit_decisions(user):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les éditeur·rices du Codev peuvent modifier les décisions.")
        )


def _is_id(pk) -> bool:
    """A primary key the database can hold (a bigger number would be a 500, not a 404)."""
    from project.ids import parse_id

    return isinstance(pk, int) and parse_id(pk) is not None


def get_recommendation_for_user(user, pk: int):
    """The recommendation if ``user`` may see it, else 404 (drafts don't exist for the public)."""
    from decisions.models import Recommendation

    if not _is_id(pk):
        raise Http404(_("Recommandation introuvable."))
    try:
        return (
            Recommendation.objects.visible_to(user).select_related("axis", "created_by").get(pk=pk)
        )
    except Recommendation.DoesNotExist:
        raise Http404(_("Recommandation introuvable.")) from None


def get_action_for_user(user, pk: int):
    """The action item if ``user`` may see its recommendation, else 404."""
    from decisions.models import ActionItem

    if not _is_id(pk):
        raise Http404(_("Action introuvable."))
    try:
        return (
            ActionItem.objects.visible_to(user)
            .select_related("recommendation", "recommendation__axis")
            .get(pk=pk)
        )
    except ActionItem.DoesNotExist:
        raise Http404(_("Action introuvable.")) from None
