"""Following a proposal, a workshop, an axis or an action, and telling its followers.

- ``follow_set`` follows or unfollows (the person must be able to see the target);
- ``followers_notify`` tells the followers of a target what changed, after commit,
  never the person who made the change, at most once per person for the same news;
- ``notify_*`` build the news of each kind of change, called by the services that make
  the change (one call each), and by the receivers (proposal status, auto-follows).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from decisions.models import (
    FOLLOW_KINDS,
    ActionItem,
    ActionStatus,
    Follow,
    Notification,
    NotificationKind,
)
from project.errors import DomainError, PermissionDeniedError
from proposals.models import Axis, Proposal, ProposalStatus
from workshops.models import Participant, Visibility, Workshop, WorkshopState


def follow_kind(target) -> str:
    label = target._meta.label_lower
    kind = {
        "proposals.proposal": "proposal",
        "workshops.workshop": "workshop",
        "proposals.axis": "axis",
        "decisions.actionitem": "action",
    }.get(label)
    if kind is None:
        raise DomainError("not_followable", _("Cet élément ne peut pas être suivi."))
    return kind


def target_get(kind: str, pk: int, *, user):
    """The object of this kind that this person may see (404-like DomainError otherwise)."""
    if kind not in FOLLOW_KINDS:
        raise DomainError("not_followable", _("Cet élément ne peut pas être suivi."), status=404)
    if kind == "proposal":
        qs = Proposal.objects.visible_to(user)
    elif kind == "workshop":
        qs = Workshop.objects.all()
    elif kind == "axis":
        qs = Axis.objects.all()
    else:
        qs = ActionItem.objects.visible_to(user)
    target = qs.filter(pk=pk).first()
    if target is None or (kind == "workshop" and not _can_see_workshop(user, target)):
        raise DomainError("not_found", _("Élément introuvable."), status=404)
    return target


def _can_see_workshop(user, workshop) -> bool:
    if workshop.visibility == Visibility.PUBLIC and workshop.state != WorkshopState.DRAFT:
        return True
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or workshop.facilitators.filter(pk=user.pk).exists()
        or Participant.objects.filter(
            workshop=workshop, user=user, removed_at__isnull=True
        ).exists()
    )


def is_following(user, target) -> Follow | None:
    if not user.is_authenticated:
        return None
    return Follow.objects.filter(user=user, **{follow_kind(target): target}).first()


def follow_set(*, user, target, on: bool, automatic: bool = False) -> bool:
    """Follow (``on``) or stop following ``target``; returns whether the person now follows it."""
    if not user.is_authenticated or getattr(user, "deleted_at", None):
        raise PermissionDeniedError("forbidden", _("Connectez-vous pour suivre."))
    kind = follow_kind(target)
    if not on:
        Follow.objects.filter(user=user, **{kind: target}).delete()
        return False
    try:
        with transaction.atomic():
            Follow.objects.get_or_create(
                user=user, **{kind: target}, defaults={"automatic": automatic}
            )
    except IntegrityError:
        pass  # followed at the same moment from another tab: it is followed
    return True


def auto_follow(*, user_id: int, target) -> None:
    """What a person writes or supports, they follow (unless they already chose otherwise
    for it: an explicit unfollow is not undone by a later support)."""
    # One INSERT … ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite): an existing follow,
    # followed or not, stays as it is (get_or_create in a savepoint cost six statements).
    kind = follow_kind(target)
    Follow.objects.bulk_create(
        [Follow(user_id=user_id, **{kind: target}, automatic=True)], ignore_conflicts=True
    )


def followers_notify(
    *, target, message: str, url: str, actor=None, exclude: Iterable[int] = ()
) -> int:
    """Tell the followers of ``target`` (now); returns the number of notifications created.

    Never the actor, never the ``exclude``d (already told otherwise), never twice the same
    unread news to the same person, never a deleted account.
    """
    kind = follow_kind(target)
    excluded = set(exclude)
    if actor is not None and getattr(actor, "pk", None):
        excluded.add(actor.pk)
    followers = (
        set(
            Follow.objects.filter(**{kind: target}, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
        - excluded
    )
    if not followers:
        return 0
    message = message[:400]
    already = set(
        Notification.objects.filter(
            recipient_id__in=followers, read_at__isnull=True, url=url, message=message
        ).values_list("recipient_id", flat=True)
    )
    rows = [
        Notification(
            recipient_id=user_id,
            kind=NotificationKind.FOLLOW,
            message=message,
            url=url,
            proposal=target if kind == "proposal" else None,
        )
        for user_id in sorted(followers - already)
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def followers_notify_on_commit(**kwargs) -> None:
    """``followers_notify`` once the change is committed (nothing if it is rolled back);
    nothing to wait for when nobody follows the target."""
    target = kwargs["target"]
    if Follow.objects.filter(**{follow_kind(target): target}).exists():
        transaction.on_commit(lambda: followers_notify(**kwargs))


# --- The news of each kind of change ----------------------------------------------------------


def notify_proposal_status(*, proposal, new_status: str, actor=None, exclude=()) -> int:
    if new_status == ProposalStatus.MERGED and proposal.merged_into_id:
        message = _(
            "La proposition « %(proposal)s » que vous suivez a été fusionnée dans « %(target)s »."
        ) % {
            "proposal": proposal.title,
            "target": proposal.merged_into.title,
        }
    else:
        message = _(
            "La proposition « %(proposal)s » que vous suivez est désormais : %(status)s."
        ) % {
            "proposal": proposal.title,
            "status": str(ProposalStatus(new_status).label).lower(),
        }
    return followers_notify(
        target=proposal,
        message=message,
        url=proposal.get_absolute_url(),
        actor=actor,
        exclude=exclude,
    )


def notify_workshop_state(*, workshop, actor=None) -> None:
    """Scheduled, live, closed or published: the workshop's followers are told (after commit)."""
    messages = {
        WorkshopState.SCHEDULED: _("L'atelier « %(title)s » que vous suivez est programmé."),
        WorkshopState.LIVE: _(
            "L'atelier « %(title)s » que vous suivez commence : rejoignez-le en direct."
        ),
        WorkshopState.CLOSED: _("L'atelier « %(title)s » que vous suivez est terminé."),
        WorkshopState.PUBLISHED: _(
            "Les résultats de l'atelier « %(title)s » que vous suivez sont publiés."
        ),
    }
    template = messages.get(workshop.state)
    if template is None:
        return
    followers_notify_on_commit(
        target=workshop,
        message=template % {"title": workshop.title},
        url=workshop.get_absolute_url(),
        actor=actor,
    )


