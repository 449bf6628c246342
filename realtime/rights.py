"""Open sockets lose the rights that were taken away.

A room socket reads who is connected, and whether they facilitate the room,
once when it connects. The services its actions call read the rights again
(``workshops.rules.is_workshop_facilitator_now``, ``workshops.services.room_rights``,
the ballot writer's voter lock), so a refused action is refused on every door;
and when rights change, the affected sockets are closed (code 4001, as on
logout) so that the client reconnects with what it may now do — or as an
anonymous visitor, when the account was deactivated:

- an account deactivated, or its staff/superuser flag taken away, or a role
  group (facilitators, moderators, editors) removed: every socket of that user;
- a facilitator removed from a workshop, or a participation deleted: that
  user's sockets of that workshop.

The same ``user.disconnect`` message as a logout or a removal by a facilitator
(``realtime.users.close_user_sockets``), sent after commit, and never blocking the change
when the channel layer is down. Connected in ``RealtimeConfig.ready``.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from realtime.users import close_user_sockets_on_commit

# Imported by RealtimeConfig.ready only (the app registry is ready by then).
from workshops.models import Participant, Workshop

RIGHT_FIELDS = ("is_active", "is_staff", "is_superuser")


def _close_account_sockets(user_id: int, reason: str) -> None:
    close_user_sockets_on_commit(user_id, reason=reason)


def _close_room_sockets(user_id: int, workshop_id: int) -> None:
    close_user_sockets_on_commit(user_id, reason="removed", workshop_id=workshop_id)


def _user_pre_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    instance._rights_lost = False
    if raw or instance.pk is None or getattr(instance, "deleted_at", None) is not None:
        return  # a deleted account: its deletion closes the sockets itself (account_deleted)
    if update_fields is not None and not set(update_fields) & set(RIGHT_FIELDS):
        return  # a login stamping last_login, a profile edit: nothing to read
    before = sender.objects.filter(pk=instance.pk).values(*RIGHT_FIELDS).first()
    if before is None:
        return
    instance._rights_lost = any(before[f] and not getattr(instance, f) for f in RIGHT_FIELDS)


def _user_post_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    if getattr(instance, "_rights_lost", False):
        instance._rights_lost = False
        _close_account_sockets(instance.pk, "rights_changed")


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A role group taken away (``user.groups.remove`` or ``group.user_set.remove``)."""
    if not reverse and getattr(instance, "deleted_at", None) is not None:
        return  # a deleted account's roles cleared: its deletion closes the sockets itself
    if action == "pre_clear":
        instance._rights_cleared = (
            set(instance.user_set.values_list("pk", flat=True)) if reverse else {instance.pk}
        )
        return
    if action == "post_clear":
        user_ids = getattr(instance, "_rights_cleared", set())
    elif action == "post_remove":
        user_ids = set(pk_set or ()) if reverse else {instance.pk}
    else:
        return
    for user_id in user_ids:
        _close_account_sockets(user_id, "rights_changed")


def _facilitators_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A facilitator taken off a workshop (either side of ``Workshop.facilitators``)."""
    if action == "pre_clear":
        through = sender.objects
        rows = (
            through.filter(user_id=instance.pk)
            if reverse
            else through.filter(workshop_id=instance.pk)
        )
        instance._facilitators_cleared = set(rows.values_list("user_id", "workshop_id"))
        return
    if action == "post_clear":
        pairs = getattr(instance, "_facilitators_cleared", set())
    elif action == "post_remove":
        ids = set(pk_set or ())
        pairs = {(instance.pk, w) for w in ids} if reverse else {(u, instance.pk) for u in ids}
    else:
        return
    for user_id, workshop_id in pairs:
        _close_room_sockets(user_id, workshop_id)


def _participant_deleted(sender, instance, **kwargs) -> None:
    """A participation deleted (the administration): that room's sockets of that user."""
    _close_room_sockets(instance.user_id, instance.workshop_id)


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_user_pre_save, sender=user_model, dispatch_uid="realtime.rights.pre")
    post_save.connect(_user_post_save, sender=user_model, dispatch_uid="realtime.rights.post")
    m2m_changed.connect(
        _groups_changed, sender=user_model.groups.through, dispatch_uid="realtime.rights.groups"
    )
    m2m_changed.connect(
        _facilitators_changed,
        sender=Workshop.facilitators.through,
        dispatch_uid="realtime.rights.facilitators",
    )
    post_delete.connect(
        _participant_deleted, sender=Participant, dispatch_uid="realtime.rights.participant_del"
    )
