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
from outbox.services import Email, outbox_claim, outbox_enqueue, outbox_prune, outbox_send

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


@pytest.mark.django_db(transaction=True)
def test_a_row_another_sender_holds_is_skipped_and_due_again_when_its_lease_is_over(settings):
    """Two senders never send the same row; one that died mid-send leaves it for the next."""
    settings.EMAIL_BACKEND = LOCMEM
    queue("a@example.org", "b@example.org", "c@example.org")
    held = outbox_claim()  # another sender took it, then died before stamping it
    assert held.to == "a@example.org"
    assert outbox_send().sent == 2
    assert outbox_send().sent == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["b@example.org", "c@example.org"]
    after_lease = timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    assert outbox_send(now=after_lease).sent == 1
    assert mail.outbox[-1].to == ["a@example.org"]


@pytest.mark.django_db(transaction=True)
def test_two_senders_racing_for_one_row_claim_it_once(settings):
    queue("a@example.org")
    row = OutboxMessage.objects.get()
    assert outbox_claim() is not None
    # The loser read the row before the winner's update: its compare-and-set matches nothing.
    assert not OutboxMessage.objects.filter(
        pk=row.pk, sent_at__isnull=True, next_attempt_at=row.next_attempt_at
    ).update(next_attempt_at=timezone.now())
    assert outbox_claim() is None


class SlowBackend(BaseEmailBackend):
    """An SMTP server that takes its time: holds every message until ``release`` is set."""

    sending = threading.Event()
    release = threading.Event()

    def send_messages(self, messages):
        SlowBackend.sending.set()
        assert SlowBackend.release.wait(10)
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.django_db(transaction=True)
def test_the_site_keeps_writing_while_smtp_is_slow(settings):
    """No transaction is open during SMTP: on SQLite it would hold the site's one write lock."""
    settings.EMAIL_BACKEND = "tests.outbox.test_outbox.SlowBackend"
    SlowBackend.sending.clear()
    SlowBackend.release.clear()
    queue("a@example.org")

    def send():
        try:
            outbox_send()
        finally:
            connection.close()

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert SlowBackend.sending.wait(10)
        with transaction.atomic():  # IMMEDIATE on SQLite: takes the write lock
            queue("b@example.org")
        assert OutboxMessage.objects.count() == 2
    finally:
        SlowBackend.release.set()
        sender.join(10)
    assert OutboxMessage.objects.get(to="a@example.org").sent_at is not None


class DeletingBackend(BaseEmailBackend):
    """Delivers, while the recipient's account is deleted (its outbox rows with it)."""

    def send_messages(self, messages):
        OutboxMessage.objects.filter(to=messages[0].to[0]).delete()
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.django_db
def test_a_row_deleted_while_it_was_sent_does_not_stop_the_run(settings):
    settings.EMAIL_BACKEND = "tests.outbox.test_outbox.DeletingBackend"
    queue("a@example.org", "b@example.org")
    assert outbox_send().sent == 2
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_settled_rows_are_deleted_after_the_keeping_period(settings):
    settings.EMAIL_BACKEND = "tests.outbox.test_outbox.RefusingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 1
    queue("sent@example.org", "refuse@example.org", "due@example.org")
    OutboxMessage.objects.filter(to="due@example.org").update(
        next_attempt_at=timezone.now() + timedelta(days=1)
    )
    result = outbox_send()
    assert (result.sent, result.failed) == (1, 1)
    assert outbox_prune() == 0  # settled, but queued today
    later = timezone.now() + timedelta(days=settings.OUTBOX_KEEP_DAYS, minutes=1)
    assert outbox_prune(now=later) == 2
    # Still to send: kept whatever its age.
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == ["due@example.org"]
    out = StringIO()
    call_command("send_outbox", stdout=out)
    assert "supprimé" not in out.getvalue()
