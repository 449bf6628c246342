"""A recommendation's sources found by words, not numbers (decisions/sources.py), and
« Faire de ce résultat une recommandation » (decisions.services.recommendation_draft_from):
what each result would bring, what an editor may see, bounded queries, with and without
JavaScript."""

from __future__ import annotations

import pytest

from accounts.models import College
from decisions import services, sources
from decisions.models import Recommendation
from project.errors import DomainError, PermissionDeniedError
from proposals.services import proposal_create, support_add
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from votes.services import ballot_cast, session_close, session_create, session_open
from workshops import grouping

pytestmark = pytest.mark.django_db


def _idea(workshop, axis, title, college=College.CITIZENS):
    author = UserFactory(college=college)
    ParticipantFactory(workshop=workshop, user=author, college=college)
    return proposal_create(author=author, axis=axis, title=title, body="", origin_workshop=workshop)


def _supported(proposal, colleges):
    for college in colleges:
        support_add(proposal=proposal, user=UserFactory(college=college))
    return proposal


@pytest.fixture
def world(axis, facilitator):
    """A board proposal on friches (4 citizens, 1 elected support it), a public workshop with
    two friche ideas grouped in « Friches », a closed vote on them (5 ballots), and a private
    workshop with a friche idea, its group and a closed vote."""
    board = _supported(
        proposal_create(
            author=UserFactory(), axis=axis, title="Reconvertir les friches", body="Vite."
        ),
        ["citizens"] * 4 + ["elected"],
    )
    public = WorkshopFactory(title="Atelier friches", facilitators=[facilitator])
    ideas = [_idea(public, axis, "Inventaire des friches"), _idea(public, axis, "Friche solaire")]
    _supported(ideas[0], ["citizens"] * 3)
    group = grouping.idea_group_create(
        workshop=public, actor=facilitator, name="Friches", idea_ids=[p.pk for p in ideas]
    )
    vote = session_create(
        actor=facilitator,
        title="Quelle friche d'abord ?",
        method="support",
        workshop=public,
        proposals=ideas,
    )
    session_open(session=vote, actor=facilitator)
    first = vote.options.get(proposal=ideas[1]).pk
    for college in ["citizens"] * 3 + ["enterprises"] * 2:
        voter = UserFactory(college=college)
        ParticipantFactory(workshop=public, user=voter, college=college)
        ballot_cast(session=vote, voter=voter, choices={first: 1})
    vote = session_close(session=vote, actor=facilitator)
    other = UserFactory()
    private = WorkshopFactory(title="Comité restreint", visibility="private", facilitators=[other])
    secret = _idea(private, axis, "Friche secrète")
    secret_group = grouping.idea_group_create(
        workshop=private, actor=other, name="Friches cachées", idea_ids=[secret.pk]
    )
    return {
        "board": board,
        "ideas": ideas,
        "group": group,
        "vote": vote,
        "private": private,
        "secret": secret,
        "secret_group": secret_group,
    }


def test_search_finds_each_kind_with_what_it_would_bring(editor, world):
    hits = {(h.kind, h.pk): h for h in sources.search(editor, "friche")}
    board = hits[("proposal", world["board"].pk)]
    assert board.brings == "5 soutiens"
    # 1 elected alone would stand out: merged with the smallest college into « Autres ».
    assert [(label, n) for _key, label, n in board.colleges][-1][0] == "Autres collèges"
    assert sum(n for _key, _label, n in board.colleges) == 5
    assert all(n >= 3 for _key, _label, n in board.colleges)
    idea = hits[("idea", world["ideas"][0].pk)]
    assert idea.where == "Atelier « Atelier friches »" and idea.brings == "3 soutiens"
    group = hits[("group", world["group"].pk)]
    assert group.brings == "2 idées · 3 soutiens"
    vote = hits[("vote", world["vote"].pk)]
    assert vote.brings == "5 votant·es"
    assert sorted(n for _key, _label, n in vote.colleges) == [5]  # 2 enterprises merged
    assert not any(h.linked for h in hits.values())


