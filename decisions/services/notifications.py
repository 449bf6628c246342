"""Notifications to the contributors of the proposals a recommendation or an action rests on,
and to the authors of a proposal whose status changed."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from decisions.models import (
    ActionItem,
    ActionStatus,
    Notification,
    NotificationKind,
    Recommendation,
)
from proposals.models import Proposal, ProposalStatus


def contributors_of(proposal_ids: list[int]) -> dict[int, set[int]]:
    """{user id: {proposal ids}}: the authors of these proposals and of those merged into them.

    Two queries whatever the number of proposals (merges are at most one level deep here:
    the proposals app merges into a target that is not itself merged).
    """
    result: dict[int, set[int]] = {}
    rows = Proposal.objects.filter(pk__in=proposal_ids).values_list("pk", "author_id")
    for pk, author_id in rows:
        result.setdefault(author_id, set()).add(pk)
    for target_id, author_id in Proposal.objects.filter(
        merged_into_id__in=proposal_ids
    ).values_list("merged_into_id", "author_id"):
        result.setdefault(author_id, set()).add(target_id)
    return result


def notify_sources(
    *,
    recommendation: Recommendation,
    proposal_ids: list[int],
    kind: str,
    action: ActionItem | None = None,
) -> int:
    """One notification per contributor of these proposals (one per person, not per proposal)."""
    if not proposal_ids:
        return 0

    titles = dict(Proposal.objects.filter(pk__in=proposal_ids).values_list("pk", "title"))
    notifications = []
    for user_id, pids in contributors_of(proposal_ids).items():
        title = titles[min(pids)]
        if kind == NotificationKind.ACTION_STATUS and action is not None:
            message = _(
                "L'action « %(action)s », issue de votre proposition « %(proposal)s », "
                "est désormais : %(status)s."
            ) % {
                "action": action.title,
                "proposal": title,
                "status": ActionStatus(action.status).label,
            }
            url = action.get_absolute_url()
        else:
            message = _(
                "Votre proposition « %(proposal)s » fait partie de la recommandation "
                "« %(recommendation)s »."
            ) % {"proposal": title, "recommendation": recommendation.title}
            url = recommendation.get_absolute_url()
        notifications.append(
            Notification(
                recipient_id=user_id,
                kind=kind,
                message=message[:400],
                url=url,
                proposal_id=min(pids),
            )
        )
    Notification.objects.bulk_create(notifications)
    return len(notifications)


def notify_proposal_status(
    *, proposal, old_status: str, new_status: str, actor=None, reason: str = ""
) -> int:
    """Tell a proposal's contributors that it was shortlisted, retained, merged or not retained."""
    if new_status not in (
        ProposalStatus.SHORTLISTED,
        ProposalStatus.RETAINED,
        ProposalStatus.MERGED,
        ProposalStatus.NOT_RETAINED,
    ):
        return 0
    label = ProposalStatus(new_status).label
    if new_status == ProposalStatus.MERGED and proposal.merged_into_id:
        message = _("Votre proposition « %(proposal)s » a été fusionnée dans « %(target)s ».") % {
            "proposal": proposal.title,
            "target": proposal.merged_into.title,
        }
    else:
        message = _("Votre proposition « %(proposal)s » est désormais : %(status)s.") % {
            "proposal": proposal.title,
            "status": str(label).lower(),
        }
    if reason:
        message = f"{message} {reason}"
    notifications = [
        Notification(
            recipient_id=user_id,
            kind=NotificationKind.PROPOSAL_STATUS,
            message=message[:400],
            url=proposal.get_absolute_url(),
            proposal=proposal,
        )
        for user_id in contributors_of([proposal.pk])
        if not (actor is not None and user_id == actor.pk)
    ]
    Notification.objects.bulk_create(notifications)
    return len(notifications)


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
