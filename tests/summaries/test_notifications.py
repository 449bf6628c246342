"""Publication e-mails: after commit, in French, text and HTML, only to those who opted in."""

from __future__ import annotations

import pytest
from django.core import mail

from outbox.models import OutboxMessage
from outbox.services import outbox_send, outbox_send_in_background
from summaries.services import summary_create_for_workshop, summary_publish

pytestmark = pytest.mark.django_db


def publish_and_send(summary, editor, capture, **kwargs) -> None:
    """Publish, then send the outbox here (the test's transaction is invisible to the thread
    that sending after commit starts: tests/outbox covers that thread)."""
    with capture(execute=False) as callbacks:
        summary_publish(summary=summary, actor=editor, **kwargs)
    assert all(c is outbox_send_in_background for c in callbacks)
    outbox_send()


def test_participants_who_opted_in_get_one_email_each(
    held_workshop, editor, django_capture_on_commit_callbacks
):
    people = held_workshop.people
    people["paul"].email = ""  # opted in but no e-mail: nothing to send
    people["paul"].save()
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary_publish(summary=summary, actor=editor)
        assert mail.outbox == []  # nothing leaves before the commit
    # Queued in the publishing transaction, one row per person; sent after commit.
    assert OutboxMessage.objects.filter(kind="summary.published", sent_at=None).count() == 3
    assert callbacks == [outbox_send_in_background]
    assert outbox_send().sent == 3

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted(
        [people["lucie"].email, people["ines"].email, people["nathalie"].email]
    )
    # Not the guest (address not confirmed), not those who did not opt in.
    assert "gaston.invite@example.org" not in recipients
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)

    message = mail.outbox[0]
    assert message.subject.startswith("[Agir Ensemble] Synthèse publiée : ")
    assert "Le Codev vient de publier la synthèse" in message.body
    assert f"/syntheses/{summary.slug}/" in message.body
    assert f"/syntheses/{summary.slug}.pdf" in message.body
    assert "<" not in message.body  # a real plain-text part
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and 'lang="fr"' in html


def test_emails_are_in_french_whatever_the_editor_language(
    held_workshop, editor, django_capture_on_commit_callbacks
):
    from django.utils import translation

    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    with translation.override("en"):
        publish_and_send(summary, editor, django_capture_on_commit_callbacks)
    assert mail.outbox and all("Synthèse publiée" in m.subject for m in mail.outbox)


def test_a_correction_does_not_mail_everyone_again(
    held_workshop, editor, django_capture_on_commit_callbacks
):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    publish_and_send(summary, editor, django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary_publish(summary=summary, actor=editor, change_note="Coquille corrigée.")
    assert callbacks == []
    assert outbox_send().sent == 0
    assert len(mail.outbox) == sent == 4
    assert OutboxMessage.objects.count() == 4
