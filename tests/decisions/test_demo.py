"""The demo: the founding document's recommendations, traced end to end."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from decisions.models import ActionItem, Indicator, Recommendation
from decisions.trace import action_trace

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


def test_the_founding_documents_recommendations_are_there_with_actions_and_updates(demo):
    titles = set(Recommendation.objects.values_list("title", flat=True))
    for words in [
        "Agence Territoriale de Souveraineté",
        "fonds d'investissement territorial",
        "clause de souveraineté",
        "infrastructure d'IA",
        "Former massivement",
    ]:
        assert any(words.lower() in t.lower() for t in titles), words
    # The founding document's five, and one for each of the strategy's 5 axes.
    assert Recommendation.objects.filter(status="published").count() == 10
    assert ActionItem.objects.count() >= 8
    assert ActionItem.objects.filter(updates__isnull=False).distinct().count() >= 5
    assert ActionItem.objects.filter(status="blocked").exists()
    assert ActionItem.objects.overdue().exists()


def test_demo_measurements_are_labelled_as_such(demo):
    from decisions.models import Measurement

    assert Measurement.objects.exists()
    assert set(Measurement.objects.values_list("source", flat=True)) == {"Données de démonstration"}
    assert Indicator.objects.success().count() == 4


def test_a_demo_action_traces_back_to_two_proposals_their_workshop_and_counts_by_college(
    demo, client
):
    traces = [action_trace(a) for a in ActionItem.objects.select_related("recommendation__axis")]
    full = [t for t in traces if len(t.proposals) >= 2 and t.workshops]
    assert full, "no demo action reaches back to a workshop through two proposals"
    trace = max(full, key=lambda t: len(t.contributors.by_college()))
    assert len(trace.contributors.by_college()) >= 2
    action = trace.actions[0]
    html = client.get(f"/actions/{action.pk}/trace/").content.decode()
    assert trace.recommendation.title.replace("'", "&#x27;") in html
    assert trace.workshops[0].workshop.title.replace("'", "&#x27;") in html
    assert "contributeur·rices :" in html


def test_the_merged_duplicate_counts_once_in_the_agency_trace(demo):
    rec = Recommendation.objects.get(title="Créer une Agence Territoriale de Souveraineté")
    trace = action_trace(rec.actions.first())
    [tp] = [tp for tp in trace.proposals if tp.merged]
    authors = {tp.proposal.author_id, *[m.author_id for m in tp.merged]}
    assert tp.contributors.people >= len(authors)
