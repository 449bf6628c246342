"""The run sheet (workshops.steps): one-action next step, prepared votes, add/move/skip,
templates, duplicating a workshop."""

from __future__ import annotations

import json

import pytest

from accounts.models import AuditEvent
from project.errors import DomainError, PermissionDeniedError
from proposals.services import proposal_create
from realtime.models import RoomEvent
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory
from votes.models import SessionState, VoteSession
from workshops import steps
from workshops.models import Phase, PhaseKind, Workshop, WorkshopState


def event_types(workshop) -> list[str]:
    return [json.loads(e.frame)["type"] for e in RoomEvent.objects.for_room(workshop.pk)]


def go_live_with(workshop, facilitator, template: str) -> Workshop:
    from workshops.services import workshop_state_change

    steps.runsheet_apply_template(workshop=workshop, actor=facilitator, template=template)
    workshop.state = WorkshopState.SCHEDULED
    workshop.save(update_fields=["state"])
    return workshop_state_change(workshop=workshop, actor=facilitator, to=WorkshopState.LIVE)


@pytest.fixture
def brainstorm(workshop, facilitator):
    return go_live_with(workshop, facilitator, "brainstorm")


def kinds(workshop) -> list[str]:
    return list(workshop.phases.order_by("order").values_list("kind", flat=True))


def post_ideas(workshop, axis, n=3):
    authors = [ParticipantFactory(workshop=workshop).user for _ in range(n)]
    return [
        proposal_create(
            author=a,
            axis=axis,
            title=f"Idée numéro {i} pour le territoire",
            body="",
            origin_workshop=workshop,
        )
        for i, a in enumerate(authors)
    ]


def test_templates_replace_the_run_sheet_before_the_start(workshop, facilitator):
    assert kinds(workshop) == []  # the factory makes no agenda
    steps.runsheet_apply_template(workshop=workshop, actor=facilitator, template="brainstorm")
    assert kinds(workshop) == [
        "welcome",
        "ideation",
        "clustering",
        "vote",
        "results",
        "synthesis",
    ]
    vote = workshop.phases.get(kind="vote")
    assert vote.config == {"method": "majority_judgment", "options": "ideas", "reveal": "at_close"}
    steps.runsheet_apply_template(workshop=workshop, actor=facilitator, template="world_cafe")
    cafe = list(workshop.phases.order_by("order"))
    assert any("rapporteur" in p.instructions for p in cafe)
    assert sum(1 for p in cafe if p.kind == "debate") == 3
    steps.runsheet_apply_template(workshop=workshop, actor=facilitator, template="open_forum")
    assert workshop.phases.get(kind="vote").config["method"] == "dots"
    assert AuditEvent.objects.filter(action="workshop.template_applied").count() == 3


def test_templates_refuse_an_unknown_name_a_stranger_and_a_started_workshop(
    brainstorm, facilitator, user
):
    before = kinds(brainstorm)
    with pytest.raises(PermissionDeniedError):
        steps.runsheet_apply_template(workshop=brainstorm, actor=user, template="world_cafe")
    with pytest.raises(DomainError) as error:
        steps.runsheet_apply_template(workshop=brainstorm, actor=facilitator, template="nope")
    assert error.value.code == "invalid_template"
    with pytest.raises(DomainError) as error:
        steps.runsheet_apply_template(workshop=brainstorm, actor=facilitator, template="world_cafe")
    assert error.value.code == "started"
    assert kinds(brainstorm) == before


