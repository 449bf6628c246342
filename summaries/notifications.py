"""E-mails sent when a summary is published: to the participants who asked for them."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from summaries.generation import scope_for_summary
from summaries.models import SummaryVersion


def publication_recipients(version: SummaryVersion):
    """Participants of the summary's workshops with a confirmed account, an e-mail and the opt-in.

    Guests are left out: their address (if any) is not confirmed yet.
    """
    workshops = scope_for_summary(version.summary).workshops()
    return (
        User.objects.filter(
            participations__workshop__in=workshops,
            participations__removed_at__isnull=True,
            email_opt_in=True,
            is_active=True,
            is_guest=False,
            deleted_at__isnull=True,
        )
        .exclude(email="")
        .distinct()
        .only("pk", "email", "display_name", "first_name")
    )


def send_publication_emails(version: SummaryVersion) -> int:
    """One e-mail per person (nobody sees the others' addresses), in French, text and HTML."""
    url = settings.SITE_URL + version.summary.get_absolute_url()
    messages = []
    with translation.override("fr"):
        subject = (
            f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}"
            + render_to_string(
                "summaries/email/published_subject.txt", {"version": version}
            ).strip()
        )
        for user in publication_recipients(version).iterator():
            context = {
                "version": version,
                "user": user,
                "url": url,
                "codev_name": settings.CODEV_NAME,
            }
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("summaries/email/published.txt", context),
                to=[user.email],
            )
            message.attach_alternative(
                render_to_string("summaries/email/published.html", context), "text/html"
            )
            messages.append(message)
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0
