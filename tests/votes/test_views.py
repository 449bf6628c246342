"""The no-JavaScript pages: ballot forms, results with SVG and tables, the console, the list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.votes.factories import option_ids
from votes.models import Ballot
from votes.services import ballot_cast, session_close

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "method", ["support", "dots", "poll", "majority_judgment", "open_question"]
)
def test_each_method_has_a_labelled_ballot_form(client, make_session, participants, method):
    session = make_session(method)
    client.force_login(participants[0])
    response = client.get(reverse("votes:detail", args=[session.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{reverse("votes:ballot", args=[session.pk])}"' in html
    assert "style=" not in html and "<script>" not in html
    # Every input has a label (wrapping or for=).
    for input_id in re.findall(r'<input[^>]+type="(?:number|text)"[^>]+id="([^"]+)"', html):
        assert f'for="{input_id}"' in html


def test_submitting_the_form_votes_then_shows_the_choice_again(client, make_session, participants):
    session = make_session("support")
    a, b, _c = option_ids(session)
    client.force_login(participants[0])
    response = client.post(reverse("votes:ballot", args=[session.pk]), {f"option-{a}": "1"})
    assert response.status_code == 302
    page = client.get(reverse("votes:detail", args=[session.pk])).content.decode()
    assert "Votre vote est enregistré" in page
    assert f'name="option-{a}" value="1" checked' in page
    assert "Modifier mon vote" in page
    response = client.post(
        reverse("votes:ballot", args=[session.pk]), {f"option-{b}": "1"}, follow=True
    )
    assert "Votre vote a été modifié" in response.content.decode()
    assert Ballot.objects.filter(session=session).count() == 1


def test_bad_ballot_is_shown_again_with_what_was_typed(client, make_session, participants):
    session = make_session("dots", dot_budget=4, dot_cap=3)
    a, b, _c = option_ids(session)
    client.force_login(participants[0])
    response = client.post(
        reverse("votes:ballot", args=[session.pk]), {f"option-{a}": "3", f"option-{b}": "2"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Vous avez placé 5 gommettes pour 4 disponibles." in html
    assert f'name="option-{a}" min="0" max="3" step="1" value="3"' in html
    assert f'name="option-{b}" min="0" max="3" step="1" value="2"' in html
    assert not Ballot.objects.filter(session=session).exists()


def test_late_ballot_gets_a_clear_refusal(client, make_session, participants, facilitator):
    session = make_session("poll")
    client.force_login(participants[0])
    session_close(session=session, actor=facilitator)
    response = client.post(
        reverse("votes:ballot", args=[session.pk]), {"choice": option_ids(session)[0]}
    )
    assert response.status_code == 409
    assert (
        "Ce vote est clos : votre bulletin n&#x27;a pas été enregistré."
        in response.content.decode()
    )


def test_results_page_has_svg_and_table(client, make_session, participants):
    session = make_session("majority_judgment")
    a, b, c = option_ids(session)
    for voter in participants:
        ballot_cast(session=session, voter=voter, choices={a: 5, b: 2})
    response = client.get(reverse("votes:results", args=[session.pk]))
    html = response.content.decode()
    assert '<svg class="vote-chart' in html and 'role="img"' in html
    assert "médiane" in html
    assert "<table" in html and "Mention majoritaire" in html
    assert "Très bien" in html


def test_at_close_results_are_hidden_until_revealed(
    client, make_session, participants, facilitator
):
    from votes.services import session_reveal

    session = make_session("support", reveal="at_close")
    ballot_cast(session=session, voter=participants[0], choices={option_ids(session)[0]: 1})
    client.force_login(participants[1])
    html = client.get(reverse("votes:results", args=[session.pk])).content.decode()
    assert "pas encore dévoilés" in html and "vote-chart" not in html
    assert "data-turnout-voted>1</strong> / <span data-turnout-eligible>8</span> ont voté" in html
    session_close(session=session, actor=facilitator)
    assert (
        "vote-chart" not in client.get(reverse("votes:results", args=[session.pk])).content.decode()
    )
    session_reveal(session=session, actor=facilitator)
    assert "vote-chart" in client.get(reverse("votes:results", args=[session.pk])).content.decode()


def test_console_opens_and_closes(client, make_session, facilitator, participants):
    session = make_session("support", open=False)
    client.force_login(facilitator)
    url = reverse("votes:manage", args=[session.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "open"}, follow=True)
    session.refresh_from_db()
    assert session.state == "open"
    eligible = len(participants)
    assert f"Vote ouvert : {eligible} participant·es peuvent voter." in response.content.decode()
    response = client.post(url, {"action": "close"}, follow=True)
    session.refresh_from_db()
    assert session.state == "closed"
    assert "Vote clos : 0 bulletin enregistré." in response.content.decode()
    client.force_login(participants[0])
    assert client.get(url).status_code == 403


def test_create_a_workshop_session_from_the_form(client, workshop, facilitator):
    client.force_login(facilitator)
    url = reverse("votes:create") + f"?atelier={workshop.slug}"
    response = client.post(
        url,
        {
            "title": "Quelle priorité ?",
            "method": "poll",
            "reveal": "live",
            "labels": "Mobilité\nFormation\n",
            "dot_budget": 5,
            "dot_cap": 3,
            "atelier": workshop.slug,
        },
    )
    assert response.status_code == 302
    session = workshop.vote_sessions.get()
    assert list(session.options.values_list("label", flat=True)) == ["Mobilité", "Formation"]


def _board_form(axis_value, **extra) -> dict:
    return {
        "title": "Priorités du trimestre",
        "method": "support",
        "reveal": "live",
        "labels": "Hydrogène\nFormation\n",
        "dot_budget": 5,
        "dot_cap": 3,
        "starts_at": "2030-01-01T10:00",
        "ends_at": "2030-01-08T10:00",
        "axis": axis_value,
        **extra,
    }


def test_a_board_session_takes_its_axis_from_the_form(client, editor, axis):
    from votes.models import VoteSession

    client.force_login(editor)
    response = client.post(reverse("votes:create"), _board_form(str(axis.pk)))
    assert response.status_code == 302
    assert VoteSession.objects.get().axis == axis


def test_an_unknown_axis_reads_as_the_whole_board(client, editor, axis):
    from votes.models import VoteSession

    client.force_login(editor)
    response = client.post(reverse("votes:create"), _board_form("999999"))
    assert response.status_code == 302
    assert VoteSession.objects.get().axis is None


def test_the_board_form_offers_proposals_under_review_shortlisted_or_retained(client, editor, axis):
    from proposals.models import Proposal, ProposalStatus
    from tests.factories import UserFactory

    author = UserFactory()
    for status in ProposalStatus.values:
        Proposal.objects.create(
            title=f"Idée {status}", body="…", author=author, axis=axis, status=status
        )
    client.force_login(editor)
    page = client.get(reverse("votes:create")).content.decode()
    shown = {
        p.status
        for p in Proposal.objects.all()
        if re.search(rf'name="proposals" value="{p.pk}"', page)
    }
    assert shown == {"under_review", "shortlisted", "retained"}


def test_list_page_query_count_is_constant(client, board_session, editor):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from votes.services import session_create

    client.force_login(editor)
    client.get(reverse("votes:list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("votes:list"))
    for i in range(5):
        session_create(
            actor=editor,
            title=f"Vote {i}",
            method="poll",
            labels=["a", "b"],
            starts_at=timezone.now(),
            ends_at=timezone.now() + timedelta(days=1),
        )
    # session, user, roles (auth and the "prepare" button), nav axes, sessions with ballot counts
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("votes:list"))
    assert len(one) == len(six) <= 7
    assert response.content.decode().count('class="card"') == 6


@pytest.mark.parametrize("page", ["votes:detail", "votes:results"])
def test_vote_pages_query_count_does_not_grow_with_ballots(
    client, make_session, participants, page
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session = make_session("majority_judgment")
    a, b, c = option_ids(session)
    ballot_cast(session=session, voter=participants[0], choices={a: 3})
    client.force_login(participants[0])
    url = reverse(page, args=[session.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for voter in participants[1:]:
        ballot_cast(session=session, voter=voter, choices={a: 5, b: 2, c: 6})
    # auth, session, workshop rules, turnout (2), own ballot, options, results (3): no per-ballot query
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few) == len(many)
