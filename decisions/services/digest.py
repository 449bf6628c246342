"""The digest: one e-mail per person of the notifications not yet e-mailed."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from decisions.models import Notification, NotificationKind
from outbox.services import Email, mail_opted_in, outbox_enqueue
from project.emails import html_from_text
from project.links import site_url


def digest_email(*, user, notifications):
    """One person's digest e-mail (text and HTML), in the active language."""
    count = len(notifications)
    followed = [n for n in notifications if n.kind == NotificationKind.FOLLOW]
    ideas = [n for n in notifications if n.kind != NotificationKind.FOLLOW]
    if ideas:
        subject = ngettext(
            "Ce qu'est devenue votre idée — %(count)d nouvelle",
            "Ce que sont devenues vos idées — %(count)d nouvelles",
            count,
        ) % {"count": count}
    else:
        subject = ngettext(
            "Ce que vous suivez — %(count)d nouvelle",
            "Ce que vous suivez — %(count)d nouvelles",
            count,
        ) % {"count": count}
    subject = f"{settings.PLATFORM_NAME} : {subject}"
    context = {
        "user": user,
        "notifications": notifications,
        "ideas": ideas,
        "followed": followed,
        "base_url": site_url(),
    }
    body = render_to_string("decisions/email/digest.txt", context)
    return Email(
        to=user.email, subject=subject, body=body, html=html_from_text(body, subject=subject)
    )


def notifications_send_digest(*, now=None, send_after_commit: bool = True) -> int:
    """Queue for each opted-in person one e-mail of the notifications not yet e-mailed, in French.

    Returns the number of e-mails queued (``outbox``: sent after commit, retried by
    ``send_outbox``). Safe to run twice, even at once: the notifications are locked
    (PostgreSQL) and stamped in the transaction that queues their e-mail.
    """
    now = now or timezone.now()
    with transaction.atomic():
        pending = (
            Notification.objects.for_digest()
            .filter(mail_opted_in("recipient__"), created_at__lte=now)
            .select_related("recipient")
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("recipient_id", "created_at", "pk")
        )
        by_user: dict[int, list[Notification]] = {}
        for notification in pending:
            by_user.setdefault(notification.recipient_id, []).append(notification)
        if not by_user:
            return 0
        with translation.override("fr"):
            emails = [
                digest_email(user=items[0].recipient, notifications=items)
                for items in by_user.values()
            ]
        Notification.objects.filter(
            pk__in=[n.pk for items in by_user.values() for n in items]
        ).update(emailed_at=now)
        return outbox_enqueue(
            kind="decisions.digest", emails=emails, send_after_commit=send_after_commit
        )
