"""Listeners: "what became of my idea" notifications for proposal status changes, the news
to the followers of a proposal, and the automatic follows (what one writes or supports)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
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


# --- The trace page's counts (``decisions.trace_sql.aggregates``) are kept under the board's
# cache generation, which proposals, supports, comments and workshops already move; what only
# the trace counts moves it too: its source links, the date of a workshop (it orders them), a
# group of ideas dissolved (its links lose it without a save of theirs).


def _trace_changed(sender, raw=False, **kwargs) -> None:
    if not raw:
        from proposals import board_cache

        board_cache.changed()


post_save.connect(
    _trace_changed, sender="decisions.RecommendationSource", dispatch_uid="decisions.trace_links"
)
post_delete.connect(
    _trace_changed,
    sender="decisions.RecommendationSource",
    dispatch_uid="decisions.trace_links_delete",
)
post_delete.connect(
    _trace_changed, sender="workshops.IdeaGroup", dispatch_uid="decisions.trace_idea_groups"
)


@receiver(post_save, sender="workshops.Workshop", dispatch_uid="decisions.trace_workshop_dates")
def on_workshop_saved(sender, instance, update_fields=None, raw=False, **kwargs):
    # Any save without update_fields already moves the board's generation.
    if not raw and update_fields is not None and "starts_at" in update_fields:
        _trace_changed(sender)
