"""Writes on accounts: guests, claims, roles."""

from __future__ import annotations

import ipaddress
import secrets

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, College, Role, User
from project import ratelimit
from project.errors import DomainError
from project.links import absolute_url
from project.text import clean_line, strip_invisible

DISPLAY_NAME_MAX = 60


def clean_display_name(value: str) -> str:
    """Trim and reject names that are empty once invisible characters are removed."""
    name = " ".join(strip_invisible(value or "").split())
    if not name:
        raise DomainError(
            "invalid_display_name", _("Indiquez un nom à afficher."), field="display_name"
        )
    if len(name) > DISPLAY_NAME_MAX:
        raise DomainError(
            "invalid_display_name",
            _("Le nom affiché ne peut dépasser %(max)d caractères.") % {"max": DISPLAY_NAME_MAX},
            field="display_name",
        )
    return name


def clean_college(value: str) -> str:
    if value not in College.values:
        raise DomainError(
            "invalid_college", _("Choisissez un collège dans la liste."), field="college"
        )
    return value


def guest_create(*, display_name: str, college: str) -> User:
    """A guest is a real user row, with no e-mail and no usable password."""
    name = clean_display_name(display_name)
    college = clean_college(college)
    user = User(
        username=f"invite-{secrets.token_hex(8)}",
        display_name=name,
        college=college,
        is_guest=True,
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def guest_claim(*, user: User, email: str, request=None) -> User:
    """Attach an e-mail to a guest; the account becomes a full one once the e-mail is verified.

    The answer is the same whether the address has an account or not (as allauth's
    sign-up and password reset, ``ACCOUNT_PREVENT_ENUMERATION``): an unknown address gets
    the confirmation link; an address with an account gets an e-mail saying to sign in or
    reset the password, and the guest is left as it was. Rate limited per client address
    and per address typed (``RATE_LIMITS["claim"]``, ``["claim_email"]``): each claim
    e-mails whatever address was typed.
    """
    if not user.is_guest:
        raise DomainError("not_a_guest", _("Ce compte a déjà une adresse e-mail."))
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("invalid_email", _("Indiquez une adresse e-mail."), field="email")
    client = ratelimit.client_address(request)
    if ratelimit.exceeded("claim", client) or ratelimit.exceeded("claim_email", email):
        raise ratelimit.RateLimitedError(
            _("Trop de demandes en peu de temps : réessayez dans une heure."), field="email"
        )
    ratelimit.hit("claim", client)
    ratelimit.hit("claim_email", email)
    if EmailAddress.objects.filter(email__iexact=email, verified=True).exists():
        if request is not None:
            _claim_account_exists_mail(request, email)
        return user
    user.email = email
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).delete()
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    if request is not None:
        address.send_confirmation(request, signup=False)
    return user


def _claim_account_exists_mail(request, email: str) -> None:
    """Tell the owner of ``email`` that someone (maybe them) tried to claim a guest with it."""
    get_adapter(request).send_mail(
        "accounts/email/claim_account_exists",
        email,
        {
            "login_url": absolute_url(reverse("account_login"), request),
            "password_reset_url": absolute_url(reverse("account_reset_password"), request),
        },
    )


def guest_claim_confirmed(*, user: User) -> None:
    if user.is_guest:
        user.is_guest = False
        user.save(update_fields=["is_guest"])


def role_grant(*, user: User, role: Role | str, actor: User | None = None, request=None) -> None:
    group, _created = Group.objects.get_or_create(name=str(role))
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
        audit_record(
            actor=actor,
            action="role.granted",
            target=user,
            data={"role": str(role)},
            request=request,
        )
    user.__dict__.pop("_role_cache", None)


def role_revoke(*, user: User, role: Role | str, actor: User | None = None, request=None) -> None:
    group = Group.objects.filter(name=str(role)).first()
    if group and user.groups.filter(pk=group.pk).exists():
        user.groups.remove(group)
        audit_record(
            actor=actor,
            action="role.revoked",
            target=user,
            data={"role": str(role)},
            request=request,
        )
    user.__dict__.pop("_role_cache", None)


def terms_accept(*, user: User, request=None) -> None:
    """Record that the user accepted the terms and the privacy policy, with the date."""
    user.terms_accepted_at = timezone.now()
    user.save(update_fields=["terms_accepted_at"])
    audit_record(actor=user, action="consent.terms_accepted", target=user, request=request)


def profile_update(
    *,
    user: User,
    display_name: str,
    college: str,
    organisation: str = "",
    email_opt_in: bool = False,
    request=None,
) -> User:
    """Change the profile; a change of the e-mail consent is dated and audited."""
    user.display_name = clean_display_name(display_name)
    user.college = clean_college(college)
    user.organisation = clean_line(organisation, max_length=120)
    fields = ["display_name", "college", "organisation"]
    if bool(email_opt_in) != user.email_opt_in:
        user.email_opt_in = bool(email_opt_in)
        user.email_opt_in_changed_at = timezone.now()
        fields += ["email_opt_in", "email_opt_in_changed_at"]
        audit_record(
            actor=user,
            action="consent.email_opt_in" if email_opt_in else "consent.email_opt_out",
            target=user,
            request=request,
        )
    user.save(update_fields=fields)
    return user


def _client_ip(request) -> str | None:
    """The client's address as allauth sees it (honours ALLAUTH_TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    try:
        ip = get_adapter(request).get_client_ip(request)
    except Exception:  # a proxy misconfiguration must not lose the event
        ip = request.META.get("REMOTE_ADDR")
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


def audit_record(
    *,
    actor,
    action: str,
    target=None,
    data: dict | None = None,
    request=None,
    ip: str | None = None,
):
    """Append one event to the audit log (moderation, roles, workshop states, votes, publications…).

    ``action`` is ``<entity>.<verb>`` (``proposal.hidden``, ``workshop.phase_changed``).
    """
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        data=data or {},
        ip_address=ip or _client_ip(request),
    )
