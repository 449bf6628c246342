"""The accounts' signals: what other apps hear of an account, and the receivers accounts needs.

``account_closed`` is sent after commit when an account is deleted or anonymised: whatever
holds it open elsewhere lets go (``realtime.users`` closes its sockets, as it does on
Django's ``user_logged_out``). Accounts knows nothing of sockets.
"""

from __future__ import annotations

from allauth.account.signals import email_confirmed
from django.db import transaction
from django.dispatch import Signal, receiver

from accounts.services import guest_claim_confirmed

# Arguments: user_id.
account_closed = Signal()


@receiver(email_confirmed)
def _guest_becomes_full_account(sender, request, email_address, **kwargs) -> None:
    guest_claim_confirmed(user=email_address.user)


def account_closed_on_commit(user_id: int) -> None:
    """Send ``account_closed`` once the current transaction commits (the deletion is final)."""
    transaction.on_commit(lambda: account_closed.send(sender=None, user_id=user_id))
