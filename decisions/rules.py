"""Permissions on recommendations, action items and indicators: yes/no answers.

Only Codev editors create and change them; the public sees published
recommendations and their action items, and every indicator. The lookups that answer
404 (``get_recommendation_for_user``, ``get_action_for_user``) are in
``decisions.selectors``, as in the other apps.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.rules import can_edit_decisions
from project.errors import PermissionDeniedError

__all__ = ["can_edit_decisions", "require_editor"]


def require_editor(user) -> None:
    """Raise unless ``user`` is a Codev editor (services call this first)."""
    if not can_edit_decisions(user):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les éditeur·rices du Codev peuvent modifier les décisions.")
        )
