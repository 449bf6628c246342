"""« Soutenues dans tous les collèges »: smoothed support rates by college, lowest first
(proposals.consensus), on the board and through its cache, with bounded queries."""

from __future__ import annotations

import random

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import College, User
from proposals import consensus, selectors
from proposals.models import Proposal, Support
from tests.proposals.test_views import board_ids

pytestmark = pytest.mark.django_db

# A realistic board: many citizens, fewer firms, a handful of elected officials (who use the
# board at all); civil society has no supporter yet.
PEOPLE = {College.CITIZENS: 400, College.ENTERPRISES: 60, College.ELECTED: 3}


def _people(counts: dict[str, int]) -> dict[str, list[User]]:
    users = []
    for college, n in counts.items():
        users += [
            User(
                username=f"cons-{college}-{i}",
                email=f"cons-{college}-{i}@example.org",
                college=college,
            )
            for i in range(n)
        ]
    User.objects.bulk_create(users)
    by_college: dict[str, list[User]] = {c: [] for c in counts}
    for user in User.objects.filter(username__startswith="cons-").order_by("pk"):
        by_college[user.college].append(user)
    return by_college


def _proposal(author, axis, title: str, supporters: list[User]) -> Proposal:
    proposal = Proposal.objects.create(
        axis=axis,
        title=title,
        body="",
        author=author,
        author_college=author.college,
        support_count=len(supporters),
    )
    Support.objects.bulk_create(
        [Support(proposal=proposal, user=u, user_college=u.college) for u in supporters]
    )
    return proposal


@pytest.fixture
def board(axis):
    """4 proposals under test among 40 ordinary ones; everybody supports one ordinary
    proposal (round robin), so every person counts in their college's denominator."""
    people = _people(PEOPLE)
    citizens, firms, elected = (people[c] for c in PEOPLE)
    author = citizens[0]
    everyone = citizens + firms + elected
    for i in range(40):
        _proposal(author, axis, f"Proposition ordinaire {i}", everyone[i::40])
    made = {
        # 25 % of citizens and of firms, 1 of the 3 elected: 116 supports.
        "even": _proposal(
            author, axis, "Une maison des projets", citizens[:100] + firms[:15] + elected[:1]
        ),
        # 300 supports, citizens only.
        "citizens_only": _proposal(author, axis, "Un parking au centre", citizens[:300]),
        # 300 supports from citizens and firms, none of the 3 elected.
        "big": _proposal(author, axis, "Des pistes cyclables", citizens[:250] + firms[:50]),
        # 3 supports, one in each college: its raw lowest rate, 1/400, beats big's 0/3.
        "small": _proposal(
            author, axis, "Un banc place du marché", [citizens[1], firms[1], elected[1]]
        ),
    }
    return made


def _ranked(qs=None) -> list[int]:
    qs = qs or Proposal.objects.all()
    return list(consensus.ordered(qs, consensus.board_figures(qs)).values_list("pk", flat=True))


def test_even_support_outranks_more_supports_from_one_college(board):
    ranking = _ranked()
    assert ranking[0] == board["even"].pk
    assert ranking.index(board["even"].pk) < ranking.index(board["citizens_only"].pk)
    assert ranking.index(board["even"].pk) < ranking.index(board["big"].pk)
    # "Les plus soutenues" says the opposite.
    supported = list(
        selectors.board_queryset(
            None, selectors.BoardQuery(sort="supported").normalized()
        ).values_list("pk", flat=True)
    )
    assert supported.index(board["citizens_only"].pk) < supported.index(board["even"].pk)


def test_three_supports_do_not_outrank_three_hundred(board):
    figures = consensus.board_figures(Proposal.objects.all())
    # Unsmoothed, the 3 supports would win: 1/400 in their weakest college against 0/3.
    assert min(1 / 400, 1 / 60, 1 / 3) > min(250 / 400, 50 / 60, 0 / 3)
    big = figures.rates({College.CITIZENS: 250, College.ENTERPRISES: 50})
    small = figures.rates({College.CITIZENS: 1, College.ENTERPRISES: 1, College.ELECTED: 1})
    assert min(big.values()) > min(small.values())
    ranking = _ranked()
    assert ranking.index(board["big"].pk) < ranking.index(board["small"].pk)


