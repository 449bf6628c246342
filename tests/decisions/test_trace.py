"""The lineage in both directions, counts by college, merged proposals, bounded queries."""

from __future__ import annotations

import pytest

from accounts.models import College
from decisions.trace import action_trace, build_trace, proposal_forward_trace
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


def test_trace_goes_from_action_to_recommendation_to_proposals_to_workshop(
    make_proposal, make_recommendation, make_action
):
    workshop = WorkshopFactory(title="Friches et foncier")
    for college in [College.CITIZENS, College.CITIZENS, College.ENTERPRISES]:
        ParticipantFactory(workshop=workshop, user=UserFactory(college=college))
    a = make_proposal(origin_workshop=workshop, college=College.CITIZENS)
    b = make_proposal(origin_workshop=workshop, college=College.ENTERPRISES)
    c = make_proposal(college=College.ELECTED)  # from the board, no workshop
    rec = make_recommendation(proposals=[a, b, c])
    action = make_action(rec)

    trace = action_trace(action)

    assert trace.recommendation == rec
    assert [x.pk for x in trace.actions] == [action.pk]
    assert [tp.proposal.pk for tp in trace.proposals] == [a.pk, b.pk, c.pk]
    assert [tw.workshop.pk for tw in trace.workshops] == [workshop.pk]
    assert trace.workshops[0].proposal_ids == [a.pk, b.pk]
    assert trace.workshops[0].participants.people_by_college == {"citizens": 2, "enterprises": 1}
    assert trace.contributors.people_by_college == {"citizens": 1, "enterprises": 1, "elected": 1}
    # Shown, a college of fewer than 3 people is counted in « Autres collèges ».
    assert trace.contributors.summary() == "3 contributeur·rices\u202f: 3 Autres collèges"
    # Each link says who made it and when.
    assert all(tp.link.linked_by is not None and tp.link.linked_at for tp in trace.proposals)


def test_supporters_and_commenters_count_once_per_person_with_their_college(
    make_proposal, make_recommendation
):
    from proposals.services import comment_create, support_add

    author = UserFactory(college=College.CITIZENS)
    firm = UserFactory(college=College.ENTERPRISES)
    expert = UserFactory(college=College.CIVIL_SOCIETY)
    a = make_proposal(author=author)
    b = make_proposal(college=College.CITIZENS)
    support_add(proposal=a, user=firm)
    support_add(proposal=b, user=firm)  # same person on two proposals: counted once
    comment_create(proposal=a, author=expert, body="Oui, avec l'université.")
    comment_create(proposal=a, author=author, body="Merci !")  # the author again: once
    rec = make_recommendation(proposals=[a, b])

    trace = build_trace(rec)

    assert trace.contributors.people_by_college == {
        "citizens": 2,
        "enterprises": 1,
        "civil_society": 1,
    }
    assert trace.contributors.contributions == 6  # 2 proposals, 2 supports, 2 comments
    pa = trace.proposals[0]
    assert pa.contributors.people == 3


def test_a_merged_proposals_contributors_count_once_at_the_target(
    make_proposal, make_recommendation, moderator
):
    from proposals.services import proposal_merge, support_add

    alice = UserFactory(college=College.CITIZENS)
    bob = UserFactory(college=College.ENTERPRISES)
    target = make_proposal(author=alice)
    duplicate = make_proposal(author=bob)
    second_duplicate_by_alice = make_proposal(author=alice)
    support_add(proposal=duplicate, user=alice)
    proposal_merge(source=duplicate, target=target, actor=moderator, reason="Doublon")
    proposal_merge(
        source=second_duplicate_by_alice, target=target, actor=moderator, reason="Doublon"
    )
    rec = make_recommendation(proposals=[target])

    trace = build_trace(rec)

    [tp] = trace.proposals
    assert {m.pk for m in tp.merged} == {duplicate.pk, second_duplicate_by_alice.pk}
    # Alice wrote the target and a duplicate and supported the other: one person.
    assert tp.contributors.people_by_college == {"citizens": 1, "enterprises": 1}
    assert trace.contributors.people == 2


def test_a_merged_proposals_workshop_is_in_the_trace(make_proposal, make_recommendation, moderator):
    from proposals.services import proposal_merge

    workshop = WorkshopFactory()
    target = make_proposal()
    from_room = make_proposal(origin_workshop=workshop)
    proposal_merge(source=from_room, target=target, actor=moderator)
    trace = build_trace(make_recommendation(proposals=[target]))
    assert [tw.workshop for tw in trace.workshops] == [workshop]
    assert trace.workshops[0].proposal_ids == [target.pk]


