"""Concurrent writes on PostgreSQL: the row locks of the services keep every update."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_updates_of_one_action_are_all_kept(axis):
    from accounts.services import role_grant
    from decisions.models import ActionItem, HistoryEntry
    from decisions.services import action_create, action_report, recommendation_create

    editor = UserFactory()
    role_grant(user=editor, role="codev_editors")
    rec = recommendation_create(actor=editor, title="Fonds territorial", axis=axis)
    action = action_create(actor=editor, recommendation=rec, title="Étude", owner_name="Région")
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def report(i: int) -> None:
        try:
            barrier.wait()
            action_report(action=action, actor=editor, text=f"Point {i}", progress=10 * (i + 1))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    action = ActionItem.objects.get(pk=action.pk)
    assert action.updates.count() == 6
    # The action's progress is the one of the last update written, and the history has
    # one entry per update, each with the progress it moved from: a chain with no gap.
    entries = list(HistoryEntry.objects.filter(action=action, verb="reported").order_by("pk"))
    assert len(entries) == 6
    chain = [e.changes.get("progress") for e in entries if e.changes.get("progress")]
    for before, after in zip(chain, chain[1:], strict=False):
        assert after[0] == before[1]
    assert str(action.progress) == chain[-1][1]
