"""Publishing does not wait on the mail server: the e-mails leave from a thread after commit."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from outbox.models import OutboxMessage
from summaries.services import summary_create_for_workshop, summary_publish

SMTP_FREE = threading.Event()


class SlowBackend(EmailBackend):
    """A mail server that answers only when the test lets it."""

    def send_messages(self, messages):
        assert SMTP_FREE.wait(30), "the test never released the mail server"
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_publishing_returns_before_the_mail_server_answers(held_workshop, editor, settings):
    settings.EMAIL_BACKEND = "tests.summaries.test_outbox_publication.SlowBackend"
    SMTP_FREE.clear()
    summary = summary_create_for_workshop(actor=editor, workshop=held_workshop)
    try:
        version = summary_publish(summary=summary, actor=editor)
        # Back from the publication while the server still holds the first e-mail.
        assert version.number == 1
        assert mail.outbox == []
        assert OutboxMessage.objects.filter(kind="summary.published").count() == 4
    finally:
        SMTP_FREE.set()
        for thread in threading.enumerate():
            if thread.name == "outbox-sender":
                thread.join(30)
    assert len(mail.outbox) == 4
    assert not OutboxMessage.objects.filter(sent_at=None).exists()