def _grow(make_proposal, rec, editor, size: int, moderator):
    """Add ``size`` proposals from ``size`` workshops, each with a participant, a support,
    a comment and a merged duplicate."""
    from decisions.services import recommendation_source_add
    from proposals.services import comment_create, proposal_merge, support_add

    for _ in range(size):
        workshop = WorkshopFactory()
        ParticipantFactory(workshop=workshop)
        p = make_proposal(origin_workshop=workshop, college=College.ENTERPRISES)
        dup = make_proposal(origin_workshop=workshop)
        support_add(proposal=p, user=UserFactory())
        comment_create(proposal=p, author=UserFactory(college=College.ELECTED), body="D'accord")
        proposal_merge(source=dup, target=p, actor=moderator)
        recommendation_source_add(recommendation=rec, proposal=p, actor=editor)


def test_the_trace_takes_the_same_number_of_queries_whatever_its_size(
    make_proposal, make_recommendation, make_action, editor, moderator, django_assert_num_queries
):
    rec = make_recommendation()
    action = make_action(rec)
    _grow(make_proposal, rec, editor, 2, moderator)
    from decisions.models import ActionItem

    action = ActionItem.objects.select_related("recommendation__axis").get(pk=action.pk)
    # links+proposals+axes+linkers, merged (level 1), merged (level 2: none), supports,
    # comments, participants by college, workshops, vote links (+ ballots by college when any),
    # statements of opinion maps
    with django_assert_num_queries(9):
        small = action_trace(action)
    _grow(make_proposal, rec, editor, 6, moderator)
    with django_assert_num_queries(9):
        big = action_trace(action)
    assert len(small.proposals) == 2 and len(big.proposals) == 8
    assert len(big.workshops) == 8
    # Each proposal: author (enterprises) + merged author + supporter (citizens) + commenter (elected).
    assert big.contributors.people_by_college == {"citizens": 16, "enterprises": 8, "elected": 8}


def test_the_trace_pages_take_the_same_number_of_queries_whatever_their_size(
    client,
    make_proposal,
    make_recommendation,
    make_action,
    editor,
    moderator,
    publish,
    django_assert_max_num_queries,
):
    rec = make_recommendation()
    action = make_action(rec)
    publish(rec)
    _grow(make_proposal, rec, editor, 2, moderator)
    # Anonymous visitor. Action page: the action with its recommendation and axis, the 9
    # trace queries, the axes of the header = 11. Recommendation page: the recommendation,
    # the 9 trace queries, its actions, the axes of the header = 12. At most: with a shared
    # cache (Redis) the counts over all sources, read by the first page, are cached for the
    # second (2 queries fewer); the local-memory cache of the tests on SQLite keeps nothing.
    with django_assert_max_num_queries(11):
        assert client.get(f"/actions/{action.pk}/trace/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/recommandations/{rec.pk}/trace/").status_code == 200
    _grow(make_proposal, rec, editor, 6, moderator)
    with django_assert_max_num_queries(11):
        response = client.get(f"/actions/{action.pk}/trace/")
    with django_assert_max_num_queries(12):
        assert client.get(f"/recommandations/{rec.pk}/trace/").status_code == 200
    html = response.content.decode()
    assert "<svg" in html and html.count('class="trace-node trace-node--proposal') == 8
    assert "8 propositions sources" in html or "Les 8 propositions sources" in html


