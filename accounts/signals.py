from __future__ import annotations

from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from accounts.services import guest_claim_confirmed
from accounts.sockets import user_sockets_close


@receiver(email_confirmed)
def _guest_becomes_full_account(sender, request, email_address, **kwargs) -> None:
    guest_claim_confirmed(user=email_address.user)


@receiver(user_logged_out)
def _close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    if user is not None and user.pk:
        user_sockets_close(user_id=user.pk, reason="logout")