def test_an_editor_does_not_find_what_they_may_not_see(editor, facilitator, world):
    found = {(h.kind, h.pk) for h in sources.search(editor, "friche")}
    assert ("idea", world["secret"].pk) not in found
    assert ("group", world["secret_group"].pk) not in found
    with pytest.raises(DomainError):
        sources.get(editor, "group", world["secret_group"].pk)
    # An editor who facilitates the private workshop finds them.
    world["private"].facilitators.add(editor)
    found = {(h.kind, h.pk) for h in sources.search(editor, "friche")}
    assert ("idea", world["secret"].pk) in found
    assert ("group", world["secret_group"].pk) in found


def test_search_takes_a_bounded_number_of_queries(
    client, editor, world, axis, django_assert_max_num_queries
):
    recommendation = services.recommendation_create(actor=editor, title="R", axis=axis)
    client.force_login(editor)
    url = f"/recommandations/{recommendation.pk}/sources/chercher/"
    with django_assert_max_num_queries(14):
        small = client.get(url, {"q": "friche"}, HTTP_HX_REQUEST="true")
    for i in range(12):
        _supported(
            proposal_create(author=UserFactory(), axis=axis, title=f"Friche {i}", body=""),
            ["citizens"] * 3,
        )
    with django_assert_max_num_queries(14):
        large = client.get(url, {"q": "friche"}, HTTP_HX_REQUEST="true")
    assert small.status_code == large.status_code == 200
    assert large.content.decode().count("data-pick") > small.content.decode().count("data-pick")
    # The whole page with a search in it too.
    with django_assert_max_num_queries(40):
        page = client.get(recommendation.get_absolute_url(), {"q": "friche"})
    assert page.content.decode().count("data-pick") >= 8


def test_without_javascript_the_search_is_a_get_and_ajouter_a_post(client, editor, world, axis):
    recommendation = services.recommendation_create(actor=editor, title="R", axis=axis)
    client.force_login(editor)
    html = client.get(recommendation.get_absolute_url(), {"q": "friche"}).content.decode()
    assert 'role="search"' in html and 'name="q" value="friche"' in html
    assert f'action="/recommandations/{recommendation.pk}/sources/choisir/"' in html
    assert "Ajouter" in html and "5 soutiens" in html
    response = client.post(
        f"/recommandations/{recommendation.pk}/sources/choisir/",
        {"kind": "vote", "id": world["vote"].pk, "q": "friche"},
        follow=True,
    )
    html = response.content.decode()
    assert "Le vote « Quelle friche d&#x27;abord ? » est ajouté à l&#x27;appui." in html
    assert "Déjà parmi les sources" in html  # the same search, the vote now marked
    assert recommendation.vote_sources.get().session == world["vote"]
    # The search URL of htmx, followed without JavaScript, lands on the page.
    response = client.get(f"/recommandations/{recommendation.pk}/sources/chercher/?q=friche")
    assert response.status_code == 302 and "?q=friche#sources" in response["Location"]