def test_forward_trace_shows_the_public_recommendation_and_its_actions(
    make_proposal, make_recommendation, make_action, publish, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser

    p = make_proposal()
    rec = make_recommendation(proposals=[p])
    action = make_action(rec)
    # A draft is not public yet.
    assert proposal_forward_trace(p, AnonymousUser()).recommendations == []
    publish(rec)
    with django_assert_num_queries(2):  # recommendations, actions
        forward = proposal_forward_trace(p, AnonymousUser())
    assert forward.recommendations == [rec]
    assert forward.actions_by_recommendation[rec.pk] == [action]


def test_forward_trace_of_a_merged_proposal_follows_its_target(
    make_proposal, make_recommendation, publish, moderator
):
    from django.contrib.auth.models import AnonymousUser

    from proposals.services import proposal_merge

    target = make_proposal(title="Cible")
    dup = make_proposal(title="Doublon")
    proposal_merge(source=dup, target=target, actor=moderator)
    rec = make_recommendation(proposals=[target])
    publish(rec)
    dup.refresh_from_db()
    forward = proposal_forward_trace(dup, AnonymousUser())
    assert forward.merged_into.pk == target.pk
    assert forward.recommendations == [rec]


def test_trace_diagram_svg_is_served_with_a_title(
    client, make_proposal, make_recommendation, make_action, publish
):
    rec = make_recommendation(proposals=[make_proposal(), make_proposal()])
    action = make_action(rec)
    publish(rec)
    response = client.get(f"/actions/{action.pk}/trace.svg")
    assert response["Content-Type"].startswith("image/svg+xml")
    body = response.content.decode()
    assert body.startswith("<?xml") and "<title" in body and rec.title in body


def test_a_draft_recommendations_trace_is_not_public(client, make_recommendation, make_action):
    rec = make_recommendation()
    action = make_action(rec)
    assert client.get(f"/recommandations/{rec.pk}/trace/").status_code == 404
    assert client.get(f"/actions/{action.pk}/trace/").status_code == 404


def _closed_vote(voters_by_college: dict[str, int], title: str = "Vote de l'atelier"):
    """A closed vote session with ballots (test data written directly: only counts matter)."""
    from votes.models import Ballot, VoteSession

    workshop = WorkshopFactory()
    session = VoteSession.objects.create(
        title=title, method="support", state="closed", workshop=workshop
    )
    for college, n in voters_by_college.items():
        for _ in range(n):
            Ballot.objects.create(
                session=session, voter=UserFactory(college=college), college=college
            )
    return session


def test_vote_sessions_that_support_a_recommendation_are_in_its_trace_with_voters_by_college(
    make_recommendation, make_action, make_proposal, editor, django_assert_num_queries
):
    from decisions.services import recommendation_vote_source_add

    rec = make_recommendation(proposals=[make_proposal(origin_workshop=WorkshopFactory())])
    action = make_action(rec)
    first = _closed_vote({"citizens": 3, "enterprises": 2})
    recommendation_vote_source_add(
        recommendation=rec, session=first, actor=editor, note="Large soutien"
    )
    # links, merged (one level: none), supports, comments, participants, workshops, vote links,
    # ballots by college, statements of opinion maps
    with django_assert_num_queries(9):
        trace = action_trace(action)
    [tv] = trace.vote_sessions
    assert tv.session == first and tv.link.note == "Large soutien" and tv.link.linked_by == editor
    assert tv.voters.people_by_college == {"citizens": 3, "enterprises": 2}
    for i in range(4):
        recommendation_vote_source_add(
            recommendation=rec, session=_closed_vote({"elected": 2}, f"Vote {i}"), actor=editor
        )
    with django_assert_num_queries(9):
        trace = action_trace(action)
    assert len(trace.vote_sessions) == 5
    # 2 enterprises alone would be read off: with the 3 citizens, « Autres collèges ».
    assert trace.as_dict()["vote_sessions"][0]["voters"]["by_college"] == {"others": 5}
    assert rec.history.filter(verb="vote_added").count() == 5


def test_an_open_vote_cannot_support_a_recommendation(make_recommendation, editor):
    from decisions.services import recommendation_vote_source_add
    from project.errors import DomainError

    session = _closed_vote({})
    session.state = "open"
    session.save()
    with pytest.raises(DomainError) as exc:
        recommendation_vote_source_add(
            recommendation=make_recommendation(), session=session, actor=editor
        )
    assert exc.value.code == "vote_not_finished"


def test_the_diagram_coordinates_stay_numbers_in_french(
    client, make_proposal, make_recommendation, make_action, publish
):
    import re

    rec = make_recommendation(proposals=[make_proposal(), make_proposal(), make_proposal()])
    action = make_action(rec)
    publish(rec)
    svg = client.get(f"/actions/{action.pk}/trace.svg", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    transforms = re.findall(r'transform="translate\(([^)]*)\)"', svg)
    assert transforms and all(re.fullmatch(r"[\d.]+,[\d.]+", t) for t in transforms), transforms
    paths = re.findall(r' d="([^"]*)"', svg)
    assert paths and all("," in p and not re.search(r"\d,\d+,\d", p) for p in paths)


def test_a_private_workshop_is_counted_but_never_named_in_the_public_trace(
    client, make_proposal, make_recommendation, make_action, publish
):
    workshop = WorkshopFactory(title="Atelier confidentiel des RH", visibility="private")
    ParticipantFactory(workshop=workshop)
    rec = make_recommendation(proposals=[make_proposal(origin_workshop=workshop)])
    action = make_action(rec)
    publish(rec)
    for url in [
        f"/actions/{action.pk}/trace/",
        f"/actions/{action.pk}/trace.svg",
        f"/api/v1/actions/{action.pk}/trace",
        f"/recommandations/{rec.pk}/",
    ]:
        body = client.get(url).content.decode()
        assert "confidentiel" not in body, url
    data = client.get(f"/api/v1/actions/{action.pk}/trace").json()
    assert data["workshops"][0]["participants"]["people"] == 1
    assert data["workshops"][0]["title"] == "Atelier privé"
