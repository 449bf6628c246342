"""The trace page counts in SQL (``decisions.trace_sql``) what ``build_trace`` counts in Python:
the same people by college, each once, with the college of their first contribution; the
small-college rule on private sources; only the page's rows read."""

from __future__ import annotations

import heapq
import random
import re
from html import unescape

import pytest

from accounts.models import College
from decisions.models import RecommendationSource
from decisions.trace import build_trace
from decisions.trace_sql import build_trace_page
from proposals.models import Comment, Proposal, Support
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory

pytestmark = pytest.mark.django_db

C = College.CITIZENS
E = College.ENTERPRISES
EL = College.ELECTED


def _proposal(axis, author, college, title, **kwargs) -> Proposal:
    return Proposal.objects.create(
        axis=axis, title=title, body="Texte.", author=author, author_college=college, **kwargs
    )


def _link(rec, proposal, **kwargs) -> RecommendationSource:
    return RecommendationSource.objects.create(recommendation=rec, proposal=proposal, **kwargs)


def _page(rec, start=0, size=50, top=8, ideas=20, workshops=12):
    return build_trace_page(
        rec,
        page_number=start // size + 1,
        page_size=size,
        top=top,
        group_ideas=ideas,
        workshops_shown=workshops,
    )


def test_a_person_counts_once_across_kinds_with_the_college_of_their_first_contribution(
    make_recommendation, axis
):
    a, b, c, d, e = (UserFactory() for _ in range(5))
    rec = make_recommendation()
    first = _proposal(axis, a, C, "Première")
    Support.objects.create(proposal=first, user=b, user_college=E)
    Comment.objects.create(proposal=first, author=b, author_college=EL, body="Oui")  # B again
    Comment.objects.create(proposal=first, author=a, author_college=C, body="Et moi")  # A again
    Comment.objects.create(proposal=first, author=c, author_college=C, body="x", is_hidden=True)
    Comment.objects.create(proposal=first, author=d, author_college=C, body="x", is_deleted=True)
    duplicate = _proposal(axis, e, EL, "Doublon", merged_into=first, status="merged")
    Support.objects.create(proposal=duplicate, user=a, user_college=E)  # A counted at the source
    second = _proposal(axis, b, EL, "Seconde")  # B's first contribution to it: elected
    _link(rec, first)
    _link(rec, second)

    trace = _page(rec)
    rows = {tp.proposal.pk: tp for tp in trace.proposals}
    # First source: A (citizen, as author), B (enterprises, their support before their
    # comment), E (elected, the duplicate's author); hidden and deleted comments don't count.
    assert rows[first.pk].contributors.people_by_college == {C: 1, E: 1, EL: 1}
    assert [m.pk for m in rows[first.pk].merged] == [duplicate.pk]
    assert rows[second.pk].contributors.people_by_college == {EL: 1}
    # The recommendation: A, B, E once each; B with their college at the first source.
    assert trace.contributors.people_by_college == {C: 1, E: 1, EL: 1}
    # Contributions: 2 proposals + duplicate, 2 supports, 2 visible comments.
    assert trace.contributors.contributions == 7
    assert trace.counts.proposals == 2 and trace.counts.merged == 1
    assert trace.counts.authors_by_college == {C: 1, EL: 1}

    full = build_trace(rec)
    assert full.contributors.people_by_college == trace.contributors.people_by_college
    assert full.contributors.contributions == trace.contributors.contributions


