"""The stage's first screen (workshops.views.stage_state; static/js/stage.js applies the same
rules to live events) and its grouped wall from the room's initial state."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.workshops.factories import ParticipantFactory
from workshops import services, views
from workshops.models import PhaseKind, WorkshopState

pytestmark = pytest.mark.django_db


def _mode(client, workshop) -> str:
    html = client.get(reverse("workshops:projector", args=[workshop.slug])).content.decode()
    return html.split('data-mode="', 1)[1].split('"', 1)[0]


def test_the_stage_shows_one_activity_at_a_time(client, live, facilitator, axis):
    from votes.services import session_close, session_create, session_open, session_reveal

    client.force_login(facilitator)
    assert _mode(client, live) == "join"  # the welcome phase: the join screen
    ideation = live.phases.get(kind=PhaseKind.IDEATION)
    services.phase_start(workshop=live, actor=facilitator, phase=ideation)
    assert _mode(client, live) == "wall"
    member = ParticipantFactory(workshop=live).user
    idea = services.idea_post(workshop=live, user=member, axis=axis, title="Une idée")
    services.idea_spotlight(workshop=live, actor=facilitator, proposal_id=idea.pk)
    assert _mode(client, live) == "spotlight"
    session = session_open(
        session=session_create(
            actor=facilitator,
            title="Vote",
            method="poll",
            workshop=live,
            labels=["A", "B"],
            reveal="at_close",
        ),
        actor=facilitator,
    )
    assert _mode(client, live) == "vote"  # an open vote comes before the spotlight
    session_close(session=session, actor=facilitator)
    services.idea_spotlight(workshop=live, actor=facilitator, proposal_id=None)
    assert _mode(client, live) == "wall"  # closed, not revealed: back to the phase's screen
    session_reveal(session=session, actor=facilitator)
    assert _mode(client, live) == "vote"  # revealed during this phase: the results
    debate = live.phases.get(kind=PhaseKind.DEBATE)
    services.phase_start(workshop=live, actor=facilitator, phase=debate)
    assert _mode(client, live) == "timer"  # a new phase: the results leave the screen


def test_a_scheduled_workshop_shows_the_join_screen(client, workshop, facilitator):
    workshop.state = WorkshopState.SCHEDULED
    workshop.save(update_fields=["state"])
    client.force_login(facilitator)
    assert _mode(client, workshop) == "join"


def test_the_stage_never_shows_a_hidden_idea(client, live, facilitator, axis):
    services.phase_start(
        workshop=live, actor=facilitator, phase=live.phases.get(kind=PhaseKind.IDEATION)
    )
    member = ParticipantFactory(workshop=live).user
    idea = services.idea_post(workshop=live, user=member, axis=axis, title="Idée masquée")
    services.idea_hide(workshop=live, actor=facilitator, proposal_id=idea.pk, reason="hors sujet")
    client.force_login(facilitator)  # the facilitator's laptop drives the projector
    html = client.get(reverse("workshops:projector", args=[live.slug])).content.decode()
    assert "Idée masquée" not in html


def test_groups_in_the_room_state_become_columns(live, facilitator, axis):
    a, b, c = (
        services.idea_post(
            workshop=live, user=ParticipantFactory(workshop=live).user, axis=axis, title=f"Idée {t}"
        )
        for t in "ABC"
    )
    groups = [{"id": 7, "name": "Mobilités", "position": 0, "idea_ids": [c.pk, a.pk, 999]}]
    columns = views._stage_groups(groups, [a, b, c])
    assert columns == [{"id": 7, "name": "Mobilités", "ideas": [c, a]}]
