"""Every e-mail the platform sends, rendered with sample data: the staff's preview page.

Each entry renders through the same code as the real sending (allauth's adapter,
the digest's and the publication's builders), so what staff see is what people get.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import College, User
from decisions.models import Notification, NotificationKind
from decisions.services import digest_email
from project.emails import email_context
from project.links import absolute_url
from summaries.models import DecisionSummary, SummaryVersion
from summaries.notifications import publication_email


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Preview:
    name: str
    label: str
    render: Callable[..., Rendered]


SAMPLE_EMAIL = "sophie.martin@exemple.fr"


def sample_user() -> User:
    """An unsaved person: a display name and a technical username that must never show."""
    return User(
        username="u-7f3a9c2e",
        email=SAMPLE_EMAIL,
        display_name="Sophie Martin",
        college=College.CITIZENS,
    )


def _allauth(prefix: str, extra: Callable[[object], dict]):
    def render(request) -> Rendered:
        adapter = get_adapter(request)
        with allauth_context.request_context(request):

            def link(path: str) -> str:
                return absolute_url(path, request)

            context = {
                "user": sample_user(),
                "email": SAMPLE_EMAIL,
                "current_site": None,
                "login_url": link(reverse("account_login")),
                **extra(link),
            }

            message = adapter.render_mail(prefix, SAMPLE_EMAIL, {**email_context(), **context})
        html = next((body for body, kind in message.alternatives if kind == "text/html"), "")
        return Rendered(message.subject, message.body, html)

    return render


def _notice(link) -> dict:
    return {
        "ip": "203.0.113.7",
        "user_agent": "Firefox 140 (Android)",
        "timestamp": timezone.now(),
        "from_email": "ancienne@exemple.fr",
        "to_email": SAMPLE_EMAIL,
        "deleted_email": "ancienne@exemple.fr",
    }


def _digest(request) -> Rendered:
    user = sample_user()
    notes = [
        Notification(
            recipient=user,
            kind=NotificationKind.choices[0][0],
            message=str(
                _("Votre idée « Un guichet unique pour l'emploi industriel » est retenue.")
            ),
            url="/propositions/",
        ),
        Notification(
            recipient=user,
            kind=NotificationKind.FOLLOW,
            message=_("L'atelier « %(title)s » que vous suivez est programmé.")
            % {"title": "Friches et foncier"},
            url="/ateliers/",
        ),
    ]
    email = digest_email(user=user, notifications=notes)
    return Rendered(email.subject, email.body, email.html)


def _published(request) -> Rendered:
    version = SummaryVersion.objects.select_related("summary").order_by(
        "-pk"
    ).first() or SummaryVersion(
        title=str(_("Atelier « Foncier industriel »")),
        summary=DecisionSummary(slug="atelier-foncier-industriel"),
    )
    email = publication_email(version=version, user=sample_user())
    return Rendered(email.subject, email.body, email.html)


def previews() -> list[Preview]:
    return [
        Preview(
            "signup",
            _("Confirmer son adresse après l'inscription"),
            _allauth(
                "account/email/email_confirmation_signup",
                lambda link: {"activate_url": link("/compte/confirmer-email/exemple/")},
            ),
        ),
        Preview(
            "confirmation",
            _("Confirmer une nouvelle adresse"),
            _allauth(
                "account/email/email_confirmation",
                lambda link: {"activate_url": link("/compte/confirmer-email/exemple/")},
            ),
        ),
        Preview(
            "password_reset",
            _("Choisir un nouveau mot de passe"),
            _allauth(
                "account/email/password_reset_key",
                lambda link: {"password_reset_url": link("/compte/mot-de-passe/exemple/")},
            ),
        ),
        Preview(
            "password_reset_code",
            _("Code pour changer de mot de passe"),
            _allauth("account/email/password_reset_code", lambda link: {"code": "QX7-K2M"}),
        ),
        Preview(
            "login_code",
            _("Code de connexion"),
            _allauth("account/email/login_code", lambda link: {"code": "QX7-K2M"}),
        ),
        Preview(
            "account_already_exists",
            _("Inscription avec une adresse qui a déjà un compte"),
            _allauth(
                "account/email/account_already_exists",
                lambda link: {
                    "signup_url": link(reverse("account_signup")),
                    "password_reset_url": link(reverse("account_reset_password")),
                },
            ),
        ),
        Preview(
            "claim_account_exists",
            _("Invité·e qui garde son compte avec une adresse déjà inscrite"),
            _allauth(
                "accounts/email/claim_account_exists",
                lambda link: {"password_reset_url": link(reverse("account_reset_password"))},
            ),
        ),
        Preview(
            "unknown_account",
            _("Demande pour une adresse sans compte"),
            _allauth(
                "account/email/unknown_account",
                lambda link: {"signup_url": link(reverse("account_signup"))},
            ),
        ),
        Preview(
            "password_changed",
            _("Avis : mot de passe changé"),
            _allauth("account/email/password_changed", _notice),
        ),
        Preview(
            "password_set",
            _("Avis : mot de passe choisi"),
            _allauth("account/email/password_set", _notice),
        ),
        Preview(
            "password_reset_done",
            _("Avis : mot de passe réinitialisé"),
            _allauth("account/email/password_reset", _notice),
        ),
        Preview(
            "email_changed",
            _("Avis : adresse changée"),
            _allauth("account/email/email_changed", _notice),
        ),
        Preview(
            "email_confirm",
            _("Avis : adresse confirmée"),
            _allauth("account/email/email_confirm", _notice),
        ),
        Preview(
            "email_deleted",
            _("Avis : adresse retirée"),
            _allauth("account/email/email_deleted", _notice),
        ),
        Preview("digest", _("Récapitulatif : ce que sont devenues vos idées"), _digest),
        Preview("summary_published", _("Synthèse publiée"), _published),
    ]


def preview(name: str) -> Preview | None:
    return next((p for p in previews() if p.name == name), None)
