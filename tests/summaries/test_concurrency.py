"""Two editors acting at the same moment, on PostgreSQL: real parallel transactions."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from summaries.models import DecisionSummary, SummaryVersion
from summaries.services import summary_create_for_workshop, summary_publish
from tests.e2e.conftest import _reference_data  # noqa: F401 (axes and roles after a flush)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_parallel(functions) -> list:
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # collected, asserted by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_simultaneous_publications_make_consecutive_versions(held_workshop, editor):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    results = run_parallel(
        [
            lambda i=i: summary_publish(summary=summary, actor=editor, change_note=f"Note {i}")
            for i in range(4)
        ]
    )
    assert all(isinstance(r, SummaryVersion) for r in results), results
    assert sorted(v.number for v in results) == [1, 2, 3, 4]
    summary.refresh_from_db()
    assert summary.current_version.number == 4


def test_simultaneous_one_click_drafts_make_one_draft(held_workshop, editor):
    results = run_parallel(
        [lambda: summary_create_for_workshop(actor=editor, workshop=held_workshop)] * 3
    )
    assert all(isinstance(r, DecisionSummary) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert DecisionSummary.objects.count() == 1