def test_a_source_merged_into_another_source_counts_for_itself_only(make_recommendation, axis):
    rec = make_recommendation()
    target = _proposal(axis, UserFactory(), C, "Cible")
    linked_too = _proposal(axis, UserFactory(), E, "Aussi reliée", merged_into=target)
    below = _proposal(axis, UserFactory(), EL, "En dessous", merged_into=linked_too)
    _link(rec, linked_too)
    _link(rec, target)
    trace = _page(rec)
    rows = {tp.proposal.pk: tp for tp in trace.proposals}
    assert rows[target.pk].merged == []
    assert [m.pk for m in rows[linked_too.pk].merged] == [below.pk]
    assert rows[linked_too.pk].contributors.people == 2
    assert trace.contributors.people == 3


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_a_private_source_keeps_its_label_and_merges_small_colleges(
    client, make_recommendation, publish, axis
):
    workshop = WorkshopFactory(title="Atelier confidentiel", visibility="private")
    ParticipantFactory(workshop=workshop)
    rec = make_recommendation()
    secret = _proposal(axis, UserFactory(), C, "Idée secrète", origin_workshop=workshop)
    for college in (C, C, E):  # 3 citizens with the author, 1 enterprise
        Support.objects.create(proposal=secret, user=UserFactory(), user_college=college)
    public = _proposal(axis, UserFactory(), E, "Idée publique")
    _link(rec, secret)
    _link(rec, public)
    publish(rec)

    trace = _page(rec)
    row = next(tp for tp in trace.proposals if tp.is_private)
    assert row.title == "une idée d'un atelier privé" and row.url == ""
    assert row.contributors.people_by_college == {C: 3, E: 1}
    html = client.get(f"/recommandations/{rec.pk}/trace/").content.decode()
    text = _text(html)
    assert "secrète" not in html and "confidentiel" not in html
    assert "une idée d'un atelier privé" in text
    # The private source's enterprise is counted in « Autres collèges », never alone.
    assert "4 contributeur·rices : 3 Citoyen·nes, 1 Autres collèges" in text
    # The public one is named and linked; its single contributor is not shown alone either.
    assert f'<a href="/propositions/{public.pk}/">Idée publique</a>' in html
    assert "1 contributeur·rice : 1 Autres collèges" in text


@pytest.mark.parametrize("seed", [1, 2])
def test_every_page_counts_what_the_full_trace_counts(make_recommendation, axis, seed):
    """A random tangle of sources, duplicates (two levels), supports and comments by people
    whose college changes, groups of ideas, public and private workshops: each page's rows,
    the top sources, the workshops and groups agree with ``build_trace``."""
    rng = random.Random(seed)
    colleges = [C, E, EL, College.CIVIL_SOCIETY]
    people = [UserFactory() for _ in range(12)]
    workshops = [WorkshopFactory(), WorkshopFactory(visibility="private"), WorkshopFactory()]
    rec = make_recommendation()
    roots = []
    for i in range(17):
        root = _proposal(
            axis, rng.choice(people), rng.choice(colleges), f"Source {i}",
            origin_workshop=rng.choice([None, *workshops]),
        )  # fmt: skip
        roots.append(root)
        family = [root]
        for j in range(rng.randint(0, 3)):
            parent = rng.choice(family)
            family.append(
                _proposal(
                    axis,
                    rng.choice(people),
                    rng.choice(colleges),
                    f"Doublon {i}.{j}",
                    merged_into=parent,
                    status="merged",
                    origin_workshop=rng.choice([None, *workshops]),
                )  # fmt: skip
            )
        for member in family:
            for user in rng.sample(people, rng.randint(0, 4)):
                Support.objects.create(
                    proposal=member, user=user, user_college=rng.choice(colleges)
                )
            for _ in range(rng.randint(0, 3)):
                Comment.objects.create(
                    proposal=member, author=rng.choice(people), author_college=rng.choice(colleges),
                    body="…", is_hidden=rng.random() < 0.2, is_deleted=rng.random() < 0.1,
                )  # fmt: skip
    rng.shuffle(roots)
    for i, root in enumerate(roots):
        group = rng.choice(["", "", "Mobilité", "Énergie"])
        _link(rec, root, idea_group_name=group, note=f"n{i}")

    full = build_trace(rec)
    ranked = heapq.nsmallest(
        8, range(len(full.proposals)), key=lambda i: (-full.proposals[i].contributors.people, i)
    )
    for start in range(0, 17, 5):
        trace = _page(rec, start=start, size=5, ideas=2, workshops=2)
        expected = full.proposals[start : start + 5]
        assert [tp.proposal.pk for tp in trace.proposals] == [tp.proposal.pk for tp in expected]
        for got, want in zip(trace.proposals, expected, strict=True):
            assert got.contributors.people_by_college == want.contributors.people_by_college
            assert [m.pk for m in got.merged] == [m.pk for m in want.merged]
            assert got.is_private == want.is_private and got.title == want.title
            assert [m.is_private for m in got.merged] == [m.is_private for m in want.merged]
            assert got.contributors_summary == want.contributors_summary
        assert trace.contributors.people_by_college == full.contributors.people_by_college
        assert trace.contributors.contributions == full.contributors.contributions
        assert [tp.proposal.pk for tp in trace.counts.top] == [
            full.proposals[i].proposal.pk for i in ranked
        ]
        counts = trace.counts
        assert counts.proposals == 17
        assert counts.merged == sum(len(tp.merged) for tp in full.proposals)
        assert counts.born_in_room == sum(
            1 for tp in full.proposals if tp.proposal.origin_workshop_id
        )
        assert counts.workshops == len(full.workshops)
        sources = {tw.workshop.pk: len(tw.proposal_ids) for tw in full.workshops}
        assert all(tw.sources == sources[tw.workshop.pk] for tw in trace.workshops)
        assert [(g.name, g.size, g.authors_by_college) for g in trace.groups] == [
            (g.name, len(g.proposals), g.authors_by_college) for g in full.groups
        ]
        assert [[tp.proposal.pk for tp in g.proposals] for g in trace.groups] == [
            [tp.proposal.pk for tp in g.proposals[:2]] for g in full.groups
        ]
        assert [g.is_private for g in trace.groups] == [g.is_private for g in full.groups]


