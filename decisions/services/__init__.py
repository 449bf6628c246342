"""Writes on recommendations, action items, indicators and notifications.

Every change goes through here: the views, the API, the admin actions and the demo call
these functions, which check the permission, validate, write the change and its history
entry in one transaction, and tell the contributors. One module per subject:

- ``recommendations``: create, edit, change the status of a recommendation;
- ``source_links``: link and unlink its sources (proposals, groups of ideas, votes,
  statements of an opinion map);
- ``drafts``: « Faire de ce résultat une recommandation »;
- ``actions``: action items and their public updates;
- ``indicators``: indicators and their measurements;
- ``notifications``: telling contributors; ``digest``: the e-mail that gathers them;
- ``cleaning`` and ``history``: the validation and the history entry shared by the above.

Callers outside the package keep writing ``from decisions import services`` and
``services.recommendation_create(...)``; inside ``decisions/``, import from the module.
"""

from decisions.services.actions import action_create, action_report, action_update
from decisions.services.digest import digest_email, notifications_send_digest
from decisions.services.drafts import recommendation_draft_from
from decisions.services.indicators import (
    indicator_create,
    indicator_update,
    measurement_delete,
    measurement_record,
)
from decisions.services.notifications import (
    contributors_of,
    notifications_mark_read,
    notify_proposal_status,
)
from decisions.services.recommendations import (
    recommendation_create,
    recommendation_status_change,
    recommendation_update,
)
from decisions.services.source_links import (
    recommendation_group_source_add,
    recommendation_link,
    recommendation_source_add,
    recommendation_source_remove,
    recommendation_statement_source_add,
    recommendation_vote_source_add,
    recommendation_vote_source_remove,
)

__all__ = [
    "action_create",
    "action_report",
    "action_update",
    "contributors_of",
    "digest_email",
    "indicator_create",
    "indicator_update",
    "measurement_delete",
    "measurement_record",
    "notifications_mark_read",
    "notifications_send_digest",
    "notify_proposal_status",
    "recommendation_create",
    "recommendation_draft_from",
    "recommendation_group_source_add",
    "recommendation_link",
    "recommendation_source_add",
    "recommendation_source_remove",
    "recommendation_statement_source_add",
    "recommendation_status_change",
    "recommendation_update",
    "recommendation_vote_source_add",
    "recommendation_vote_source_remove",
]
