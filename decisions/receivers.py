"""Listeners: "what became of my idea" notifications for proposal status changes, the news
to the followers of a proposal, and the automatic follows (what one writes or supports)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from decisions import follows
from decisions.services.notifications import contributors_of, notify_proposal_status
from proposals.signals import proposal_status_changed


@receiver(proposal_status_changed, dispatch_uid="decisions.notify_proposal_status")
def on_proposal_status_changed(
    sender, proposal, old_status, new_status, actor=None, reason="", **kwargs
):
    told = notify_proposal_status(
        proposal=proposal, old_status=old_status, new_status=new_status, actor=actor, reason=reason
    )
    # Its contributors were just told in their own words: the other followers now.
    follows.notify_proposal_status(
        proposal=proposal,
        new_status=new_status,
        actor=actor,
        exclude=set(contributors_of([proposal.pk])) if told else (),
    )


@receiver(post_save, sender="proposals.Proposal", dispatch_uid="decisions.follow_own_proposal")
def on_proposal_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.author_id:
        follows.auto_follow(user_id=instance.author_id, target=instance)


@receiver(post_save, sender="proposals.Support", dispatch_uid="decisions.follow_supported")
def on_support_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.user_id:
        follows.auto_follow(user_id=instance.user_id, target=instance.proposal)