# --- The counts kept in the board's cache, under its generation ------------------------------


@pytest.fixture
def cached(settings):
    """The board's cache on (a local-memory cache: these tests run in one process)."""
    from django.core.cache import cache

    settings.BOARD_CACHE = True
    cache.clear()
    yield
    cache.clear()


def _people(client, url) -> int:
    html = client.get(url).content.decode()
    head = _text(html.split('class="trace-summary"')[1].split("</p>")[0])
    return int(re.search(r"(\d+) contributeur", head).group(1))


def test_the_cached_counts_follow_every_write_that_changes_them(
    client, cached, make_proposal, make_recommendation, editor, moderator, publish,
    django_assert_max_num_queries,
):  # fmt: skip
    from decisions.services import recommendation_source_add, recommendation_source_remove
    from proposals.services import comment_create, comment_hide, proposal_merge, support_add

    first, second = make_proposal(title="Première"), make_proposal(title="Seconde")
    rec = make_recommendation(proposals=[first, second])
    publish(rec)
    url = f"/recommandations/{rec.pk}/trace/"
    assert _people(client, url) == 2
    # Read again: the counts come from the cache (2 queries less), the rows from the database.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as cold:
        from proposals import board_cache

        board_cache.changed()
        client.get(url)
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    assert len(warm.captured_queries) == len(cold.captured_queries) - 2

    supporter = UserFactory()
    support_add(proposal=first, user=supporter)
    assert _people(client, url) == 3
    comment = comment_create(proposal=second, author=UserFactory(), body="D'accord.")
    assert _people(client, url) == 4
    comment_hide(comment=comment, actor=moderator, reason="Hors sujet")
    assert _people(client, url) == 3
    third = make_proposal(title="Troisième")
    recommendation_source_add(recommendation=rec, proposal=third, actor=editor)
    assert _people(client, url) == 4
    link = RecommendationSource.objects.get(recommendation=rec, proposal=third)
    recommendation_source_remove(source=link, actor=editor)
    assert _people(client, url) == 3
    duplicate = make_proposal(title="Doublon")
    proposal_merge(source=duplicate, target=first, actor=moderator)
    assert _people(client, url) == 4
    with django_assert_max_num_queries(12):
        client.get(url)


