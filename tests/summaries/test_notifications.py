"""Publication e-mails: written and sent by a task queued after commit, in French, text and
HTML, only to those who opted in (the tests' task backend runs a task when it is queued)."""

from __future__ import annotations

import pytest
from django.core import mail

from outbox.models import OutboxMessage
from summaries.services import summary_create_for_workshop, summary_publish

pytestmark = pytest.mark.django_db


def publish_and_send(summary, editor, capture, **kwargs) -> None:
    """Publish, then run what was queued on commit (the e-mail task)."""
    with capture(execute=True):
        summary_publish(summary=summary, actor=editor, **kwargs)


def test_participants_who_opted_in_get_one_email_each(
    held_workshop, editor, django_capture_on_commit_callbacks
):
    people = held_workshop.people
    people["paul"].email = ""  # opted in but no e-mail: nothing to send
    people["paul"].save()
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary_publish(summary=summary, actor=editor)
    # Nothing written nor sent in the publishing transaction: a task, queued on commit.
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (immediate backend in tests)
    assert OutboxMessage.objects.filter(kind="summary.published", sent_at=None).count() == 0
    assert OutboxMessage.objects.filter(kind="summary.published").count() == 3

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
    assert callbacks == []  # no e-mail task (and no PDF task: off in these tests)
    assert len(mail.outbox) == sent == 4
    assert OutboxMessage.objects.count() == 4
