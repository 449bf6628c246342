"""The trace page of a large recommendation: a summary, pages of sources, the full list as a
CSV, a diagram that sums up; queries that do not grow with the number of sources."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from types import SimpleNamespace

import pytest

from accounts.models import College
from decisions import trace_diagram, trace_page
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 3 sources, a summary from 3 sources, 2 workshops listed, 2 ideas a group."""
    monkeypatch.setattr(trace_page, "PAGE_SIZE", 3)
    monkeypatch.setattr(trace_page, "SUMMARY_FROM", 3)
    monkeypatch.setattr(trace_page, "WORKSHOPS_SHOWN", 2)
    monkeypatch.setattr(trace_page, "GROUP_IDEAS_SHOWN", 2)


def _grow(make_proposal, rec, editor, size: int, moderator, *, start: int = 0):
    """``size`` sources from ``size`` workshops, each with a support and a merged duplicate;
    the i-th source has i supporters more, so the last ones gather the most people."""
    from decisions.services import recommendation_source_add
    from proposals.services import proposal_merge, support_add

    for i in range(start, start + size):
        workshop = WorkshopFactory(title=f"Atelier {i}")
        ParticipantFactory(workshop=workshop)
        p = make_proposal(origin_workshop=workshop, title=f"Source {i}")
        dup = make_proposal(origin_workshop=workshop, title=f"Doublon {i}")
        for _ in range(i + 1):
            support_add(proposal=p, user=UserFactory(college=College.ELECTED))
        proposal_merge(source=dup, target=p, actor=moderator)
        recommendation_source_add(recommendation=rec, proposal=p, actor=editor)


@pytest.fixture
def big(make_proposal, make_recommendation, make_action, editor, moderator, publish):
    rec = make_recommendation()
    action = make_action(rec)
    publish(rec)
    _grow(make_proposal, rec, editor, 7, moderator)
    return SimpleNamespace(rec=rec, action=action)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_sources_come_a_page_at_a_time_with_plain_page_links(client, big, small_pages):
    url = f"/actions/{big.action.pk}/trace/"
    html = client.get(url).content.decode()
    proposals = html.split('id="propositions"')[1].split("</nav>")[0]
    assert "Les 7 propositions sources" in proposals
    assert "Propositions 1 à 3 sur 7" in _text(proposals)
    assert [t for t in ("Source 0", "Source 1", "Source 2", "Source 3") if t in proposals] == [
        "Source 0",
        "Source 1",
        "Source 2",
    ]
    nav = proposals.split('class="trace-pages"')[1]
    assert 'aria-label="Pages des propositions sources"' in proposals
    assert '<a href="?page=1#propositions" aria-current="page">' in nav
    assert 'href="?page=2#propositions" rel="next"' in nav and 'href="?page=3#propositions"' in nav
    assert 'rel="prev"' not in nav

    last = client.get(url, {"page": 3}).content.decode().split('id="propositions"')[1]
    assert "Propositions 7 à 7 sur 7" in _text(last) and "Source 6" in last
    assert 'href="?page=2#propositions" rel="prev"' in last and 'rel="next"' not in last
    # A page out of range or not a number: the nearest page, never an error.
    assert "Propositions 7 à 7 sur 7" in _text(client.get(url, {"page": 99}).content.decode())
    assert "Propositions 1 à 3 sur 7" in _text(client.get(url, {"page": "x"}).content.decode())


def test_a_large_trace_opens_with_its_sources_counted_by_kind_and_college(client, big, small_pages):
    html = client.get(f"/recommandations/{big.rec.pk}/trace/").content.decode()
    summary = _text(html.split('id="resume"')[1].split('id="propositions"')[0])
    assert "Propositions sources 7" in summary
    assert "… dont nées en atelier 7" in summary
    assert "Propositions fusionnées qu'elles reprennent 7" in summary
    assert "Ateliers d'origine 7" in summary
    # 14 authors (7 sources, their 7 duplicates) are citizens; the table counts the 7 sources'.
    assert "Citoyen·nes 7" in summary
    # The most supported first: source 6 has 7 supporters, source 5 has 6…
    top = summary.split("le plus de contributeur·rices")[1]
    assert top.index("Source 6") < top.index("Source 5") < top.index("Source 4")
    assert "Source 0" not in top
    # 2 workshops listed, those at the origin of the most sources; the rest counted.
    places = _text(html.split("Les ateliers et les votes")[1])
    assert "et 5 autres ateliers" in places


