"""Grouping the ideas of the wall: named groups made by the facilitators (the clustering step).

Writes, keyword-only, permission checked here (a facilitator of the workshop). Each
change locks the workshop row (group operations of a room happen one at a time, so
positions stay 0..n-1), is audited, and broadcasts the whole list of groups after
commit as ``idea_groups.changed`` (``events.idea_groups``: a room has a few groups).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.services import audit_record
from project.errors import DomainError, NotFoundError, PermissionDeniedError
from project.text import clean_line
from proposals.models import Proposal
from realtime.broadcast import broadcast_on_commit
from votes.services import session_create
from workshops import events, rules
from workshops.models import IdeaGroup, IdeaGroupMember, Workshop, WorkshopState
from workshops.selectors import suggestion_key

EVENT = "idea_groups.changed"
NAME_MAX = 120
MAX_GROUPS = 40


def _require_facilitator(actor, workshop: Workshop) -> None:
    if not rules.is_workshop_facilitator(actor, workshop):
        raise PermissionDeniedError(
            "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
        )
    if workshop.state == WorkshopState.PUBLISHED:
        raise DomainError(
            "workshop_published", _("Cet atelier est publié : ses groupes ne changent plus.")
        )


def _lock(workshop: Workshop) -> Workshop:
    return Workshop.objects.select_for_update().get(pk=workshop.pk)


def _clean_name(name) -> str:
    name = clean_line(name if isinstance(name, str) else "", max_length=NAME_MAX)
    if not name:
        raise DomainError("invalid_name", _("Donnez un nom au groupe."), field="name")
    return name


def _group(workshop: Workshop, group_id) -> IdeaGroup:
    group = IdeaGroup.objects.filter(workshop=workshop, pk=group_id).first()
    if group is None:
        raise NotFoundError("not_found", _("Ce groupe n'est pas dans cet atelier."))
    return group


def _idea(workshop: Workshop, idea_id):
    proposal = Proposal.objects.filter(
        pk=idea_id, origin_workshop=workshop, merged_into__isnull=True, is_hidden=False
    ).first()
    if proposal is None:
        raise NotFoundError("not_found", _("Cette idée n'est pas au mur de cet atelier."))
    return proposal


def _renumber(workshop: Workshop, ordered: list[IdeaGroup]) -> None:
    changed = []
    for position, group in enumerate(ordered):
        if group.position != position:
            group.position = position
            changed.append(group)
    if changed:
        IdeaGroup.objects.bulk_update(changed, ["position"])


def _changed(workshop: Workshop) -> None:
    # Built inside the transaction (it sees the change), published after commit.
    broadcast_on_commit(workshop, EVENT, events.idea_groups(workshop))


def idea_group_create(
    *, workshop: Workshop, actor, name: str, idea_ids=(), request=None
) -> IdeaGroup:
    """A new group, last in order; ``idea_ids`` (optional) move into it at once."""
    _require_facilitator(actor, workshop)
    name = _clean_name(name)
    idea_ids = list(idea_ids)
    with transaction.atomic():
        locked = _lock(workshop)
        count = IdeaGroup.objects.filter(workshop=locked).count()
        if count >= MAX_GROUPS:
            raise DomainError(
                "too_many_groups",
                _("Un atelier compte au plus %(n)d groupes d'idées.") % {"n": MAX_GROUPS},
            )
        last = IdeaGroup.objects.filter(workshop=locked).aggregate(m=Max("position"))["m"]
        group = IdeaGroup.objects.create(
            workshop=locked, name=name, position=0 if last is None else last + 1
        )
        for idea_id in idea_ids:
            _place(locked, _idea(locked, idea_id), group)
        audit_record(
            actor=actor,
            action="idea_group.created",
            target=group,
            data={"workshop": locked.pk, "name": name, "ideas": [int(i) for i in idea_ids]},
            request=request,
        )
        _changed(locked)
    return group


def idea_group_rename(*, workshop: Workshop, actor, group_id, name: str, request=None) -> IdeaGroup:
    _require_facilitator(actor, workshop)
    name = _clean_name(name)
    with transaction.atomic():
        locked = _lock(workshop)
        group = _group(locked, group_id)
        if group.name == name:
            return group
        old, group.name = group.name, name
        group.save(update_fields=["name"])
        audit_record(
            actor=actor,
            action="idea_group.renamed",
            target=group,
            data={"workshop": locked.pk, "old": old, "new": name},
            request=request,
        )
        _changed(locked)
    return group


def _place(workshop: Workshop, proposal, group: IdeaGroup | None) -> bool:
    """Put ``proposal`` in ``group`` (or out of any group); False when nothing changes."""
    member = IdeaGroupMember.objects.filter(workshop=workshop, proposal=proposal).first()
    if group is None:
        if member is None:
            return False
        member.delete()
        return True
    if member is not None:
        if member.group_id == group.pk:
            return False
        member.delete()  # added_at anew: the idea goes last in its new group
    IdeaGroupMember.objects.create(workshop=workshop, group=group, proposal=proposal)
    return True


def idea_group_move_idea(
    *, workshop: Workshop, actor, idea_id, group_id=None, request=None
) -> IdeaGroup | None:
    """Move an idea of the wall into a group (``group_id``), or out of its group (None)."""
    _require_facilitator(actor, workshop)
    with transaction.atomic():
        locked = _lock(workshop)
        proposal = _idea(locked, idea_id)
        group = _group(locked, group_id) if group_id is not None else None
        if _place(locked, proposal, group):
            audit_record(
                actor=actor,
                action="idea_group.idea_moved",
                target=proposal,
                data={"workshop": locked.pk, "group": group.pk if group else None},
                request=request,
            )
            _changed(locked)
    return group


def idea_group_merge(*, workshop: Workshop, actor, source_id, target_id, request=None) -> IdeaGroup:
    """The ideas of group ``source_id`` join group ``target_id``; the source group goes."""
    _require_facilitator(actor, workshop)
    if source_id == target_id:
        raise DomainError(
            "same_group", _("Choisissez un autre groupe que celui-ci."), field="target"
        )
    with transaction.atomic():
        locked = _lock(workshop)
        source = _group(locked, source_id)
        target = _group(locked, target_id)
        moved = list(source.members.values_list("proposal_id", flat=True))
        source.members.update(group=target)
        source.delete()
        _renumber(
            locked, list(IdeaGroup.objects.filter(workshop=locked).order_by("position", "pk"))
        )
        audit_record(
            actor=actor,
            action="idea_group.merged",
            target=target,
            data={"workshop": locked.pk, "source": source_id, "name": source.name, "ideas": moved},
            request=request,
        )
        _changed(locked)
    return target


def idea_group_dissolve(*, workshop: Workshop, actor, group_id, request=None) -> None:
    """The group goes; its ideas go back to the ungrouped ideas of the wall."""
    _require_facilitator(actor, workshop)
    with transaction.atomic():
        locked = _lock(workshop)
        group = _group(locked, group_id)
        ideas = list(group.members.values_list("proposal_id", flat=True))
        audit_record(
            actor=actor,
            action="idea_group.dissolved",
            target=group,
            data={"workshop": locked.pk, "name": group.name, "ideas": ideas},
            request=request,
        )
        group.delete()
        _renumber(
            locked, list(IdeaGroup.objects.filter(workshop=locked).order_by("position", "pk"))
        )
        _changed(locked)


def idea_group_reorder(*, workshop: Workshop, actor, group_id, position, request=None) -> IdeaGroup:
    """Move a group to ``position`` (0 is first; beyond the end means last)."""
    _require_facilitator(actor, workshop)
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise DomainError("invalid_position", _("Position invalide."), field="position") from None
    with transaction.atomic():
        locked = _lock(workshop)
        group = _group(locked, group_id)
        ordered = [
            g
            for g in IdeaGroup.objects.filter(workshop=locked).order_by("position", "pk")
            if g.pk != group.pk
        ]
        position = max(0, min(position, len(ordered)))
        ordered.insert(position, group)
        before = group.position
        _renumber(locked, ordered)
        if group.position != before:
            audit_record(
                actor=actor,
                action="idea_group.reordered",
                target=group,
                data={"workshop": locked.pk, "position": group.position},
                request=request,
            )
            _changed(locked)
    return group


def idea_groups_after_idea_left(*, workshop: Workshop, idea_id, replaced_by=None) -> None:
    """An idea of the wall was hidden or merged (``replaced_by``): the groups change with it.

    Called by ``services.idea_hide`` and ``services.idea_merge`` inside their transaction. A
    merged idea's group passes to the idea it was merged into, when that one has no group.
    """
    member = IdeaGroupMember.objects.filter(workshop=workshop, proposal_id=idea_id).first()
    if member is None:
        return
    if (
        replaced_by is not None
        and not IdeaGroupMember.objects.filter(workshop=workshop, proposal=replaced_by).exists()
    ):
        IdeaGroupMember.objects.create(
            workshop=workshop, group_id=member.group_id, proposal=replaced_by
        )
    _changed(workshop)


def idea_groups_vote_create(
    *, workshop: Workshop, actor, title: str, method: str, group_ids=None, request=None
):
    """A draft vote of the workshop whose options are its groups (each lists its ideas)."""
    _require_facilitator(actor, workshop)
    groups = list(IdeaGroup.objects.filter(workshop=workshop).order_by("position", "pk"))
    if group_ids is not None:
        wanted = {int(g) for g in group_ids}
        groups = [g for g in groups if g.pk in wanted]
    return session_create(
        actor=actor,
        title=title,
        method=method,
        workshop=workshop,
        groups=groups,
        request=request,
    )


# --- suggested groups (proposals.similarity): shown, never applied by themselves --------------

SUGGESTIONS_IGNORED_MAX = 200


def _ignored_key(workshop: Workshop) -> str:
    return f"grouping_ignored:{workshop.pk}"


def suggestions_ignored(*, workshop: Workshop, store) -> list[str]:
    """The suggested groups this facilitator ignored (kept in their session, ``store``)."""
    return list(store.get(_ignored_key(workshop), []))


def suggestion_ignore(*, workshop: Workshop, actor, key, store) -> list[str]:
    """« Ignorer » on a suggested group: it is no longer shown to this facilitator (the key
    names its ideas, ``workshops.selectors.suggestion_key``); nothing else changes."""
    _require_facilitator(actor, workshop)
    try:
        key = suggestion_key(str(key).split("-"))
    except (TypeError, ValueError):
        raise DomainError("invalid", _("Suggestion inconnue."), field="key") from None
    ignored = suggestions_ignored(workshop=workshop, store=store)
    if key not in ignored:
        ignored = [*ignored, key][-SUGGESTIONS_IGNORED_MAX:]
        store[_ignored_key(workshop)] = ignored
    return ignored


def idea_ids_from(value) -> list[int]:
    """The ideas of a « group.create » form: a list, or ids separated by commas."""
    if value is None or value == "":
        return []
    if isinstance(value, (str, int)):
        value = str(value).split(",")
    if not isinstance(value, (list, tuple)):
        raise DomainError("invalid", _("Donnée invalide : %(key)s.") % {"key": "ideas"})
    ids = []
    for item in list(value)[:200]:
        try:
            ids.append(int(str(item).strip()))
        except ValueError:
            raise DomainError(
                "invalid", _("Donnée invalide : %(key)s.") % {"key": "ideas"}
            ) from None
    return list(dict.fromkeys(ids))


def group_ideas(groups: list[IdeaGroup]) -> dict[int, list]:
    """The visible ideas of each group, in the group's order (1 query)."""
    result: dict[int, list] = {g.pk: [] for g in groups}
    if not groups:
        return result
    for member in (
        IdeaGroupMember.objects.filter(
            group__in=[g.pk for g in groups],
            proposal__is_hidden=False,
            proposal__merged_into__isnull=True,
        )
        .select_related("proposal")
        .only("group_id", "proposal__id", "proposal__title", "proposal__author_college")
        .order_by("added_at", "pk")
    ):
        result[member.group_id].append(member.proposal)
    return result
