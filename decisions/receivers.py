"""Listeners: "what became of my idea" notifications for proposal status changes."""

from __future__ import annotations

from django.dispatch import receiver

from proposals.signals import proposal_status_changed


@receiver(proposal_status_changed, dispatch_uid="decisions.notify_proposal_status")
def on_proposal_status_changed(
    sender, proposal, old_status, new_status, actor=None, reason="", **kwargs
):
    from decisions.services import notify_proposal_status

    notify_proposal_status(
        proposal=proposal, old_status=old_status, new_status=new_status, actor=actor, reason=reason
    )
