"""Who may do what with decision summaries, in one place.

Views, the API and the services call these helpers; drafts are for Codev
editors only, published versions for everyone. They answer yes or no: the lookups that
answer 404 are in ``summaries.selectors``.
"""

from __future__ import annotations

from accounts.rules import can_edit_decisions


def can_edit_summaries(user) -> bool:
    return can_edit_decisions(user)
