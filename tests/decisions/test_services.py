"""Services: permissions, histories, lifecycle, publication audit, overdue detection."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from decisions import services
from decisions.models import ActionItem, HistoryEntry, Recommendation
from project.errors import DomainError, PermissionDeniedError

pytestmark = pytest.mark.django_db


def test_only_codev_editors_create_recommendations(user, facilitator, moderator, axis):
    for person in (user, facilitator, moderator):
        with pytest.raises(PermissionDeniedError):
            services.recommendation_create(actor=person, title="X", axis=axis)
    assert not Recommendation.objects.exists()


def test_only_codev_editors_change_actions_and_indicators(
    user, make_recommendation, make_action, make_proposal
):
    from decisions.models import Indicator

    rec = make_recommendation()
    action = make_action(rec)
    indicator = Indicator.objects.create(slug="x", name="X", unit="u")
    calls = [
        lambda: services.action_create(actor=user, recommendation=rec, title="A", owner_name="B"),
        lambda: services.action_update(action=action, actor=user, title="Autre"),
        lambda: services.action_report(action=action, actor=user, text="t", progress=50),
        lambda: services.recommendation_status_change(
            recommendation=rec, actor=user, new_status="adopted"
        ),
        lambda: services.recommendation_source_add(
            recommendation=rec, proposal=make_proposal(), actor=user
        ),
        lambda: services.indicator_update(indicator=indicator, actor=user, name="Y"),
        lambda: services.measurement_record(
            indicator=indicator, actor=user, on=date(2025, 1, 1), value=1, source="s"
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError):
            call()
    action.refresh_from_db()
    assert action.title == "Préfigurer l'agence" and action.progress == 0
    assert indicator.measurements.count() == 0


def test_a_source_proposal_is_retained_through_the_proposals_service(
    make_proposal, make_recommendation
):
    from proposals.models import StatusChange

    p = make_proposal()
    rec = make_recommendation(proposals=[p])
    p.refresh_from_db()
    assert p.status == "retained"
    # Every step is the proposals app's own, recorded with who and why.
    steps = list(
        StatusChange.objects.filter(proposal=p).order_by("pk").values_list("new_status", flat=True)
    )
    assert steps[-1] == "retained"
    assert rec.sources.get().linked_by is not None


def test_a_merged_proposal_cannot_be_a_source(make_proposal, make_recommendation, moderator):
    from proposals.services import proposal_merge

    target, dup = make_proposal(), make_proposal()
    proposal_merge(source=dup, target=target, actor=moderator)
    dup.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        make_recommendation(proposals=[dup])
    assert exc.value.code == "proposal_merged"
    assert not Recommendation.objects.exists()  # nothing half-done


def test_recommendation_lifecycle_and_its_history(make_recommendation, editor):
    from accounts.models import AuditEvent

    rec = make_recommendation()
    with pytest.raises(DomainError):
        services.recommendation_status_change(
            recommendation=rec, actor=editor, new_status="published"
        )
    services.recommendation_status_change(
        recommendation=rec, actor=editor, new_status="adopted", note="Vote du bureau"
    )
    rec = services.recommendation_status_change(
        recommendation=rec, actor=editor, new_status="published"
    )
    assert rec.status == "published" and rec.adopted_at and rec.published_at
    history = list(rec.history.order_by("pk").values_list("verb", "changes", "actor_id"))
    assert history[0][0] == "created"
    assert ("status_changed", {"status": ["draft", "adopted"]}, editor.pk) in history
    assert ("status_changed", {"status": ["adopted", "published"]}, editor.pk) in history
    event = AuditEvent.objects.get(action="recommendation.published")
    assert event.actor == editor and event.target_id == str(rec.pk)


def test_recommendation_update_records_what_changed(make_recommendation, editor):
    rec = make_recommendation()
    services.recommendation_update(
        recommendation=rec, actor=editor, title="Nouveau titre", body="**gras**<script>x</script>"
    )
    rec.refresh_from_db()
    assert rec.title == "Nouveau titre"
    assert "<script>" not in rec.body_html and "<strong>gras</strong>" in rec.body_html
    entry = rec.history.filter(verb="updated").get()
    assert entry.changes["title"] == [
        "Créer une Agence Territoriale de Souveraineté",
        "Nouveau titre",
    ]
    assert entry.actor == editor


def test_action_report_moves_status_and_progress_with_a_timeline(
    make_recommendation, make_action, editor
):
    action = make_action(make_recommendation())
    services.action_report(
        action=action,
        actor=editor,
        text="Lancement",
        progress=10,
        status="in_progress",
        on=date(2026, 1, 5),
    )
    services.action_report(
        action=action, actor=editor, text="Terminé", status="done", on=date(2026, 6, 1)
    )
    action.refresh_from_db()
    assert action.status == "done" and action.progress == 100
    assert [u.date for u in action.updates.all()] == [date(2026, 6, 1), date(2026, 1, 5)]
    first = action.updates.last()
    assert (first.old_status, first.new_status, first.author) == ("planned", "in_progress", editor)
    assert action.history.filter(verb="reported").count() == 2


def test_bad_progress_or_dates_change_nothing(make_recommendation, make_action, editor):
    action = make_action(make_recommendation())
    with pytest.raises(DomainError):
        services.action_report(action=action, actor=editor, text="x", progress=120)
    with pytest.raises(DomainError):
        services.action_update(
            action=action, actor=editor, start_date=date(2026, 5, 1), due_date=date(2026, 1, 1)
        )
    action.refresh_from_db()
    assert action.progress == 0 and action.due_date is None
    assert action.updates.count() == 0


def test_overdue_means_past_due_and_still_open(make_recommendation, make_action, editor):
    today = timezone.localdate()
    rec = make_recommendation()
    late = make_action(rec, title="En retard", due_date=today - timedelta(days=1))
    due_today = make_action(rec, title="Aujourd'hui", due_date=today)
    done_late = make_action(rec, title="Faite", due_date=today - timedelta(days=30))
    services.action_report(action=done_late, actor=editor, text="Fini", status="done")
    abandoned = make_action(rec, title="Abandonnée", due_date=today - timedelta(days=30))
    services.action_report(action=abandoned, actor=editor, text="Stop", status="abandoned")
    no_date = make_action(rec, title="Sans date")
    assert list(ActionItem.objects.overdue()) == [late]
    late.refresh_from_db()
    assert late.is_overdue
    for other in (due_today, no_date):
        assert not other.is_overdue
    assert not ActionItem.objects.get(pk=done_late.pk).is_overdue


def test_measurement_record_replaces_the_same_date_and_keeps_history(editor):
    from decisions.models import Indicator

    indicator = Indicator.objects.create(slug="x", name="X", unit="u")
    services.measurement_record(
        indicator=indicator, actor=editor, on=date(2025, 1, 1), value="3.5", source="INSEE"
    )
    services.measurement_record(
        indicator=indicator, actor=editor, on=date(2025, 1, 1), value=4, source="INSEE"
    )
    assert list(indicator.measurements.values_list("value", flat=True)) == [4]
    changes = list(
        HistoryEntry.objects.filter(indicator=indicator)
        .order_by("pk")
        .values_list("changes", flat=True)
    )
    assert changes == [{"2025-01-01": ["", "3.50"]}, {"2025-01-01": ["3.50", "4.00"]}]
    with pytest.raises(DomainError):
        services.measurement_record(
            indicator=indicator, actor=editor, on=date(2025, 2, 1), value="abc", source="x"
        )
    with pytest.raises(DomainError):
        services.measurement_record(
            indicator=indicator, actor=editor, on=date(2025, 2, 1), value=1, source=" "
        )
