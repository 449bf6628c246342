from __future__ import annotations

from allauth.account.signals import email_confirmed
from django.dispatch import receiver


@receiver(email_confirmed)
def _guest_becomes_full_account(sender, request, email_address, **kwargs) -> None:
    from accounts.services import guest_claim_confirmed

    guest_claim_confirmed(user=email_address.user)