def notify_summary_published(*, version, actor=None) -> None:
    """A summary's first version: the followers of its workshop or of its axis are told."""
    summary = version.summary
    target = summary.workshop or summary.axis
    if target is None:
        return
    if summary.workshop_id:
        message = _("La synthèse de l'atelier « %(title)s » que vous suivez est publiée.")
    else:
        message = _("Une synthèse de l'axe « %(title)s » que vous suivez est publiée.")
    followers_notify_on_commit(
        target=target,
        message=message % {"title": target.title},
        url=version.get_absolute_url(),
        actor=actor,
    )


def notify_recommendation_published(*, recommendation, actor=None) -> None:
    followers_notify_on_commit(
        target=recommendation.axis,
        message=_("Nouvelle recommandation sur l'axe « %(axis)s » que vous suivez : « %(title)s ».")
        % {"axis": recommendation.axis.title, "title": recommendation.title},
        url=recommendation.get_absolute_url(),
        actor=actor,
    )


def notify_action_update(*, update, actor=None, exclude=()) -> None:
    action = update.action
    message = _(
        "L'action « %(action)s » que vous suivez avance : %(progress)s %% réalisé, %(status)s."
    ) % {
        "action": action.title,
        "progress": update.progress,
        "status": str(ActionStatus(update.new_status).label).lower(),
    }
    followers_notify_on_commit(
        target=action,
        message=message,
        url=action.get_absolute_url(),
        actor=actor,
        exclude=tuple(exclude),
    )
