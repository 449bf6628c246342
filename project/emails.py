"""The platform's e-mails: one look for every message, built from its text version.

Every e-mail is written once, as text (the templates under ``*/email/`` and
``account/email/``); :func:`html_from_text` gives it the platform's HTML look,
with the text's paragraphs escaped and its addresses turned into links. The
part after the ``--`` signature line (why the person receives it, how to stop)
becomes the footer.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import urlize
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from project.links import site_url

SIGNATURE = "--"


def _paragraphs(text: str) -> list[str]:
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n")]
    return [
        mark_safe("<br>\n".join(urlize(line, autoescape=True) for line in b.splitlines()))  # noqa: S308 (escaped by urlize)
        for b in blocks
        if b
    ]


def html_from_text(text: str, *, subject: str) -> str:
    """The HTML alternative of a text e-mail, in the platform's layout."""
    body, _, footer = text.partition(f"\n{SIGNATURE}\n")
    return render_to_string(
        "email/layout.html",
        {
            "subject": subject,
            "paragraphs": _paragraphs(body),
            "footer": _paragraphs(footer),
            "platform_name": settings.PLATFORM_NAME,
            "LANGUAGE_CODE": get_language() or "fr",
        },
    )


def email_context() -> dict:
    """What every e-mail template may name: the platform, the Codev, the site's address."""
    return {
        "platform_name": settings.PLATFORM_NAME,
        "codev_name": settings.CODEV_NAME,
        "site_url": site_url(),
    }