def test_the_prior_is_the_boards_mean(board):
    figures = consensus.board_figures(Proposal.objects.all())
    supports = Support.objects.count()
    assert figures.people == {"citizens": 400, "enterprises": 60, "elected": 3}
    assert figures.mean == pytest.approx(supports / (44 * 463))
    # No support at all in a college: the rate is the prior's, m·p̄ / (people + m).
    assert figures.rate(0, "elected") == pytest.approx(10 * figures.mean / 13)
    annotated = consensus.annotate(Proposal.objects.filter(pk=board["even"].pk), figures).get()
    even = figures.rates({College.CITIZENS: 100, College.ENTERPRISES: 15, College.ELECTED: 1})
    assert annotated.consensus == pytest.approx(min(even.values()))


def test_a_college_under_three_people_is_never_a_group_alone(axis):
    people = _people({College.CITIZENS: 5, College.ENTERPRISES: 4, College.ELECTED: 2})
    author = people[College.CITIZENS][0]
    two_elected = _proposal(author, axis, "Soutenue par deux élu·es", people[College.ELECTED])
    _proposal(author, axis, "Soutenue par les citoyen·nes", people[College.CITIZENS])
    _proposal(author, axis, "Soutenue par les entreprises", people[College.ENTERPRISES])
    figures = consensus.board_figures(Proposal.objects.all())
    # The 2 elected go to « Autres collèges »; others having fewer than 3, the smallest
    # shown college (firms, 4) joins them.
    assert "elected" not in figures.people
    assert figures.people == {"citizens": 5, "others": 6}
    assert set(figures.colleges["others"]) == {"elected", "enterprises"}
    # The 2 elected's supports count in « others » as 2 of 6, not as 2 of 2.
    rates = figures.rates({College.ELECTED: 2})
    assert rates["others"] == pytest.approx((2 + 10 * figures.mean) / 16)
    annotated = consensus.annotate(Proposal.objects.filter(pk=two_elected.pk), figures).get()
    assert annotated.consensus == pytest.approx(min(rates.values()))


def test_the_board_offers_and_applies_the_sort(board, client):
    response = client.get(reverse("proposals:board"), {"sort": "consensus"})
    text = response.content.decode()
    assert '<option value="consensus" selected>Soutenues dans tous les collèges</option>' in text
    ids = board_ids(response)
    assert ids[0] == board["even"].pk
    # big (0 of 3 elected, smoothed) comes right after; small (1 of 400 citizens) is last.
    assert board["big"].pk in ids[:3] and board["small"].pk not in ids


@pytest.mark.parametrize("rows", [3, 30])
def test_the_consensus_board_queries_do_not_grow_with_rows(
    axis, rows, client, django_assert_max_num_queries
):
    people = _people({College.CITIZENS: 6, College.ENTERPRISES: 4, College.ELECTED: 3})
    everyone = [u for group in people.values() for u in group]
    author = everyone[0]
    rng = random.Random(rows)
    for i in range(rows):
        _proposal(author, axis, f"Idée numéro {i}", rng.sample(everyone, 4))
    client.get(reverse("proposals:board"))
    # session, axes, workshops, consensus figures (supporters by college, proposals), COUNT,
    # the page's rows ordered by their lowest college rate, the axis nav
    with django_assert_max_num_queries(8):
        response = client.get(reverse("proposals:board"), {"sort": "consensus"})
    assert len(board_ids(response)) == min(rows, 20)


def test_the_cached_board_follows_new_supports(board, settings):
    from proposals import services

    settings.BOARD_CACHE = True
    anonymous = Client()
    assert (
        board_ids(anonymous.get(reverse("proposals:board"), {"sort": "consensus"}))[0]
        == board["even"].pk
    )
    # Every elected official and 50 more firms now back the cycle lanes: they unite the colleges.
    elected = list(User.objects.filter(college=College.ELECTED))
    firms = list(User.objects.filter(college=College.ENTERPRISES).order_by("pk")[50:60])
    for user in elected + firms:
        services.support_add(proposal=board["big"], user=user)
    ids = board_ids(anonymous.get(reverse("proposals:board"), {"sort": "consensus"}))
    assert ids[0] == board["big"].pk


def test_the_api_offers_the_same_order(board, client):
    response = client.get("/api/v1/proposals", {"sort": "consensus", "page_size": 50})
    assert response.status_code == 200
    body = response.json()
    ids = [item["id"] for item in body["results"]]
    assert ids == _ranked()
