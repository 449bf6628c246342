"""The audit log records every sensitive action — who, when, what, from where — and staff see it.

One story through the services (the same ones pages, the API and sockets
call): moderation, a role change, a workshop going live → closed with a
phase change, a vote opened/closed/revealed, a recommendation and a summary
published, an account deleted. Each leaves an event with its actor, its
target and the client's address, shown on the staff page and in the CSV.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.test import RequestFactory

from accounts.models import AuditEvent
from accounts.services import role_grant
from tests.accounts.helpers import staff_with_totp
from tests.factories import UserFactory
from tests.security.corpus import an_axis

IP = "198.51.100.23"


def _request(user):
    request = RequestFactory().post("/", REMOTE_ADDR=IP)
    request.user = user
    return request


@pytest.mark.django_db
def test_every_sensitive_action_is_in_the_audit_log_and_on_the_staff_page(client):
    from accounts.privacy import account_delete
    from decisions.services import recommendation_create, recommendation_status_change
    from proposals.services import proposal_create, proposal_hide
    from summaries.services import summary_create, summary_publish
    from tests.workshops.factories import WorkshopFactory
    from votes.services import session_close, session_create, session_open, session_reveal
    from workshops.services import agenda_create_default, phase_next, workshop_state_change

    axis = an_axis()
    admin, moderator, facilitator, editor, author = (UserFactory() for _ in range(5))
    role_grant(user=moderator, role="moderators", actor=admin, request=_request(admin))
    role_grant(user=facilitator, role="facilitators", actor=admin, request=_request(admin))
    role_grant(user=editor, role="codev_editors", actor=admin, request=_request(admin))

    proposal = proposal_create(author=author, axis=axis, title="Idée à modérer", body="…")
    proposal_hide(
        proposal=proposal, actor=moderator, reason="Injurieux", request=_request(moderator)
    )

    workshop = WorkshopFactory(facilitators=[facilitator], state="scheduled")
    agenda_create_default(workshop=workshop)
    workshop_state_change(
        workshop=workshop, actor=facilitator, to="live", request=_request(facilitator)
    )
    phase_next(workshop=workshop, actor=facilitator, request=_request(facilitator))
    vote = session_create(
        actor=facilitator,
        title="Vote audité",
        method="poll",
        workshop=workshop,
        labels=["Oui", "Non"],
        reveal="at_close",
    )
    session_open(session=vote, actor=facilitator, request=_request(facilitator))
    session_close(session=vote, actor=facilitator, request=_request(facilitator))
    session_reveal(session=vote, actor=facilitator, request=_request(facilitator))
    workshop_state_change(
        workshop=workshop, actor=facilitator, to="closed", request=_request(facilitator)
    )

    recommendation = recommendation_create(actor=editor, title="Recommandation auditée", axis=axis)
    for status in ("adopted", "published"):
        recommendation_status_change(
            recommendation=recommendation, actor=editor, new_status=status, request=_request(editor)
        )
    summary = summary_create(actor=editor, scope="workshop", workshop=workshop)
    summary_publish(summary=summary, actor=editor, request=_request(editor))

    account_delete(user=author, request=_request(author))

    expected = {
        "role.granted": admin,
        "proposal.hidden": moderator,
        "workshop.state_changed": facilitator,
        "workshop.phase_changed": facilitator,
        "vote.opened": facilitator,
        "vote.closed": facilitator,
        "vote.revealed": facilitator,
        "recommendation.published": editor,
        "summary.published": editor,
        "account.deleted": None,  # by the person themselves: no actor kept beyond the row
    }
    missing = []
    for action, actor in expected.items():
        events = AuditEvent.objects.filter(action=action)
        if not events.exists():
            missing.append(action)
            continue
        event = events.latest("pk")
        if actor is not None and event.actor_id != actor.pk:
            missing.append(f"{action}: actor {event.actor_id} != {actor.pk}")
        if not event.target_type or not event.target_id:
            missing.append(f"{action}: no target")
        if event.ip_address != IP:
            missing.append(f"{action}: ip {event.ip_address}")
    assert missing == []

    staff = staff_with_totp()
    client.force_login(staff)
    page = client.get("/compte/journal/").content.decode()
    assert all(action in page for action in expected), [a for a in expected if a not in page]
    export = client.get("/compte/journal/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert {action for action in expected} <= {row[1] for row in rows[1:]}
    assert all(row[7] == IP for row in rows[1:] if row[1] in expected)
