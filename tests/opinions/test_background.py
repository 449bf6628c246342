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


@pytest.mark.django_db
def test_with_the_task_queue_the_worker_computes_it_once_for_a_burst(
    settings, facilitator, django_capture_on_commit_callbacks
):
    """Production set-up (database task backend): the votes queue one deferred task per
    debounce window; the worker, not the web process, computes the map."""
    from django.utils import timezone
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from opinions import services
    from tests.factories import UserFactory

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.OPINIONS_ANALYSIS_DEBOUNCE = 60  # the whole burst falls in one window
    services._queued_at.clear()
    conversation = services.conversation_create(actor=facilitator, question="Quelle priorité ?")
    people = [UserFactory() for _ in range(4)]
    statement = services.statement_create(
        conversation=conversation, author=people[0], text="Former les jeunes aux métiers"
    )
    for person in people[1:]:
        with django_capture_on_commit_callbacks(execute=True):
            services.vote_cast(statement=statement, user=person, value=1)
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "opinions.tasks.compute_analysis"
    assert task.args_kwargs["args"] == [conversation.pk]
    assert (task.run_after - timezone.now()).total_seconds() > 50  # deferred: debounced
    assert not Analysis.objects.exists()  # nothing computed in the requests

    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now())
    task.refresh_from_db()
    task.claim("test")
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run_task(task)
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL", task.traceback
    analysis = Analysis.objects.get(conversation=conversation)
    assert analysis.votes_seen == 3
    assert analysis.result["statements"][str(statement.pk)]["agree"] == 3
