"""The analysis runs in the background after commit, debounced; no request waits for it."""

from __future__ import annotations

import time

import pytest

from opinions.models import Analysis


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_votes_schedule_one_background_analysis(settings, facilitator, axis):
    from opinions import services
    from tests.factories import UserFactory

    settings.OPINIONS_ANALYSIS_DEBOUNCE = 0.5
    conversation = services.conversation_create(actor=facilitator, question="Quelle priorité ?")
    people = [UserFactory() for _ in range(4)]
    statement = services.statement_create(
        conversation=conversation, author=people[0], text="Former les jeunes aux métiers"
    )
    started = time.perf_counter()
    for person in people[1:]:
        services.vote_cast(statement=statement, user=person, value=1)
    # The votes returned before any analysis was computed (debounced thread).
    if time.perf_counter() - started < settings.OPINIONS_ANALYSIS_DEBOUNCE:
        assert not Analysis.objects.exists()
    assert _wait_for(
        lambda: Analysis.objects.filter(conversation=conversation, votes_seen=3).exists()
    )
    analysis = Analysis.objects.get(conversation=conversation)
    assert analysis.result["statements"][str(statement.pk)]["agree"] == 3
    # Four writes inside the debounce window: at most two computations (one pending
    # when the burst began, one for what came during it), not four.
    assert analysis.version <= 2
