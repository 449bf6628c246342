"""Publication e-mails: after commit, in French, text and HTML, only to those who opted in."""

from __future__ import annotations

import pytest
from django.core import mail

from summaries.services import summary_create_for_workshop, summary_publish

pytestmark = pytest.mark.django_db


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
    for callback in callbacks:
        callback()

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
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        summary_publish(summary=summary, actor=editor)
    assert mail.outbox and all("Synthèse publiée" in m.subject for m in mail.outbox)


def test_a_correction_does_not_mail_everyone_again(
    held_workshop, editor, django_capture_on_commit_callbacks
):
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    with django_capture_on_commit_callbacks(execute=True):
        summary_publish(summary=summary, actor=editor)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        summary_publish(summary=summary, actor=editor, change_note="Coquille corrigée.")
    assert len(mail.outbox) == sent == 4
