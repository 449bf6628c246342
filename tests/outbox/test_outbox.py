"""The outbox: queued in a transaction, sent once, failures kept with their error and retried."""

from __future__ import annotations

import smtplib
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from outbox.models import OutboxMessage
from outbox.services import Email, outbox_enqueue, outbox_send

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


class DownBackend(BaseEmailBackend):
    """An SMTP server that drops the connection."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RefusingBackend(BaseEmailBackend):
    """Refuses one address, delivers the others (to locmem's outbox)."""

    def send_messages(self, messages):
        for message in messages:
            if message.to == ["refuse@example.org"]:
                raise smtplib.SMTPRecipientsRefused({"refuse@example.org": (550, b"no")})
            mail.outbox.append(message)
        return len(messages)


def queue(*addresses: str) -> None:
    outbox_enqueue(
        kind="test",
        emails=[
            Email(to=a, subject=f"Pour {a}", body="Texte", html="<p>Texte</p>") for a in addresses
        ],
        send_after_commit=False,
    )


@pytest.mark.django_db
def test_sends_each_row_once_with_its_html(settings):
    settings.EMAIL_BACKEND = LOCMEM
    queue("a@example.org", "b@example.org")
    assert outbox_send().sent == 2
    assert outbox_send().sent == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert mail.outbox[0].alternatives[0] == ("<p>Texte</p>", "text/html")
    assert not OutboxMessage.objects.filter(sent_at=None).exists()


@pytest.mark.django_db
def test_smtp_down_keeps_the_rows_with_the_error_and_a_later_retry_sends_them(settings):
    settings.EMAIL_BACKEND = "tests.outbox.test_outbox.DownBackend"
    queue("a@example.org", "b@example.org", "c@example.org")
    result = outbox_send()
    # The run stops at the first server error: one attempt used, not three.
    assert (result.sent, result.failed) == (0, 1)
    first = OutboxMessage.objects.order_by("pk").first()
    assert first.attempts == 1 and "SMTPServerDisconnected" in first.last_error
    assert first.next_attempt_at > timezone.now()
    assert OutboxMessage.objects.filter(attempts=0).count() == 2

    settings.EMAIL_BACKEND = LOCMEM
    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert "2 e-mail(s) envoyé(s), 0 en échec." in out.getvalue()
    # The failed one waits for its next attempt, then goes, once.
    assert outbox_send(now=timezone.now() + timedelta(minutes=6)).sent == 1
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]


@pytest.mark.django_db
def test_a_refused_recipient_does_not_stop_the_others(settings):
    settings.EMAIL_BACKEND = "tests.outbox.test_outbox.RefusingBackend"
    queue("refuse@example.org", "b@example.org")
    result = outbox_send()
    assert (result.sent, result.failed) == (1, 1)
    assert [m.to[0] for m in mail.outbox] == ["b@example.org"]


@pytest.mark.django_db
def test_gives_up_after_the_maximum_number_of_attempts(settings):
    settings.EMAIL_BACKEND = "tests.outbox.test_outbox.DownBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    queue("a@example.org")
    later = timezone.now() + timedelta(days=1)
    assert outbox_send(now=later).failed == 1
    assert outbox_send(now=later).failed == 1
    assert outbox_send(now=later).failed == 0
    assert OutboxMessage.objects.get().attempts == 2


@pytest.mark.django_db
def test_a_rolled_back_transaction_queues_nothing(settings):
    settings.EMAIL_BACKEND = LOCMEM
    with pytest.raises(RuntimeError), transaction.atomic():
        queue("a@example.org")
        raise RuntimeError
    assert not OutboxMessage.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_never_send_the_same_row(settings):
    """A row another sender holds is skipped (SKIP LOCKED), not sent a second time."""
    settings.EMAIL_BACKEND = LOCMEM
    queue("a@example.org", "b@example.org", "c@example.org")
    held = OutboxMessage.objects.order_by("pk").first()
    locked, release = threading.Event(), threading.Event()

    def other_sender():
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(10)
                OutboxMessage.objects.filter(pk=held.pk).update(sent_at=timezone.now())
        finally:
            connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    assert locked.wait(10)
    try:
        assert outbox_send().sent == 2
    finally:
        release.set()
        thread.join(10)
    assert outbox_send().sent == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["b@example.org", "c@example.org"]