def test_next_step_moves_the_phase_opens_the_prepared_vote_and_broadcasts_once(
    brainstorm, facilitator, axis
):
    ideas = post_ideas(brainstorm, axis, n=3)
    out = steps.step_next(workshop=brainstorm, actor=facilitator)  # welcome → brainstorm
    assert out.phase.kind == "ideation"
    out = steps.step_next(workshop=brainstorm, actor=facilitator)  # → grouping
    assert out.phase.kind == "clustering"
    brainstorm.refresh_from_db()
    assert brainstorm.board_locked
    RoomEvent.objects.for_room(brainstorm.pk).delete()

    out = steps.step_next(workshop=brainstorm, actor=facilitator)  # → vote, in one action
    brainstorm.refresh_from_db()
    vote_step = brainstorm.phases.get(kind="vote")
    assert brainstorm.current_phase_id == vote_step.pk
    session = VoteSession.objects.get(pk=out.vote_session_id)
    assert vote_step.vote_session_id == session.pk
    assert session.state == SessionState.OPEN and session.method == "majority_judgment"
    assert sorted(session.options.values_list("proposal_id", flat=True)) == sorted(
        i.pk for i in ideas
    )
    # 3 authors + the facilitator's participant row? Only the authors joined.
    assert "Vote ouvert : 3 participant·es peuvent voter." in out.message
    assert event_types(brainstorm) == ["phase.changed", "vote.opened"]

    RoomEvent.objects.for_room(brainstorm.pk).delete()
    out = steps.step_next(workshop=brainstorm, actor=facilitator)  # → results
    session.refresh_from_db()
    assert session.state == SessionState.CLOSED and session.revealed_at is not None
    assert event_types(brainstorm) == ["phase.changed", "vote.closed", "vote.revealed"]
    assert "Résultats du vote" in out.message
    assert AuditEvent.objects.filter(action="workshop.step_started").count() == 4


def test_a_vote_on_an_empty_wall_is_refused_and_nothing_moves(brainstorm, facilitator):
    steps.step_next(workshop=brainstorm, actor=facilitator)
    steps.step_next(workshop=brainstorm, actor=facilitator)
    brainstorm.refresh_from_db()
    current = brainstorm.current_phase_id
    with pytest.raises(DomainError) as error:
        steps.step_next(workshop=brainstorm, actor=facilitator)
    assert error.value.code == "no_ideas"
    brainstorm.refresh_from_db()
    assert brainstorm.current_phase_id == current
    assert not VoteSession.objects.filter(workshop=brainstorm).exists()


def test_only_the_workshops_facilitators_step_and_only_when_live(
    brainstorm, workshop, facilitator, user
):
    ParticipantFactory(workshop=brainstorm, user=user)
    with pytest.raises(PermissionDeniedError):
        steps.step_next(workshop=brainstorm, actor=user)
    other = UserFactory()
    other.groups.add(*facilitator.groups.all())
    with pytest.raises(PermissionDeniedError):
        steps.step_next(workshop=brainstorm, actor=other)  # a facilitator, not of this one
    with pytest.raises(DomainError) as error:
        steps.step_previous(workshop=brainstorm, actor=facilitator)
    assert error.value.code == "first_step"


def test_skipped_steps_are_passed_over_and_previous_comes_back(brainstorm, facilitator, axis):
    clustering = brainstorm.phases.get(kind="clustering")
    steps.step_skip(workshop=brainstorm, actor=facilitator, phase=clustering)
    steps.step_next(workshop=brainstorm, actor=facilitator)  # → brainstorm
    post_ideas(brainstorm, axis, n=2)
    out = steps.step_next(workshop=brainstorm, actor=facilitator)
    assert out.phase.kind == "vote"  # the grouping step was skipped
    back = steps.step_previous(workshop=brainstorm, actor=facilitator)
    assert back.phase.kind == "ideation"
    # Leaving the vote closed it; coming back to it does not reopen it.
    session = VoteSession.objects.get(workshop=brainstorm)
    assert session.state == SessionState.CLOSED
    again = steps.step_next(workshop=brainstorm, actor=facilitator)
    assert "ne se rouvre pas" in again.message
    steps.step_skip(workshop=brainstorm, actor=facilitator, phase=clustering, skipped=False)
    assert Phase.objects.get(pk=clustering.pk).skipped_at is None
    with pytest.raises(DomainError) as error:
        steps.step_skip(workshop=brainstorm, actor=facilitator, phase=again.phase)
    assert error.value.code == "current"


