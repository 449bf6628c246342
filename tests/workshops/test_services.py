"""Workshop services: the life cycle, the console actions and their permission checks."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import override_settings

from accounts.models import AuditEvent
from project.errors import DomainError, PermissionDeniedError
from proposals.services import proposal_create
from realtime.models import RoomEvent
from tests.factories import UserFactory
from tests.workshops.factories import ParticipantFactory, WorkshopFactory
from workshops import services
from workshops.models import HandRaise, Phase, Visibility, WorkshopState


def events(workshop, type_=None):
    qs = RoomEvent.objects.for_room(workshop.pk)
    if type_:
        qs = qs.filter(type=type_)
    return [json.loads(e.frame) for e in qs]


def test_join_codes_avoid_ambiguous_characters_and_normalise_what_people_type(live):
    assert not set(live.join_code) & set("01OIL")
    typed = "  " + live.join_code.lower()[:3] + "-" + live.join_code.lower()[3:]
    assert services.workshop_by_code(typed) == live
    with pytest.raises(DomainError) as error:
        services.workshop_by_code("ABC")
    assert error.value.code == "invalid_code"


def test_a_closed_workshop_no_longer_answers_to_its_code(live, facilitator):
    services.workshop_state_change(workshop=live, actor=facilitator, to=WorkshopState.CLOSED)
    with pytest.raises(DomainError):
        services.workshop_by_code(live.join_code)


def test_regenerating_the_code_is_audited_and_broadcast(live, facilitator, participant):
    old = live.join_code
    with pytest.raises(PermissionDeniedError):
        services.join_code_regenerate(workshop=live, actor=participant.user)
    workshop = services.join_code_regenerate(workshop=live, actor=facilitator)
    assert workshop.join_code != old
    assert AuditEvent.objects.filter(action="workshop.code_regenerated").count() == 1
    assert events(live, "workshop.code_changed")[0]["data"] == {"code": workshop.join_code}


def test_going_live_creates_the_agenda_starts_the_first_phase_and_is_audited(live):
    phases = list(live.phases.order_by("order"))
    assert [p.kind for p in phases] == [
        "welcome",
        "ideation",
        "clustering",
        "debate",
        "vote",
        "synthesis",
    ]
    assert live.current_phase == phases[0] and phases[0].started_at is not None
    assert live.started_at is not None
    assert AuditEvent.objects.filter(action="workshop.state_changed", data__to="live").exists()
    assert [e["type"] for e in events(live)] == ["workshop.state_changed", "phase.changed"]


def test_state_changes_follow_the_life_cycle(live, facilitator):
    with pytest.raises(DomainError) as error:
        services.workshop_state_change(workshop=live, actor=facilitator, to=WorkshopState.DRAFT)
    assert error.value.code == "invalid_transition"
    closed = services.workshop_state_change(
        workshop=live, actor=facilitator, to=WorkshopState.CLOSED
    )
    assert closed.closed_at and closed.current_phase is None
    # The phase that was running ended with the workshop: the agenda as it ran.
    assert Phase.objects.get(workshop=live, order=0).ended_at is not None
    published = services.workshop_state_change(
        workshop=live, actor=facilitator, to=WorkshopState.PUBLISHED
    )
    assert published.state == WorkshopState.PUBLISHED


def test_only_its_facilitators_run_a_workshop(live, participant, user):
    other_facilitator = UserFactory()
    from accounts.services import role_grant

    role_grant(user=other_facilitator, role="facilitators")
    for actor in (participant.user, other_facilitator):
        with pytest.raises(PermissionDeniedError):
            services.workshop_state_change(workshop=live, actor=actor, to=WorkshopState.CLOSED)
        with pytest.raises(PermissionDeniedError):
            services.phase_next(workshop=live, actor=actor)
        with pytest.raises(PermissionDeniedError):
            services.timer_start(workshop=live, actor=actor)
        with pytest.raises(PermissionDeniedError):
            services.board_lock(workshop=live, actor=actor, locked=True)
        with pytest.raises(PermissionDeniedError):
            services.hand_take(workshop=live, actor=actor)
        with pytest.raises(PermissionDeniedError):
            services.participant_remove(workshop=live, actor=actor, participant=participant)
        with pytest.raises(PermissionDeniedError):
            services.timer_pause(workshop=live, actor=actor)
        with pytest.raises(PermissionDeniedError):
            services.timer_extend(workshop=live, actor=actor, minutes=2)
        with pytest.raises(PermissionDeniedError):
            services.phase_add(workshop=live, actor=actor, title="Pirate", planned_minutes=5)
        phase = live.phases.first()
        with pytest.raises(PermissionDeniedError):
            services.phase_update(
                workshop=live, actor=actor, phase=phase, title="X", planned_minutes=5
            )
        with pytest.raises(PermissionDeniedError):
            services.phase_move(workshop=live, actor=actor, phase=phase, direction="down")
        with pytest.raises(PermissionDeniedError):
            services.phase_start(workshop=live, actor=actor, phase=phase)
        with pytest.raises(PermissionDeniedError):
            services.idea_spotlight(workshop=live, actor=actor, proposal_id=None)
        with pytest.raises(PermissionDeniedError):
            services.idea_hide(workshop=live, actor=actor, proposal_id=1, reason="x")
        with pytest.raises(PermissionDeniedError):
            services.idea_merge(workshop=live, actor=actor, source_id=1, target_id=2)
        with pytest.raises(PermissionDeniedError):
            services.join_code_regenerate(workshop=live, actor=actor)


def test_moving_between_phases_keeps_start_and_end_times(live, facilitator):
    first, second, third = live.phases.order_by("order")[:3]
    services.phase_next(workshop=live, actor=facilitator)
    services.phase_start(workshop=live, actor=facilitator, phase=third)
    first.refresh_from_db(), second.refresh_from_db(), third.refresh_from_db()
    assert first.ended_at and second.started_at and second.ended_at and third.started_at
    assert third.ended_at is None
    assert AuditEvent.objects.filter(action="workshop.phase_changed").count() == 2
    last = events(live, "phase.changed")[-1]["data"]
    assert last["current"] == third.pk and len(last["phases"]) == 6


def test_facilitators_rename_add_and_reorder_phases(live, facilitator):
    phase = services.phase_add(
        workshop=live, actor=facilitator, title="Visite du site", planned_minutes=30
    )
    assert phase.order == 6
    services.phase_update(
        workshop=live, actor=facilitator, phase=phase, title="Visite de l'usine", planned_minutes=20
    )
    services.phase_move(workshop=live, actor=facilitator, phase=phase, direction="up")
    titles = list(live.phases.order_by("order").values_list("title", flat=True))
    assert titles[5] == "Visite de l'usine"
    with pytest.raises(DomainError):
        services.phase_update(
            workshop=live, actor=facilitator, phase=phase, title=" ", planned_minutes=5
        )


def test_timer_start_pause_extend(live, facilitator):
    phase = services.timer_start(workshop=live, actor=facilitator)
    assert phase.timer_running
    phase = services.timer_pause(workshop=live, actor=facilitator)
    assert not phase.timer_running and 590 <= phase.timer_remaining <= 600
    phase = services.timer_extend(workshop=live, actor=facilitator, minutes=5)
    assert 890 <= phase.seconds_left() <= 900
    with pytest.raises(DomainError):
        services.timer_extend(workshop=live, actor=facilitator, minutes=0)
    assert [e["data"]["running"] for e in events(live, "timer.changed")] == [True, False, False]


def test_ideas_posted_in_the_room_are_proposals_from_the_workshop(live, participant, axis):
    idea = services.idea_post(
        workshop=live,
        user=participant.user,
        axis=axis,
        title="Hydrogène vert à Belfort",
        body="**Vite**",
    )
    assert idea.origin_workshop == live and idea.author_college == participant.user.college
    data = events(live, "proposal.created")[0]["data"]
    assert data["id"] == idea.pk and data["body_html"] == "<p><strong>Vite</strong></p>"
    # A retry with the same client key returns the first idea, not a second one.
    again = services.idea_post(
        workshop=live, user=participant.user, axis=axis, title="Première version", client_key="k"
    )
    assert (
        services.idea_post(
            workshop=live, user=participant.user, axis=axis, title="Seconde version", client_key="k"
        )
        == again
    )


def test_non_participants_and_removed_participants_cannot_post(
    live, participant, facilitator, axis, other_user
):
    with pytest.raises(PermissionDeniedError):
        services.idea_post(workshop=live, user=other_user, axis=axis, title="Intrus")
    services.participant_remove(
        workshop=live, actor=facilitator, participant=participant, reason="insultes"
    )
    with pytest.raises(PermissionDeniedError):
        services.idea_post(workshop=live, user=participant.user, axis=axis, title="Encore")
    with pytest.raises(PermissionDeniedError):
        services.workshop_join(workshop=live, user=participant.user)
    assert AuditEvent.objects.filter(action="workshop.participant_removed").count() == 1


def test_a_locked_board_refuses_new_ideas(live, participant, facilitator, axis):
    services.board_lock(workshop=live, actor=facilitator, locked=True)
    with pytest.raises(DomainError) as error:
        services.idea_post(workshop=live, user=participant.user, axis=axis, title="Trop tard")
    assert error.value.code == "board_locked"
    assert events(live, "board.locked")[0]["data"] == {"locked": True}


@override_settings(REALTIME_IDEAS_PER_MINUTE=2)
def test_ideas_per_minute_are_limited_per_person(live, participant, axis):
    cache.clear()
    services.idea_post(workshop=live, user=participant.user, axis=axis, title="Une idée")
    services.idea_post(workshop=live, user=participant.user, axis=axis, title="Deux idées")
    with pytest.raises(DomainError) as error:
        services.idea_post(workshop=live, user=participant.user, axis=axis, title="Trois idées")
    assert error.value.code == "rate_limited"
    assert live.proposals.count() == 2


def test_spotlight_hide_and_merge(live, participant, facilitator, axis):
    a = services.idea_post(workshop=live, user=participant.user, axis=axis, title="Bus à hydrogène")
    b = services.idea_post(
        workshop=live, user=participant.user, axis=axis, title="Des bus à hydrogène"
    )
    outside = proposal_create(author=participant.user, axis=axis, title="Hors atelier", body="")
    services.idea_spotlight(workshop=live, actor=facilitator, proposal_id=a.pk)
    live.refresh_from_db()
    assert live.spotlight == a
    with pytest.raises(DomainError):
        services.idea_spotlight(workshop=live, actor=facilitator, proposal_id=outside.pk)
    services.reaction_toggle(workshop=live, user=participant.user, proposal_id=b.pk, kind="agree")
    target = services.idea_merge(workshop=live, actor=facilitator, source_id=b.pk, target_id=a.pk)
    b.refresh_from_db()
    assert b.merged_into == target
    assert events(live, "proposal.merged")[0]["data"]["reactions"]["agree"] == 1
    services.idea_hide(workshop=live, actor=facilitator, proposal_id=a.pk, reason="Hors sujet")
    a.refresh_from_db()
    live.refresh_from_db()
    assert a.is_hidden and live.spotlight is None
    assert [e["data"] for e in events(live, "spotlight.changed")][-1] == {"idea": None}


def test_reactions_toggle(live, participant, axis):
    idea = services.idea_post(workshop=live, user=participant.user, axis=axis, title="Maroquinerie")
    on = services.reaction_toggle(
        workshop=live, user=participant.user, proposal_id=idea.pk, kind="strong"
    )
    assert on["active"] and on["reactions"]["strong"] == 1
    off = services.reaction_toggle(
        workshop=live, user=participant.user, proposal_id=idea.pk, kind="strong"
    )
    assert not off["active"] and off["reactions"]["strong"] == 0
    with pytest.raises(DomainError):
        services.reaction_toggle(
            workshop=live, user=participant.user, proposal_id=idea.pk, kind="love"
        )


def test_hands_are_taken_in_order(live, participant, facilitator):
    second = ParticipantFactory(workshop=live)
    services.hand_raise(workshop=live, user=participant.user)
    services.hand_raise(workshop=live, user=participant.user)  # idempotent
    services.hand_raise(workshop=live, user=second.user)
    assert HandRaise.objects.waiting().count() == 2
    taken = services.hand_take(workshop=live, actor=facilitator)
    assert taken.participant == participant
    services.hand_lower(workshop=live, user=second.user)
    assert services.hand_take(workshop=live, actor=facilitator) is None
    last = events(live, "hands.changed")[-1]["data"]
    assert last == {"queue": []}


def test_private_workshops_take_invited_people_only(db, facilitator, user):
    workshop = WorkshopFactory(visibility=Visibility.PRIVATE, facilitators=[facilitator])
    with pytest.raises(PermissionDeniedError):
        services.workshop_join(workshop=workshop, user=user)
    with pytest.raises(DomainError) as exc:  # answered like an unknown code (docs/security.md)
        services.guest_join(code=workshop.join_code, display_name="X", college="citizens")
    assert exc.value.code == "unknown_code"
    services.participant_invite(workshop=workshop, actor=facilitator, user=user)
    assert services.workshop_join(workshop=workshop, user=user).invited


def test_capacity_is_respected(db, facilitator):
    workshop = WorkshopFactory(capacity=1, facilitators=[facilitator])
    services.guest_join(code=workshop.join_code, display_name="Une", college="citizens")
    with pytest.raises(DomainError) as error:
        services.guest_join(code=workshop.join_code, display_name="Deux", college="citizens")
    assert error.value.code == "full"