def test_the_full_list_of_sources_is_a_csv(client, big):
    response = client.get(f"/actions/{big.action.pk}/trace.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Type", "Identifiant", "Titre"]
    kinds = [row[0] for row in rows[1:]]
    assert kinds.count("proposition source") == 7
    assert kinds.count("proposition fusionnée") == 7 and kinds.count("atelier") == 7
    source6 = next(row for row in rows if row[2] == "Source 6")
    assert source6[8] == "9"  # author, the duplicate's author, 7 supporters
    rec_csv = client.get(f"/recommandations/{big.rec.pk}/trace.csv")
    assert len(list(csv.reader(io.StringIO(b"".join(rec_csv.streaming_content).decode())))) == 22


def test_the_csv_never_names_a_private_workshop_nor_starts_a_formula(
    client, make_proposal, make_recommendation, publish
):
    workshop = WorkshopFactory(title="Atelier confidentiel", visibility="private")
    ParticipantFactory(workshop=workshop)
    rec = make_recommendation(
        proposals=[make_proposal(origin_workshop=workshop), make_proposal(title="=SOMME(A1)")]
    )
    publish(rec)
    body = b"".join(client.get(f"/recommandations/{rec.pk}/trace.csv").streaming_content)
    text = body.decode()
    assert "confidentiel" not in text and "Atelier privé" in text
    assert "une idée d'un atelier privé" in text
    assert "'=SOMME(A1)" in text
    assert client.get(f"/recommandations/{make_recommendation().pk}/trace.csv").status_code == 404


def test_the_page_and_csv_queries_stay_flat_from_a_few_sources_to_many(
    client, make_proposal, make_recommendation, make_action, editor, moderator, publish,
    django_assert_max_num_queries, small_pages,
):  # fmt: skip
    rec = make_recommendation()
    action = make_action(rec)
    publish(rec)
    urls = [
        f"/actions/{action.pk}/trace/",
        f"/actions/{action.pk}/trace/?page=2",
        f"/actions/{action.pk}/trace.csv",
        f"/recommandations/{rec.pk}/trace/",
        f"/recommandations/{rec.pk}/trace.csv",
    ]
    for size, start in [(2, 0), (10, 2)]:
        _grow(make_proposal, rec, editor, size, moderator, start=start)
        for url in urls:
            # The action or recommendation, the 9 trace queries, its actions, the header's axes.
            with django_assert_max_num_queries(12):
                response = client.get(url)
                if url.endswith(".csv"):
                    b"".join(response.streaming_content)
            assert response.status_code == 200, url


def _tp(pk, people):
    return SimpleNamespace(
        proposal=SimpleNamespace(pk=pk),
        title=f"P{pk}",
        url="",
        is_hidden=False,
        is_private=False,
        merged=[],
        contributors=SimpleNamespace(people=people),
    )


def test_the_diagram_draws_statements_and_sums_up_a_long_column():
    labels = trace_page.diagram_labels()
    rec = SimpleNamespace(title="Reco", get_absolute_url=lambda: "/r/")
    statement = SimpleNamespace(
        statement=SimpleNamespace(pk=5),
        title="Les navettes d'abord",
        url="/o/",
        overall={"voters": 12},
    )
    workshops = [
        SimpleNamespace(
            workshop=SimpleNamespace(pk=w),
            title=f"W{w}",
            url="",
            participants=SimpleNamespace(people=3),
            proposal_ids=[w],
        )
        for w in range(1, 13)
    ]
    trace = SimpleNamespace(
        recommendation=rec,
        workshops=workshops,
        vote_sessions=[],
        statements=[statement],
        proposals=[_tp(pk, people=pk) for pk in range(1, 21)],
        actions=[],
        focus_action=None,
        contributors=SimpleNamespace(people=40),
    )
    diagram = trace_diagram.trace_diagram(trace, labels=labels)
    kinds = [node.kind for node in diagram.nodes]
    assert kinds.count("statement") == 1
    [node] = [n for n in diagram.nodes if n.kind == "statement"]
    assert node.label == "Les navettes d'abord" and node.sublabel == "affirmation · votes : 12"
    # 8 rows a column at most: 7 proposals (the most contributors) and « + 13 autres ».
    proposals = [n for n in diagram.nodes if n.kind == "proposal"]
    assert [n.key for n in proposals] == [f"proposal-{pk}" for pk in range(14, 21)]
    others = [n.label for n in diagram.nodes if n.kind == "others"]
    assert sorted(others) == ["+ 13 autres", "+ 6 autres"]  # the statement, 6 of 12 workshops
    assert diagram.left_out == 19
    assert diagram.height == trace_diagram.TOP + 8 * trace_diagram.ROW_H + 8
    # An edge from the statement to the recommendation; none twice.
    rec_node = next(n for n in diagram.nodes if n.kind == "recommendation")
    assert any(e.x1 == node.x + node.width and e.x2 == rec_node.x for e in diagram.edges)
    assert len({e.path for e in diagram.edges}) == len(diagram.edges)
