"""E-mails sent when a summary is published: to the participants who asked for them."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from outbox.services import Email, mail_opted_in
from project.emails import email_context
from project.links import absolute_url
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
    with translation.override("fr"):
        return [
            publication_email(version=version, user=user)
            for user in publication_recipients(version).iterator()
        ]


def publication_email(*, version: SummaryVersion, user: User) -> Email:
    """One person's e-mail announcing a published summary, in the active language."""
    url = absolute_url(version.summary.get_absolute_url())
    subject = (
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}"
        + render_to_string("summaries/email/published_subject.txt", {"version": version}).strip()
    )
    context = {
        **email_context(),
        "subject": subject,
        "footer": [
            _(
                "Vous recevez ce message car vous avez demandé à être informé·e des "
                "synthèses publiées. Pour ne plus les recevoir, décochez cette option "
                "dans votre compte."
            )
        ],
        "version": version,
        "user": user,
        "url": url,
    }
    return Email(
        to=user.email,
        subject=subject,
        body=render_to_string("summaries/email/published.txt", context),
        html=render_to_string("summaries/email/published.html", context),
    )
