"""Generation of a summary's figures: right numbers, honest empty sections, bounded queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import College
from proposals.models import Axis
from summaries.generation import Scope, summary_data_generate
from summaries.models import Scope as ScopeKind
from summaries.services import summary_create, summary_create_for_workshop
from tests.factories import UserFactory, seed_demo
from tests.summaries.factories import make_proposal
from tests.workshops.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def test_generation_on_the_demo_data(held_workshop, editor):
    seed_demo()
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    data = summary.data

    participation = data["participation"]
    assert participation["total"] == 8
    assert (participation["on_site"], participation["online"]) == (4, 4)
    citizens = next(r for r in participation["by_college"] if r["college"] == College.CITIZENS)
    assert citizens == {"college": "citizens", "on_site": 2, "online": 2, "total": 4}

    ideas = data["ideas"]
    assert ideas["total"] == 5  # the hidden idea is not counted
    foncier = next(r for r in ideas["by_axis"] if r["axis"] == "environnement-accueil")
    assert foncier["total"] == 4
    # Colleges of fewer than 3 ideas are counted in « Autres collèges ».
    assert foncier["colleges"] == {"others": 4}
    assert ideas["by_college"] == [{"college": "others", "count": 5}]
    assert [i["title"] for i in ideas["top"][:2]] == [
        "Inventaire public des friches",
        "Guichet unique foncier pour les PME",
    ]
    # No guest name, no author at all in the top ideas: only the college.
    assert "author" not in ideas["top"][0]
    assert data["scope"]["workshop"]["slug"] == "friches-test"


def test_sections_without_data_say_so(held_workshop, editor, client):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    assert summary.data["votes"]["available"] is False
    client.force_login(editor)
    html = client.get(f"/syntheses/{summary.slug}/apercu/").content.decode()
    assert "Aucun vote pour cet atelier." in html


def test_generation_takes_the_same_number_of_queries_whatever_the_size(held_workshop):
    scope = Scope(kind="workshop", workshop=held_workshop)
    with CaptureQueriesContext(connection) as small:
        summary_data_generate(scope)

    axis = Axis.objects.get(slug="former-massivement")
    for n in range(40):
        user = UserFactory(college=College.ENTERPRISES if n % 2 else College.ELECTED)
        ParticipantFactory(workshop=held_workshop, user=user)
        make_proposal(author=user, axis=axis, workshop=held_workshop, title=f"Idée {n}")
    with CaptureQueriesContext(connection) as big:
        data = summary_data_generate(scope)

    assert data["participation"]["total"] == 48
    assert data["ideas"]["total"] == 45
    assert len(big) == len(small)
    # Axes, participants by (college, attendance), ideas by (axis, college), top ideas,
    # ideas under review, vote sessions, recommendations (+ their actions), phases,
    # upcoming workshops: a dozen queries, whatever the size.
    assert len(big) <= 15, [q["sql"] for q in big.captured_queries]


def test_a_period_summary_counts_people_once(held_workshop, editor):
    from datetime import date, timedelta

    from django.utils import timezone

    held_workshop.starts_at = timezone.now()
    held_workshop.save()
    today = timezone.localdate()
    summary = summary_create(
        actor=editor,
        scope=ScopeKind.PERIOD,
        period_start=today - timedelta(days=7),
        period_end=today,
    )
    assert summary.data["participation"]["people"] == 8
    assert summary.data["agenda"]["kind"] == "workshops"
    assert summary.data["agenda"]["items"][0]["participants"] == 8
    assert summary.title.startswith("Synthèse du ")
    assert date.fromisoformat(summary.data["scope"]["end"]) == today


def test_an_axis_summary_counts_the_ideas_of_the_axis(held_workshop, editor):
    axis = Axis.objects.get(slug="filieres-avenir")
    summary = summary_create(actor=editor, scope=ScopeKind.AXIS, axis=axis)
    assert summary.data["ideas"]["total"] == 1
    assert summary.data["scope"]["axis"]["slug"] == "filieres-avenir"


def test_the_agenda_is_the_phases_as_they_ran(facilitator, editor):
    from datetime import timedelta

    from tests.workshops.factories import WorkshopFactory
    from workshops import services as workshops
    from workshops.models import Phase, WorkshopState

    workshop = WorkshopFactory(state=WorkshopState.SCHEDULED, facilitators=[facilitator])
    workshops.workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)
    workshops.phase_next(workshop=workshop, actor=facilitator)
    workshops.phase_next(workshop=workshop, actor=facilitator)
    workshops.workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.CLOSED)
    # Give the phases real-looking times: 10:00, 10:12, 10:40, closed at 10:55.
    welcome, ideation, clustering = Phase.objects.filter(workshop=workshop).order_by("order")[:3]
    start = welcome.started_at.replace(hour=9, minute=0, second=0, microsecond=0)
    for phase, begin, end in [(welcome, 0, 12), (ideation, 12, 40), (clustering, 40, 55)]:
        Phase.objects.filter(pk=phase.pk).update(
            started_at=start + timedelta(minutes=begin), ended_at=start + timedelta(minutes=end)
        )

    summary = summary_create_for_workshop(actor=editor, workshop=workshop)
    agenda = summary.data["agenda"]
    assert agenda["kind"] == "phases"
    # Phases that never started (debate, vote, synthesis) did not happen.
    assert [(p["kind"], p["minutes"], p["planned_minutes"]) for p in agenda["items"]] == [
        ("welcome", 12, 10),
        ("ideation", 28, 20),
        ("clustering", 15, 15),
    ]


def test_seed_demo_publishes_a_summary_of_the_demo_workshop(client):
    from summaries.models import DecisionSummary

    seed_demo()
    seed_demo()  # idempotent: still one summary per demo workshop held, one version each
    assert DecisionSummary.objects.count() == 2  # the launch workshop's and the live one's
    summary = DecisionSummary.objects.get(workshop__slug="filieres-avenir-hydrogene-maroquinerie")
    assert summary.versions.count() == 1
    version = summary.current_version
    assert version.data["participation"]["total"] > 0
    assert version.data["ideas"]["total"] > 0
    page = client.get(f"/syntheses/{summary.slug}/")
    assert page.status_code == 200
    assert "diversification vers les filières" in page.content.decode()


def test_a_private_workshop_gets_no_summary(held_workshop, editor):
    """A summary is public: a private room's title and figures stay inside it (docs/security.md)."""
    from project.errors import DomainError
    from workshops.models import Visibility

    held_workshop.visibility = Visibility.PRIVATE
    held_workshop.save()
    with pytest.raises(DomainError) as caught:
        summary_create_for_workshop(actor=editor, workshop=held_workshop)
    assert caught.value.code == "workshop_not_public"
