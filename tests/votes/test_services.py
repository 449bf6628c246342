"""Ballots and sessions through the services: methods, permissions, states, audit, secrecy of the models."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from project.errors import DomainError, PermissionDeniedError
from tests.factories import UserFactory
from tests.votes.factories import option_ids
from votes import rules, selectors
from votes.models import Ballot, BallotChoice, SessionState
from votes.services import (
    answer_hide,
    ballot_cast,
    session_close,
    session_create,
    session_for_user,
    session_open,
    session_publish,
    session_reveal,
    word_hide,
)

pytestmark = pytest.mark.django_db


def test_support_ballot_is_recorded_and_counted(make_session, participants):
    session = make_session("support")
    a, b, c = option_ids(session)
    ballot_cast(session=session, voter=participants[0], choices={a: 1, b: 1})
    ballot_cast(session=session, voter=participants[1], choices={str(a): "1"})
    results = selectors.results_compute(session)
    assert results.ballots == 2
    counts = {o["id"]: o["count"] for o in results.options}
    assert counts == {a: 2, b: 1, c: 0}
    assert results.options[0]["id"] == a and results.options[0]["share"] == 1.0


def test_changing_a_ballot_replaces_it_whole(make_session, participants):
    session = make_session("support")
    a, b, c = option_ids(session)
    _ballot, changed = ballot_cast(session=session, voter=participants[0], choices={a: 1, b: 1})
    assert changed is False
    _ballot, changed = ballot_cast(session=session, voter=participants[0], choices={c: 1})
    assert changed is True
    assert Ballot.objects.filter(session=session).count() == 1
    assert list(
        BallotChoice.objects.filter(session=session).values_list("option_id", flat=True)
    ) == [c]


def test_support_respects_max_choices(make_session, participants):
    session = make_session("support", max_choices=2)
    a, b, c = option_ids(session)
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=session, voter=participants[0], choices={a: 1, b: 1, c: 1})
    assert exc.value.code == "too_many_choices"
    assert "au plus 2 options" in exc.value.message
    assert not Ballot.objects.filter(session=session).exists()


def test_dots_budget_and_cap(make_session, participants):
    session = make_session("dots", dot_budget=5, dot_cap=3)
    a, b, c = option_ids(session)
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=session, voter=participants[0], choices={a: 4})
    assert exc.value.code == "dot_cap_exceeded"
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=session, voter=participants[0], choices={a: 3, b: 3})
    assert exc.value.code == "dot_budget_exceeded"
    ballot_cast(session=session, voter=participants[0], choices={a: 3, b: 2, c: 0})
    ballot_cast(session=session, voter=participants[1], choices={a: 1})
    counts = {o["id"]: o["count"] for o in selectors.results_compute(session).options}
    assert counts == {a: 4, b: 2, c: 0}


def test_poll_takes_exactly_one_answer(make_session, participants):
    session = make_session("poll")
    a, b, _c = option_ids(session)
    with pytest.raises(DomainError):
        ballot_cast(session=session, voter=participants[0], choices={a: 1, b: 1})
    ballot_cast(session=session, voter=participants[0], choices={b: 1})
    assert selectors.results_compute(session).options[0]["id"] == b


def test_majority_judgment_counts_ungraded_as_reject(make_session, participants):
    session = make_session("majority_judgment")
    a, b, c = option_ids(session)
    ballot_cast(session=session, voter=participants[0], choices={a: 6, b: 4})
    ballot_cast(session=session, voter=participants[1], choices={a: 5, b: 4, c: 2})
    ballot_cast(session=session, voter=participants[2], choices={a: 1})
    results = selectors.results_compute(session)
    by_id = {o["id"]: o for o in results.options}
    assert by_id[c]["profile"] == [2, 0, 1, 0, 0, 0, 0]  # two ungraded = À rejeter
    assert by_id[a]["majority_grade"] == 5 and by_id[a]["rank"] == 1
    assert by_id[b]["majority_grade"] == 4 and by_id[b]["majority_grade_label"] == "Bien"
    with pytest.raises(DomainError):
        ballot_cast(session=session, voter=participants[3], choices={a: 7})


def test_open_question_words_and_moderation(make_session, participants, facilitator):
    session = make_session("open_question")
    ballot_cast(session=session, voter=participants[0], answer="L'hydrogène et les Emplois")
    ballot_cast(session=session, voter=participants[1], answer="hydrogène, formation")
    ballot, _ = ballot_cast(session=session, voter=participants[2], answer="Emplois idiots")
    words = {w["word"]: w["count"] for w in selectors.results_compute(session).words}
    assert words == {"hydrogène": 2, "emplois": 2, "formation": 1, "idiots": 1}
    answer_hide(session=session, actor=facilitator, ballot_id=ballot.pk)
    word_hide(session=session, actor=facilitator, word="Formation")
    words = {w["word"]: w["count"] for w in selectors.results_compute(session).words}
    assert words == {"hydrogène": 2, "emplois": 1}
    # The moderation list shows answers, never who wrote them.
    answers = selectors.answers_for_moderation(session)
    assert all(set(a) == {"id", "answer", "answer_hidden"} for a in answers)
    with pytest.raises(PermissionDeniedError):
        answer_hide(session=session, actor=participants[0], ballot_id=ballot.pk)


def test_only_participants_vote_in_a_workshop_session(make_session, participants):
    session = make_session("support")
    outsider = UserFactory()
    with pytest.raises(PermissionDeniedError) as exc:
        ballot_cast(session=session, voter=outsider, choices={option_ids(session)[0]: 1})
    assert exc.value.code == "not_participant"


def test_any_signed_in_user_votes_on_a_board_session_within_its_dates(board_session, user):
    a = option_ids(board_session)[0]
    ballot_cast(session=board_session, voter=user, choices={a: 1})
    board_session.ends_at = timezone.now() - timedelta(seconds=1)
    board_session.save()
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=board_session, voter=user, choices={a: 1})
    assert exc.value.code == "vote_closed"


def test_closing_is_final_and_a_late_ballot_is_refused_clearly(
    make_session, participants, facilitator
):
    session = make_session("support")
    a = option_ids(session)[0]
    ballot_cast(session=session, voter=participants[0], choices={a: 1})
    session_close(session=session, actor=facilitator)
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=session, voter=participants[1], choices={a: 1})
    assert exc.value.code == "vote_closed"
    assert exc.value.message == "Ce vote est clos : votre bulletin n'a pas été enregistré."
    with pytest.raises(DomainError):
        session_open(session=session, actor=facilitator)  # no reopening
    assert Ballot.objects.filter(session=session).count() == 1


def test_draft_session_refuses_ballots_and_is_invisible_to_participants(
    make_session, participants, facilitator
):
    session = make_session("support", open=False)
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=session, voter=participants[0], choices={option_ids(session)[0]: 1})
    assert exc.value.code == "not_found"
    from workshops.models import Participant

    Participant.objects.create(workshop=session.workshop, user=facilitator, college="citizens")
    with pytest.raises(DomainError) as exc:
        ballot_cast(session=session, voter=facilitator, choices={option_ids(session)[0]: 1})
    assert exc.value.code == "vote_not_open"


def test_only_facilitators_manage(make_session, participants):
    session = make_session("support", open=False)
    with pytest.raises(PermissionDeniedError):
        session_open(session=session, actor=participants[0])


def test_state_changes_are_audited(make_session, facilitator):
    session = make_session("support", reveal="at_close")
    session_close(session=session, actor=facilitator)
    session_reveal(session=session, actor=facilitator)
    session_publish(session=session, actor=facilitator)
    actions = set(
        AuditEvent.objects.filter(
            target_id=str(session.pk), target_type="votes.votesession"
        ).values_list("action", flat=True)
    )
    assert {
        "vote.created",
        "vote.opened",
        "vote.closed",
        "vote.revealed",
        "vote.published",
    } <= actions
    session.refresh_from_db()
    assert session.state == SessionState.PUBLISHED


def test_results_by_college_merge_small_colleges(make_session, participants):
    session = make_session("support")
    a, b, _c = option_ids(session)
    # 5 citizens, 2 enterprises, 1 elected: enterprises and elected are merged into "others".
    for voter in participants[:5]:
        ballot_cast(session=session, voter=voter, choices={a: 1})
    for voter in participants[5:]:
        ballot_cast(session=session, voter=voter, choices={b: 1})
    groups = {g["college"]: g for g in selectors.results_compute(session).by_college}
    assert set(groups) == {"citizens", "others"}
    assert groups["others"]["voters"] == 3
    assert {o["id"]: o["count"] for o in groups["others"]["options"]}[b] == 3


def test_board_session_needs_dates(editor):
    with pytest.raises(DomainError) as exc:
        session_create(actor=editor, title="Sans dates", method="support", labels=["a", "b"])
    assert exc.value.code == "dates_required"


def test_results_compute_query_count_is_constant(
    make_session, participants, django_assert_max_num_queries
):
    session = make_session("majority_judgment")
    a, b, c = option_ids(session)
    for voter in participants:
        ballot_cast(session=session, voter=voter, choices={a: 3, b: 5, c: 1})
    # voters per college, options, choices per (college, option, grade)
    with django_assert_max_num_queries(3):
        selectors.results_compute(session)


def test_live_snapshot_counts_the_ballots_once(
    make_session, participants, django_assert_max_num_queries
):
    from votes import live

    session = make_session("support")
    a, b, _c = option_ids(session)
    for i, voter in enumerate(participants):
        ballot_cast(session=session, voter=voter, choices={a if i % 2 else b: 1})
    # The results' 3 queries (their voters per college give the turnout) + the participants.
    with django_assert_max_num_queries(4):
        data = live.snapshot(session, results=True)
    assert data["voted"] == data["results"]["ballots"] == len(participants)
    assert {o["id"]: o["count"] for o in data["results"]["options"]}[a] == len(participants) // 2
    # Without results the turnout still counts them.
    assert live.snapshot(session, results=False)["voted"] == len(participants)


def test_board_session_past_its_end_date_reads_as_closed(board_session, user, client):
    ballot_cast(session=board_session, voter=user, choices={option_ids(board_session)[0]: 1})
    board_session.ends_at = timezone.now() - timedelta(minutes=1)
    board_session.save(update_fields=["ends_at"])
    session = session_for_user(user, board_session.pk)
    assert session.state == SessionState.CLOSED
    event = AuditEvent.objects.get(action="vote.closed", target_id=str(session.pk))
    assert event.actor is None and event.data == {"ballots": 1, "automatic": True}
    assert client.get(f"/api/v1/vote-sessions/{session.pk}").json()["state"] == "closed"


def test_rules_and_the_lookup_write_nothing_even_on_a_session_past_its_end_date(
    board_session, user
):
    """Rules answer yes or no; the close a passed end date is owed is the service's."""
    board_session.ends_at = timezone.now() - timedelta(minutes=1)
    board_session.save(update_fields=["ends_at"])
    with CaptureQueriesContext(connection) as queries:
        assert rules.can_view(user, board_session)
        rules.can_vote(user, board_session)
        rules.can_see_results(user, board_session)
        rules.can_manage(user, board_session)
        found = selectors.get_session_for_user(user, board_session.pk)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    assert writes == []
    assert found.state == SessionState.OPEN
    board_session.refresh_from_db()
    assert board_session.state == SessionState.OPEN
    assert not AuditEvent.objects.filter(action="vote.closed").exists()
