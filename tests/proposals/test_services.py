"""Proposal services: lifecycle and history, merges, supports, comments, moderation, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, College
from project.errors import DomainError, PermissionDeniedError
from proposals import services
from proposals.models import (
    Comment,
    ModerationAction,
    Proposal,
    ProposalStatus,
    Report,
    ReportStatus,
    StatusChange,
    Support,
)
from proposals.signals import proposal_status_changed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- create / update -----------------------------------------------------------------


def test_create_records_college_at_time_of_writing(enterprise_user, axis):
    proposal = services.proposal_create(
        author=enterprise_user, axis=axis, title="Un fonds d'investissement territorial", body="x"
    )
    enterprise_user.college = College.CITIZENS
    enterprise_user.save()
    proposal.refresh_from_db()
    assert proposal.author_college == College.ENTERPRISES
    assert proposal.status == ProposalStatus.SUBMITTED
    assert list(proposal.status_changes.values_list("old_status", "new_status")) == [
        ("", "submitted")
    ]


def test_create_is_idempotent_on_client_key(user, axis):
    first = services.proposal_create(
        author=user, axis=axis, title="Clause de souveraineté", body="a", client_key="k-1"
    )
    again = services.proposal_create(
        author=user, axis=axis, title="Autre titre ignoré", body="b", client_key="k-1"
    )
    assert again.pk == first.pk
    assert Proposal.objects.count() == 1
    # The same key by someone else is another proposal.
    other = services.proposal_create(
        author=UserFactory(), axis=axis, title="Clause de souveraineté", body="a", client_key="k-1"
    )
    assert other.pk != first.pk


def test_create_renders_markdown_through_the_sanitiser(user, axis):
    proposal = services.proposal_create(
        author=user, axis=axis, title="Titre correct", body="**gras** <script>alert(1)</script>"
    )
    assert "<strong>gras</strong>" in proposal.body_html
    assert "<script" not in proposal.body_html


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("abc", "texte", "title"),
        ("x" * 201, "texte", "title"),
        ("Titre correct", "y" * 10_001, "body"),
    ],
)
def test_create_rejects_bad_input_naming_the_field(user, axis, title, body, field):
    with pytest.raises(DomainError) as exc:
        services.proposal_create(author=user, axis=axis, title=title, body=body)
    assert exc.value.field == field
    assert Proposal.objects.count() == 0


def test_anonymous_cannot_create(axis):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDeniedError):
        services.proposal_create(author=AnonymousUser(), axis=axis, title="Titre correct", body="")


def test_author_edits_until_review_then_cannot(proposal, user, moderator):
    services.proposal_update(
        proposal=proposal, actor=user, title="Requalifier les friches de Sochaux"
    )
    assert Proposal.objects.get(pk=proposal.pk).title == "Requalifier les friches de Sochaux"
    services.proposal_status_change(proposal=proposal, actor=moderator, new_status="under_review")
    with pytest.raises(PermissionDeniedError):
        services.proposal_update(proposal=proposal, actor=user, title="Encore un autre titre")


def test_participant_cannot_change_another_participants_proposal(proposal, other_user):
    with pytest.raises(PermissionDeniedError):
        services.proposal_update(proposal=proposal, actor=other_user, title="Piratage du titre")
    assert Proposal.objects.get(pk=proposal.pk).title == "Requalifier les friches industrielles"


# --- lifecycle -----------------------------------------------------------------------


def test_full_lifecycle_is_recorded_with_who_when_from_to_reason(
    proposal, editor, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, **kwargs):
        received.append(
            (kwargs["old_status"], kwargs["new_status"], kwargs["actor"], kwargs["reason"])
        )

    proposal_status_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.proposal_status_change(
                proposal=proposal, actor=editor, new_status="under_review"
            )
            services.proposal_status_change(
                proposal=proposal, actor=editor, new_status="shortlisted", reason="Très soutenue"
            )
            services.proposal_status_change(proposal=proposal, actor=editor, new_status="retained")
    finally:
        proposal_status_changed.disconnect(listener)
    history = list(
        StatusChange.objects.filter(proposal=proposal).values_list(
            "old_status", "new_status", "actor", "reason"
        )
    )
    assert history == [
        ("", "submitted", proposal.author_id, ""),
        ("submitted", "under_review", editor.pk, ""),
        ("under_review", "shortlisted", editor.pk, "Très soutenue"),
        ("shortlisted", "retained", editor.pk, ""),
    ]
    assert received == [
        ("submitted", "under_review", editor, ""),
        ("under_review", "shortlisted", editor, "Très soutenue"),
        ("shortlisted", "retained", editor, ""),
    ]
    assert AuditEvent.objects.filter(action="proposal.status_changed").count() == 3


def test_signal_is_not_sent_when_the_transaction_rolls_back(proposal, editor):
    from django.db import transaction

    received = []

    def receiver(sender, **kw):
        received.append(kw)

    proposal_status_changed.connect(receiver, weak=False)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.proposal_status_change(
                proposal=proposal, actor=editor, new_status="under_review"
            )
            raise RuntimeError
    finally:
        # Only ours: the app's own receivers (notifications) must stay connected.
        proposal_status_changed.disconnect(receiver)
    assert received == []
    assert Proposal.objects.get(pk=proposal.pk).status == "submitted"


def test_not_retained_needs_a_public_reason(proposal, editor):
    with pytest.raises(DomainError) as exc:
        services.proposal_status_change(proposal=proposal, actor=editor, new_status="not_retained")
    assert exc.value.field == "reason"
    services.proposal_status_change(
        proposal=proposal, actor=editor, new_status="not_retained", reason="Hors compétence de PMA"
    )
    proposal.refresh_from_db()
    assert proposal.status_reason == "Hors compétence de PMA"


def test_invalid_transition_is_refused(proposal, editor):
    with pytest.raises(DomainError) as exc:
        services.proposal_status_change(proposal=proposal, actor=editor, new_status="retained")
    assert exc.value.code == "invalid_transition"
    assert Proposal.objects.get(pk=proposal.pk).status == "submitted"


def test_participant_cannot_change_a_status_even_of_their_own(proposal, user):
    with pytest.raises(PermissionDeniedError):
        services.proposal_status_change(proposal=proposal, actor=user, new_status="under_review")
    assert StatusChange.objects.filter(proposal=proposal).count() == 1


# --- supports --------------------------------------------------------------------------


def test_support_once_per_user_and_withdrawable(proposal, other_user):
    services.support_add(proposal=proposal, user=other_user)
    services.support_add(proposal=proposal, user=other_user)
    assert proposal.support_count == 1
    assert Support.objects.filter(proposal=proposal).count() == 1
    assert services.support_remove(proposal=proposal, user=other_user) is True
    assert services.support_remove(proposal=proposal, user=other_user) is False
    proposal.refresh_from_db()
    assert proposal.support_count == 0


def test_hidden_proposal_cannot_be_supported(proposal, moderator, other_user):
    services.proposal_hide(proposal=proposal, actor=moderator, reason="Propos injurieux")
    with pytest.raises(PermissionDeniedError):
        services.support_add(proposal=proposal, user=other_user)


# --- merges ----------------------------------------------------------------------------


def test_merge_carries_supports_without_double_counting(make_proposal, facilitator):
    a = make_proposal(title="Agence territoriale de souveraineté")
    b = make_proposal(title="Créer une agence de souveraineté")
    both, only_a, only_b = UserFactory(), UserFactory(), UserFactory()
    for u in (both, only_a):
        services.support_add(proposal=a, user=u)
    for u in (both, only_b):
        services.support_add(proposal=b, user=u)
    services.proposal_merge(source=a, target=b, actor=facilitator, reason="Doublon")
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.support_count == 3 == Support.objects.filter(proposal=b).count()
    assert a.support_count == 0 and not Support.objects.filter(proposal=a).exists()
    assert a.status == ProposalStatus.MERGED and a.merged_into == b
    assert a.status_changes.last().new_status == "merged"
    # The target keeps counting right afterwards.
    services.support_add(proposal=b, user=both)
    b.refresh_from_db()
    assert b.support_count == 3


def test_merge_chains_point_to_the_last_target(make_proposal, moderator):
    a, b, c = make_proposal(), make_proposal(), make_proposal()
    services.proposal_merge(source=a, target=b, actor=moderator)
    services.proposal_merge(source=b, target=c, actor=moderator)
    a.refresh_from_db()
    assert a.merged_into_id == c.pk
    with pytest.raises(DomainError):
        services.proposal_merge(source=c, target=a, actor=moderator)


def test_participant_cannot_merge(make_proposal, user):
    a, b = make_proposal(), make_proposal()
    with pytest.raises(PermissionDeniedError):
        services.proposal_merge(source=a, target=b, actor=user)


def test_merged_proposal_refuses_supports_and_comments(make_proposal, moderator, user):
    a, b = make_proposal(), make_proposal()
    services.proposal_merge(source=a, target=b, actor=moderator)
    with pytest.raises(DomainError):
        services.support_add(proposal=a, user=user)
    with pytest.raises(PermissionDeniedError):
        services.comment_create(proposal=a, author=user, body="Bonjour")


# --- comments --------------------------------------------------------------------------


def test_comment_threads_stay_one_level_deep(proposal, user, other_user):
    root = services.comment_create(proposal=proposal, author=user, body="Bonne idée")
    reply = services.comment_create(
        proposal=proposal, author=other_user, body="D'accord", parent=root
    )
    reply2 = services.comment_create(proposal=proposal, author=user, body="Merci", parent=reply)
    assert reply.parent == root and reply2.parent == root
    proposal.refresh_from_db()
    assert proposal.comment_count == 3


def test_comment_is_sanitised(proposal, user):
    comment = services.comment_create(
        proposal=proposal, author=user, body='[x](javascript:alert(1)) <img src=x onerror="a()">'
    )
    assert "javascript:" not in comment.body_html
    # The raw HTML is shown as text, never as a tag with an event handler.
    assert "<img" not in comment.body_html and "&lt;img" in comment.body_html


def test_comment_edit_window_is_15_minutes(proposal, user, other_user):
    comment = services.comment_create(proposal=proposal, author=user, body="Premier jet")
    services.comment_update(comment=comment, actor=user, body="Version corrigée")
    assert Comment.objects.get(pk=comment.pk).body == "Version corrigée"
    with pytest.raises(PermissionDeniedError):
        services.comment_update(comment=comment, actor=other_user, body="Pas à moi")
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    comment.refresh_from_db()
    with pytest.raises(PermissionDeniedError):
        services.comment_update(comment=comment, actor=user, body="Trop tard")


def test_deleting_a_comment_leaves_a_mark_and_fixes_the_count(proposal, user, other_user):
    root = services.comment_create(proposal=proposal, author=user, body="À supprimer")
    services.comment_create(proposal=proposal, author=other_user, body="Réponse", parent=root)
    with pytest.raises(PermissionDeniedError):
        services.comment_delete(comment=root, actor=other_user)
    services.comment_delete(comment=root, actor=user)
    root.refresh_from_db()
    assert root.is_deleted and root.body == "" and root.replies.count() == 1
    proposal.refresh_from_db()
    assert proposal.comment_count == 1


def test_comment_client_key_is_idempotent(proposal, user):
    a = services.comment_create(proposal=proposal, author=user, body="Une fois", client_key="c1")
    b = services.comment_create(proposal=proposal, author=user, body="Une fois", client_key="c1")
    assert a.pk == b.pk
    proposal.refresh_from_db()
    assert proposal.comment_count == 1


# --- moderation ------------------------------------------------------------------------


def test_report_hide_restore_with_public_reason_and_audit(proposal, other_user, moderator):
    report = services.report_create(reporter=other_user, proposal=proposal, reason="Publicité")
    again = services.report_create(reporter=other_user, proposal=proposal, reason="Encore")
    assert again.pk == report.pk
    services.proposal_hide(proposal=proposal, actor=moderator, reason="Contenu publicitaire")
    proposal.refresh_from_db()
    assert proposal.is_hidden and proposal.hidden_reason == "Contenu publicitaire"
    assert Report.objects.get(pk=report.pk).status == ReportStatus.ACTIONED
    assert not Proposal.objects.visible_to(other_user).filter(pk=proposal.pk).exists()
    assert Proposal.objects.visible_to(moderator).filter(pk=proposal.pk).exists()
    # The author still sees their own proposal (with the reason).
    assert Proposal.objects.visible_to(proposal.author).filter(pk=proposal.pk).exists()
    services.proposal_restore(proposal=proposal, actor=moderator, reason="Erreur de modération")
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    assert list(ModerationAction.objects.values_list("verb", flat=True)) == ["restore", "hide"]
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "proposal.hidden",
        "proposal.restored",
    }


def test_hiding_needs_a_reason_and_a_moderator(proposal, moderator, other_user):
    with pytest.raises(PermissionDeniedError):
        services.proposal_hide(proposal=proposal, actor=other_user, reason="Je n'aime pas")
    with pytest.raises(DomainError):
        services.proposal_hide(proposal=proposal, actor=moderator, reason="  ")
    assert not Proposal.objects.get(pk=proposal.pk).is_hidden


def test_hidden_comment_stays_in_database_and_leaves_the_count(proposal, user, moderator):
    comment = services.comment_create(proposal=proposal, author=user, body="Insulte")
    services.report_create(reporter=moderator, comment=comment, reason="Insulte")
    services.comment_hide(comment=comment, actor=moderator, reason="Propos insultants")
    comment.refresh_from_db()
    proposal.refresh_from_db()
    assert comment.is_hidden and comment.body == "Insulte"
    assert proposal.comment_count == 0
    services.comment_restore(comment=comment, actor=moderator, reason="Relu : acceptable")
    proposal.refresh_from_db()
    assert proposal.comment_count == 1


def test_dismissing_a_report_closes_it(proposal, other_user, moderator):
    report = services.report_create(reporter=other_user, proposal=proposal, reason="Doute")
    services.report_dismiss(report=report, actor=moderator)
    assert Report.objects.get(pk=report.pk).status == ReportStatus.DISMISSED
    assert not Report.objects.open().exists()
