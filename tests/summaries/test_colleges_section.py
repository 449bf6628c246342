"""A workshop's summary names what united the colleges and what divided them (supports of
the workshop's ideas by college, smoothed as on the board: proposals.consensus)."""

from __future__ import annotations

import pytest

from accounts.models import College
from proposals import services
from proposals.models import Proposal
from summaries.services import summary_create_for_workshop
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supported_workshop(held_workshop):
    """The held workshop's ideas supported through the service by 11 people: 4 citizens,
    4 firms, 2 elected and 1 from civil society (those two colleges merge, 3 people)."""
    people = held_workshop.people
    cit4 = UserFactory(college=College.CITIZENS)
    ent3, ent4 = UserFactory(college=College.ENTERPRISES), UserFactory(college=College.ENTERPRISES)
    elected2 = UserFactory(college=College.ELECTED)
    ideas = {p.title: p for p in Proposal.objects.filter(origin_workshop=held_workshop)}
    lucie, marc, ines = people["lucie"], people["marc"], people["ines"]
    nathalie, pierre, jean, paul = (
        people["nathalie"],
        people["pierre"],
        people["jean"],
        people["paul"],
    )
    supports = {
        # Backed across the colleges: 3 of 4 citizens, 3 of 4 firms, 2 of the 3 others.
        "Réserve foncière intercommunale": [
            lucie,
            marc,
            ines,
            nathalie,
            pierre,
            ent3,
            paul,
            elected2,
        ],
        # Citizens mostly, a firm, the others: weak among firms.
        "Inventaire public des friches": [marc, ines, cit4, nathalie, jean, paul],
        # Firms only.
        "Guichet unique foncier pour les PME": [pierre, ent3, ent4],
        # Citizens only, all of them.
        "Jardins partagés en attendant les projets": [lucie, marc, ines, cit4],
    }
    for title, users in supports.items():
        for user in users:
            services.support_add(proposal=ideas[title], user=user)
    return held_workshop


def test_what_united_the_colleges(supported_workshop, editor):
    data = summary_create_for_workshop(actor=editor, workshop=supported_workshop).data
    colleges = data["ideas"]["colleges"]
    assert colleges["available"] is True
    # Small-college rule: 2 elected and 1 from civil society are shown together, never alone.
    assert colleges["groups"] == [
        {"college": "citizens", "people": 4},
        {"college": "enterprises", "people": 4},
        {"college": "others", "people": 3},
    ]
    # p̄ = 21 supports / (5 ideas × 11 people); only the reserve is above it in every college.
    assert colleges["mean_pct"] == pytest.approx(round(100 * 21 / 55, 2))
    assert [i["title"] for i in colleges["united"]] == ["Réserve foncière intercommunale"]
    reserve = colleges["united"][0]
    mean = 21 / 55
    assert reserve["supports"] == 8
    assert reserve["rates"] == [
        {"college": "citizens", "pct": round(100 * (3 + 10 * mean) / 14, 1)},
        {"college": "enterprises", "pct": round(100 * (3 + 10 * mean) / 14, 1)},
        {"college": "others", "pct": round(100 * (2 + 10 * mean) / 13, 1)},
    ]
    assert reserve["lowest_pct"] == round(100 * (2 + 10 * mean) / 13, 1)


def test_what_divided_the_colleges(supported_workshop, editor, client):
    summary = summary_create_for_workshop(actor=editor, workshop=supported_workshop)
    divided = summary.data["ideas"]["colleges"]["divided"]
    # The largest gaps first: all the citizens and nobody else, then 3 firms of 4 alone.
    assert [i["title"] for i in divided] == [
        "Jardins partagés en attendant les projets",
        "Guichet unique foncier pour les PME",
        "Inventaire public des friches",
    ]
    assert divided[0]["gap_points"] == round(100 * 4 / 14, 1)
    assert divided[1]["gap_points"] == round(100 * 3 / 14, 1)

    client.force_login(editor)
    html = client.get(f"/syntheses/{summary.slug}/apercu/").content.decode()
    assert "Ce qui a rassemblé les collèges" in html
    assert "Ce qui a divisé les collèges" in html
    assert "Autres collèges" in html and "Élu·es" not in html.split("Ce qui a rassemblé")[1]


def test_no_comparison_without_two_college_groups(held_workshop, editor):
    # Supports from citizens only: nothing to compare between colleges.
    idea = Proposal.objects.get(title="Réserve foncière intercommunale")
    for user in (held_workshop.people["lucie"], held_workshop.people["marc"]):
        services.support_add(proposal=idea, user=user)
    data = summary_create_for_workshop(actor=editor, workshop=held_workshop).data
    assert data["ideas"]["colleges"] == {"available": False}
