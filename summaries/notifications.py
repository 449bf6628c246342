"""E-mails sent when a summary is published: to the participants who asked for them."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from outbox.services import Email, mail_opted_in
from summaries.generation import scope_for_summary
from summaries.models import SummaryVersion


def publication_recipients(version: SummaryVersion):
    """Participants of the summary's workshops with a confirmed account, an e-mail and the opt-in.

    Guests are left out: their address (if any) is not confirmed yet.
    """
    workshops = scope_for_summary(version.summary).workshops()
    return (
        User.objects.filter(
            mail_opted_in(),
            participations__workshop__in=workshops,
            participations__removed_at__isnull=True,
        )
        .distinct()
        .only("pk", "email", "display_name", "first_name")
    )


def publication_emails(version: SummaryVersion) -> list[Email]:
    """One e-mail per person (nobody sees the others' addresses), in French, text and HTML."""
    url = settings.SITE_URL + version.summary.get_absolute_url()
    emails = []
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
            emails.append(
                Email(
                    to=user.email,
                    subject=subject,
                    body=render_to_string("summaries/email/published.txt", context),
                    html=render_to_string("summaries/email/published.html", context),
                )
            )
    return emails