def test_steps_are_added_on_the_fly_after_the_current_one_and_reordered(brainstorm, facilitator):
    poll = steps.step_add(
        workshop=brainstorm,
        actor=facilitator,
        kind=PhaseKind.VOTE,
        title="Sondage : on continue ?",
        planned_minutes=3,
        vote={
            "method": "poll",
            "options": "labels",
            "labels": "Oui\nNon\n",
            "reveal": "live",
            "dot_budget": "999",  # not a dots vote: ignored
        },
        position="after_current",
    )
    assert kinds(brainstorm)[:2] == ["welcome", "vote"]
    assert poll.vote_session.state == SessionState.DRAFT
    assert list(poll.vote_session.options.values_list("label", flat=True)) == ["Oui", "Non"]
    out = steps.step_next(workshop=brainstorm, actor=facilitator)
    assert out.phase.pk == poll.pk
    poll.vote_session.refresh_from_db()
    assert poll.vote_session.state == SessionState.OPEN
    steps.step_move(workshop=brainstorm, actor=facilitator, phase=poll, direction="down")
    assert kinds(brainstorm)[:3] == ["welcome", "ideation", "vote"]
    assert AuditEvent.objects.filter(action="workshop.step_added").count() == 1


@pytest.mark.parametrize(
    ("vote", "field"),
    [
        ({"method": "nope"}, "method"),
        ({"method": "poll", "options": "labels", "labels": "Seule"}, "options"),
        ({"method": "dots", "dot_budget": "0"}, "dot_budget"),
        ({"method": "support", "reveal": "never"}, "reveal"),
    ],
)
def test_a_badly_prepared_vote_is_refused_and_nothing_is_added(
    brainstorm, facilitator, vote, field
):
    count = brainstorm.phases.count()
    with pytest.raises(DomainError) as error:
        steps.step_add(workshop=brainstorm, actor=facilitator, kind="vote", title="Vote", vote=vote)
    assert error.value.field == field
    assert brainstorm.phases.count() == count
    assert not VoteSession.objects.filter(workshop=brainstorm).exists()


def test_duplicating_copies_details_and_run_sheet_not_the_room(brainstorm, facilitator, axis, user):
    steps.step_add(
        workshop=brainstorm,
        actor=facilitator,
        kind="vote",
        title="Question rapide",
        vote={"method": "poll", "options": "labels", "labels": ["A", "B"]},
    )
    post_ideas(brainstorm, axis, n=2)
    with pytest.raises(PermissionDeniedError):
        steps.workshop_duplicate(workshop=brainstorm, actor=user)
    copy = steps.workshop_duplicate(workshop=brainstorm, actor=facilitator)
    assert copy.pk != brainstorm.pk and copy.slug != brainstorm.slug
    assert copy.title == f"{brainstorm.title} (copie)"
    assert copy.state == WorkshopState.DRAFT and copy.join_code != brainstorm.join_code
    assert kinds(copy) == kinds(brainstorm)
    assert list(copy.axes.all()) == list(brainstorm.axes.all())
    prepared = copy.phases.get(title="Question rapide").vote_session
    assert prepared.workshop_id == copy.pk and prepared.state == SessionState.DRAFT
    assert list(prepared.options.values_list("label", flat=True)) == ["A", "B"]
    assert copy.phases.get(kind="vote", vote_session__isnull=True).config["options"] == "ideas"
    assert not copy.participants.exists()
    assert facilitator in copy.facilitators.all()
    audit = AuditEvent.objects.get(action="workshop.duplicated")
    assert audit.data["source"] == brainstorm.pk


def test_results_after_a_skipped_prepared_vote_show_the_vote_that_ran(
    brainstorm, facilitator, axis
):
    post_ideas(brainstorm, axis, n=2)
    for _ in range(3):  # → brainstorm → grouping → the vote on the ideas
        steps.step_next(workshop=brainstorm, actor=facilitator)
    ran = VoteSession.objects.get(workshop=brainstorm)
    # A poll prepared just before the results, then skipped: its draft is never shown.
    poll = steps.step_add(
        workshop=brainstorm,
        actor=facilitator,
        kind="vote",
        title="Sondage imprévu",
        vote={"method": "poll", "options": "labels", "labels": "Oui\nNon"},
        position="after_current",
    )
    steps.step_skip(workshop=brainstorm, actor=facilitator, phase=poll)
    out = steps.step_next(workshop=brainstorm, actor=facilitator)
    assert out.phase.kind == "results" and out.vote_session_id == ran.pk
    poll.vote_session.refresh_from_db()
    assert poll.vote_session.state == SessionState.DRAFT