def test_htmx_adds_and_removes_and_gets_the_panel_back(client, editor, world, axis):
    recommendation = services.recommendation_create(actor=editor, title="R", axis=axis)
    client.force_login(editor)
    base = f"/recommandations/{recommendation.pk}"
    panel = client.post(
        f"{base}/sources/choisir/",
        {"kind": "group", "id": world["group"].pk, "q": "friche"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert panel.strip().startswith('<div id="sources-panel"')
    assert (
        "Le groupe d&#x27;idées « Friches » est ajouté aux sources, avec ses idées." in panel
    )  # data-done
    assert {s.proposal_id for s in recommendation.sources.all()} == {p.pk for p in world["ideas"]}
    client.post(
        f"{base}/sources/choisir/", {"kind": "vote", "id": world["vote"].pk}, HTTP_HX_REQUEST="1"
    )
    link = recommendation.vote_sources.get()
    panel = client.post(
        f"{base}/votes/{link.pk}/retirer/", {"q": "friche"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Le vote « Quelle friche d&#x27;abord ? » est retiré." in panel
    assert not recommendation.vote_sources.exists()
    assert recommendation.history.filter(verb="vote_removed").exists()


def test_only_editors_search_and_pick(client, user, world, editor, axis):
    recommendation = services.recommendation_create(actor=editor, title="R", axis=axis)
    client.force_login(user)
    base = f"/recommandations/{recommendation.pk}"
    assert client.get(f"{base}/sources/chercher/?q=friche").status_code in (403, 404)
    response = client.post(f"{base}/sources/choisir/", {"kind": "vote", "id": world["vote"].pk})
    assert response.status_code in (403, 404)
    assert not recommendation.vote_sources.exists()


def test_a_draft_from_a_vote_has_the_winner_the_ranking_and_the_sources(editor, world):
    recommendation = services.recommendation_draft_from(actor=editor, source=world["vote"])
    assert recommendation.status == "draft"
    assert recommendation.title == "Friche solaire"  # the option ranked first
    assert "Quelle friche d'abord ?" in recommendation.body
    assert "1. Friche solaire" in recommendation.body
    assert recommendation.vote_sources.get().session == world["vote"]
    assert [s.proposal for s in recommendation.sources.all()] == [world["ideas"][1]]
    assert recommendation.sources.get().note == "En tête du vote « Quelle friche d'abord ? »"
    assert recommendation.vote_sources.get().note == ""


def test_a_draft_from_a_group_or_a_proposal(editor, world, axis):
    from_group = services.recommendation_draft_from(actor=editor, source=world["group"])
    assert from_group.title == "Friches" and from_group.axis == axis
    assert "- Inventaire des friches" in from_group.body
    assert {s.idea_group_name for s in from_group.sources.all()} == {"Friches"}
    assert from_group.sources.count() == 2
    from_proposal = services.recommendation_draft_from(actor=editor, source=world["board"])
    assert from_proposal.title == "Reconvertir les friches" and from_proposal.body == "Vite."
    assert from_proposal.sources.get().proposal == world["board"]


def test_the_draft_service_checks_the_permission_and_the_vote(user, facilitator, world, editor):
    with pytest.raises(PermissionDeniedError):
        services.recommendation_draft_from(actor=user, source=world["vote"])
    with pytest.raises(PermissionDeniedError):
        services.recommendation_draft_from(actor=facilitator, source=world["group"])
    world["vote"].state = "open"
    with pytest.raises(DomainError) as error:
        services.recommendation_draft_from(actor=editor, source=world["vote"])
    assert error.value.code == "vote_not_finished"
    assert not Recommendation.objects.exists()


def test_the_button_sends_the_editor_to_the_drafts_form(client, editor, world):
    client.force_login(editor)
    response = client.post(f"/recommandations/depuis/group/{world['group'].pk}/")
    recommendation = Recommendation.objects.get()
    assert response["Location"] == f"/recommandations/{recommendation.pk}/modifier/"
    form = client.get(response["Location"]).content.decode()
    assert 'value="Friches"' in form
    # A group the editor may not see is not found, and nothing is created.
    response = client.post(f"/recommandations/depuis/group/{world['secret_group'].pk}/")
    assert response.status_code == 404
    assert client.post("/recommandations/depuis/statement/1/").status_code == 404
    assert Recommendation.objects.count() == 1


def test_console_offers_it_after_a_vote_and_on_groups_to_editors_only(
    client, editor, facilitator, world
):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from workshops.views import grouping_context

    workshop = world["group"].workshop
    request = RequestFactory().get("/")
    for who, shown in ((facilitator, False), (editor, True)):
        request.user = who
        html = render_to_string(
            "workshops/_grouping_panel.html",
            {"workshop": workshop, **grouping_context(workshop), "user": who},
            request=request,
        )
        assert (f"/recommandations/depuis/group/{world['group'].pk}/" in html) is shown


def test_before_any_search_the_picker_suggests_the_linked_votes_ballot(client, editor, world):
    recommendation = services.recommendation_draft_from(actor=editor, source=world["vote"])
    client.force_login(editor)
    html = client.get(recommendation.get_absolute_url()).content.decode()
    assert "Sur le bulletin des votes reliés :" in html
    loser, winner = world["ideas"]
    assert f'name="id" value="{loser.pk}"' in html  # one « Ajouter » away
    assert f'name="id" value="{winner.pk}"' not in html  # already a source
    assert "Déjà parmi les sources" in html