def test_the_cache_holds_counts_never_what_a_visitor_may_see(
    client, cached, make_recommendation, publish, axis
):
    """Privacy is applied to the rows read for each request: a workshop turned private after
    the counts were kept is no longer named."""
    workshop = WorkshopFactory(title="Atelier des berges")
    rec = make_recommendation()
    _link(rec, _proposal(axis, UserFactory(), C, "Idée des berges", origin_workshop=workshop))
    publish(rec)
    url = f"/recommandations/{rec.pk}/trace/"
    assert "Idée des berges" in client.get(url).content.decode()
    workshop.visibility = "private"
    workshop.save(update_fields=["visibility"])
    html = client.get(url).content.decode()
    assert "berges" not in html, re.findall(r".{80}berges.{40}", html)
    assert "une idée d'un atelier privé" in _text(html)


def test_a_workshop_date_or_a_dissolved_group_moves_the_generation(cached, axis):
    from django.utils import timezone

    from proposals import board_cache

    workshop = WorkshopFactory()
    before = board_cache.generation()
    workshop.starts_at = timezone.now()
    workshop.save(update_fields=["starts_at"])
    assert board_cache.generation() != before
    from workshops.models import IdeaGroup

    group = IdeaGroup.objects.create(workshop=workshop, name="Mobilité")
    before = board_cache.generation()
    group.delete()
    assert board_cache.generation() != before


def test_the_page_queries_stay_flat_with_groups_merges_and_pages(
    client, make_recommendation, make_action, publish, axis, django_assert_max_num_queries
):
    from decisions import trace_page

    rec = make_recommendation()
    action = make_action(rec)
    publish(rec)
    workshop = WorkshopFactory()
    made = 0
    for size in (2, 60):
        while made < size:
            root = _proposal(axis, UserFactory(), C, f"Idée {made}", origin_workshop=workshop)
            _proposal(axis, UserFactory(), E, f"Doublon {made}", merged_into=root)
            Support.objects.create(proposal=root, user=UserFactory(), user_college=EL)
            _link(rec, root, idea_group_name=["Mobilité", "Énergie", ""][made % 3])
            made += 1
        for url, most in (
            (f"/actions/{action.pk}/trace/", 12),
            (f"/actions/{action.pk}/trace/?page=2", 12),
            (f"/recommandations/{rec.pk}/trace/", 12),
            # Beyond the last page: the last one, read by one more query.
            (f"/recommandations/{rec.pk}/trace/?page=99", 13),
        ):
            # The action or recommendation, 9 queries of the trace, its actions, the axes.
            with django_assert_max_num_queries(most):
                response = client.get(url)
            assert response.status_code == 200
    html = client.get(f"/actions/{action.pk}/trace/?page=2").content.decode()
    assert f"Propositions {trace_page.PAGE_SIZE + 1} à 60 sur 60" in _text(html)
    assert "Les 2 groupes d'idées d'atelier" in _text(html)


def test_the_diagram_describes_every_source_not_only_those_read(
    client, make_recommendation, publish, axis, monkeypatch
):
    from decisions import trace_page

    monkeypatch.setattr(trace_page, "PAGE_SIZE", 2)
    rec = make_recommendation()
    for i in range(5):
        _link(
            rec, _proposal(axis, UserFactory(), C, f"Idée {i}", origin_workshop=WorkshopFactory())
        )
    publish(rec)
    html = client.get(f"/recommandations/{rec.pk}/trace/").content.decode()
    desc = _text(html.split('id="trace-svg-desc"')[1].split("</desc>")[0])
    assert desc.startswith(">5 ateliers, 5 propositions, 1 recommandation")
