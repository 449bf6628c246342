"""Numbers that agree: « connecté·es maintenant », « inscrit·es à l'atelier » and « votant·es »
are defined once (workshops.figures) and every screen shows the same figure under its label.

The projector read « 0 participant·es » while the room read 12 (a presence frame wrote the
people connected over the registered count), and a turnout went from « 2 votes sur 2 » to
« 2 votes sur 15 » (its denominator switched between connected and registered)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.workshops.factories import ParticipantFactory
from workshops import figures

pytestmark = pytest.mark.django_db


def _figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, f"no {name} figure"
    return match.group(1)


def test_registered_counts_participants_not_removed(live, facilitator):
    from django.utils import timezone

    people = ParticipantFactory.create_batch(4, workshop=live)
    people[0].removed_at = timezone.now()
    people[0].save(update_fields=["removed_at"])
    assert figures.registered_count(live.pk) == 3
    shown = figures.room_figures(live)
    assert shown["registered"] == {"value": 3, "label": figures.LABELS["registered"]}
    assert shown["connected"]["value"] is None  # only the socket knows it


def test_room_and_stage_show_the_same_labelled_figures(client, live, facilitator):
    ParticipantFactory.create_batch(12, workshop=live)
    client.force_login(facilitator)
    room = client.get(reverse("workshops:room", args=[live.slug])).content.decode()
    stage = client.get(reverse("workshops:projector", args=[live.slug])).content.decode()
    for html in (room, stage):
        assert _figure(html, "registered") == "12"
        assert "inscrit·es à l&#x27;atelier" in html or "inscrit·es à l'atelier" in html
        # Connected: filled by the socket's presence frame, never a stale guess.
        assert _figure(html, "connected") == "–"
        assert "connecté·es maintenant" in html
        assert "data-presence-total" not in html  # the old box that two figures shared


def test_a_turnout_is_always_voters_over_registered(client, live, facilitator):
    from tests.votes.factories import option_ids
    from votes import live as vote_live
    from votes.models import VoteSession
    from votes.services import ballot_cast, session_open

    members = ParticipantFactory.create_batch(15, workshop=live)
    session = VoteSession.objects.create(
        title="Priorité", method="poll", workshop=live, created_by=facilitator
    )
    for i, label in enumerate(["Friches", "Hydrogène"]):
        session.options.create(label=label, order=i)
    session_open(session=session, actor=facilitator)
    for member in members[:2]:
        ballot_cast(session=session, voter=member.user, choices={option_ids(session)[0]: 1})
    # Two people connected: the turnout still counts the 15 who may vote.
    data = vote_live.snapshot(session, present=2)
    assert (data["voted"], data["present"], data["eligible"]) == (2, 2, 15)
    client.force_login(facilitator)
    pages = [
        client.get(reverse("workshops:projector", args=[live.slug])).content.decode(),
        client.get(reverse("workshops:room", args=[live.slug])).content.decode(),
        client.get(reverse("votes:results", args=[session.pk])).content.decode(),
    ]
    for html in pages:
        assert (
            "data-turnout-voted>2</strong> / <span data-turnout-eligible>15</span> ont voté" in html
        )
        assert "votant·es / inscrit·es à l" in html


def test_a_join_or_a_removal_tells_every_screen_the_new_registered_figure(
    live, facilitator, user, other_user
):
    """The phones that joined first read « 1 inscrit·es » until a vote's tally: the join and
    the removal now broadcast the figure (the stage, the console and the phones show it)."""
    import json

    from realtime.models import RoomEvent
    from workshops import services

    def announced() -> list[int]:
        frames = RoomEvent.objects.filter(workshop=live, type="figures.changed").order_by("seq")
        return [json.loads(e.frame)["data"]["registered"] for e in frames]

    services.workshop_join(workshop=live, user=user)
    joined = services.workshop_join(workshop=live, user=other_user)
    services.workshop_join(workshop=live, user=other_user)  # again: nothing changes
    assert announced() == [1, 2]
    services.participant_remove(workshop=live, actor=facilitator, participant=joined)
    assert announced() == [1, 2, 1]
    assert figures.registered_count(live.pk) == 1


def test_the_console_shows_the_same_labelled_figures(client, live, facilitator):
    ParticipantFactory.create_batch(5, workshop=live)
    client.force_login(facilitator)
    html = client.get(reverse("workshops:console_page", args=[live.slug])).content.decode()
    assert _figure(html, "registered") == "5"
    assert _figure(html, "connected") == "–"
    assert str(figures.LABELS["registered"]) in html
    assert str(figures.LABELS["connected"]) in html
