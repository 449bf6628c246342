"""Queue e-mails in the caller's transaction; send them after commit and from a timer.

``outbox_enqueue`` writes one row per e-mail inside the transaction that decided
them (a rolled-back publication sends nothing) and, after commit, queues a task
(``outbox.tasks.send_due_emails``) that sends them: the request does not wait on
SMTP. Whatever that task could not send (SMTP down) stays due and is sent by
``send_outbox``, which the worker runs every minute (ops/schedule.py).

No e-mail is sent twice by two senders: a sender claims a row with one
conditional UPDATE that moves its ``next_attempt_at`` a lease ahead (compare
and set on the value it read: of two senders, one wins), then sends it outside
any transaction, then stamps it. The database is never locked while SMTP
answers, which matters on SQLite, where a transaction holds the one write lock
of the whole site. A sender that dies mid-send leaves its row due again once
the lease is over. Delivery is at least once: a process killed between the SMTP
reply and the stamp sends that one e-mail again.

Rows are kept ``OUTBOX_KEEP_DAYS`` (30) after they were queued, then
``send_outbox`` deletes them if they were sent or given up on: they hold
addresses and texts, and nobody needs them once settled.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.utils import timezone

from ops.jobs import enqueue_on_commit
from outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

__all__ = [
    "Email",
    "mail_opted_in",
    "outbox_claim",
    "outbox_enqueue",
    "outbox_forget",
    "outbox_prune",
    "outbox_send",
]

# One sender at a time in a process (a task and a command, say).
_process_lock = threading.Lock()


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    html: str = ""


def mail_opted_in(prefix: str = "") -> Q:
    """People we may e-mail: opted in, with an address, an active confirmed account (not a guest:
    their address is not confirmed), not deleted. ``prefix``: the path to the user, "recipient__"."""
    return Q(
        **{
            f"{prefix}email_opt_in": True,
            f"{prefix}is_active": True,
            f"{prefix}is_guest": False,
            f"{prefix}deleted_at__isnull": True,
        }
    ) & ~Q(**{f"{prefix}email": ""})


def max_attempts() -> int:
    return settings.OUTBOX_MAX_ATTEMPTS


def lease() -> timedelta:
    """How long a claimed row stays out of other senders' hands (far above ``EMAIL_TIMEOUT``)."""
    return timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def keep_days() -> int:
    return settings.OUTBOX_KEEP_DAYS


def retry_delay(attempts: int) -> timedelta:
    """5 min after the first failure, doubling, at most 6 h apart."""
    return timedelta(minutes=min(5 * 2 ** (attempts - 1), 6 * 60))


def outbox_enqueue(*, kind: str, emails: list[Email], send_after_commit: bool = True) -> int:
    """Store the e-mails in the current transaction; after commit, a task sends them."""
    if not emails:
        return 0
    OutboxMessage.objects.bulk_create(
        OutboxMessage(kind=kind, to=e.to, subject=e.subject, body=e.body, html=e.html)
        for e in emails
    )
    if send_after_commit:
        from outbox.tasks import send_due_emails  # a cycle: the task runs outbox_send

        enqueue_on_commit(send_due_emails)
    return len(emails)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0


def outbox_send(*, limit: int | None = None, now=None) -> SendResult:
    """Send what is due, one row at a time, over one SMTP connection.

    A refused recipient is that row's failure; any other error (connection,
    authentication, timeout) is recorded on the row being sent and stops the run,
    so an SMTP outage does not use up the attempts of every row.
    """
    result = SendResult()
    tried: set[int] = set()
    with _process_lock:
        connection = get_connection()
        try:
            while limit is None or result.sent + result.failed < limit:
                row = outbox_claim(now=now, exclude=tried)
                if row is None:
                    break
                tried.add(row.pk)
                outcome = _deliver(connection, row)
                if outcome is True:
                    result.sent += 1
                    continue
                result.failed += 1
                if outcome is False:
                    break
        finally:
            try:
                connection.close()
            except Exception:
                logger.warning("outbox: closing the mail connection failed", exc_info=True)
    return result


def outbox_claim(*, now=None, exclude=()) -> OutboxMessage | None:
    """The first due row, now leased to this sender; None when nothing is due."""
    while True:
        row = (
            OutboxMessage.objects.due(now=now, max_attempts=max_attempts())
            .exclude(pk__in=exclude)
            .order_by("next_attempt_at", "id")
            .first()
        )
        if row is None:
            return None
        leased_until = timezone.now() + lease()
        won = OutboxMessage.objects.filter(
            pk=row.pk, sent_at__isnull=True, next_attempt_at=row.next_attempt_at
        ).update(next_attempt_at=leased_until)
        if won:
            row.next_attempt_at = leased_until
            return row
        # Another sender claimed it between the read and the update: take the next one.


def _deliver(connection, row: OutboxMessage) -> bool | str:
    """True: sent. "refused": that recipient failed. False: the server failed."""
    message = EmailMultiAlternatives(
        subject=row.subject, body=row.body, to=[row.to], connection=connection
    )
    if row.html:
        message.attach_alternative(row.html, "text/html")
    try:
        message.send()
    except Exception as error:
        row.attempts += 1
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        row.next_attempt_at = timezone.now() + retry_delay(row.attempts)
        _stamp(row, "attempts", "last_error", "next_attempt_at")
        logger.warning("outbox: e-mail %s to %s failed: %s", row.pk, row.to, row.last_error)
        return "refused" if isinstance(error, smtplib.SMTPRecipientsRefused) else False
    row.sent_at = timezone.now()
    row.attempts += 1
    _stamp(row, "sent_at", "attempts")
    return True


def _stamp(row: OutboxMessage, *fields: str) -> None:
    # An update, not save(update_fields=…): the row may have gone while it was sent (its
    # account deleted), and that must not stop the run.
    OutboxMessage.objects.filter(pk=row.pk).update(**{f: getattr(row, f) for f in fields})


def outbox_forget(addresses) -> int:
    """Delete every e-mail to these addresses (any case), queued or sent: their owner left."""
    wanted = Q()
    for address in {a for a in addresses if a}:
        wanted |= Q(to__iexact=address)
    if not wanted:
        return 0
    deleted, _ = OutboxMessage.objects.filter(wanted).delete()
    return deleted


def outbox_prune(*, now=None) -> int:
    """Delete the rows queued more than ``OUTBOX_KEEP_DAYS`` ago that were sent or given up on."""
    cutoff = (now or timezone.now()) - timedelta(days=keep_days())
    settled = Q(sent_at__isnull=False) | Q(attempts__gte=max_attempts())
    deleted, _ = OutboxMessage.objects.filter(settled, created_at__lt=cutoff).delete()
    return deleted
