"""Every way a proposal, a support, a comment or a report changes (keyword-only, ``<entity>_<action>``).

Views, the API, the live-workshop sockets, the demo and ``generate_load`` all
write through here. Denormalised counters (``support_count``,
``comment_count``) are only changed inside a transaction that holds the
proposal's row lock, with ``F()`` updates, so they stay exact under
concurrency.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import audit_record
from project.errors import DomainError, PermissionDeniedError
from project.sanitizer import markdown_to_html
from project.text import clean_line, strip_invisible
from proposals import rules
from proposals.models import (
    STATUS_TRANSITIONS,
    STATUSES_NEEDING_REASON,
    Axis,
    Comment,
    ModerationAction,
    ModerationVerb,
    Proposal,
    ProposalStatus,
    Report,
    ReportStatus,
    StatusChange,
    Support,
)
from proposals.search import refresh_search_vector, search_text_for, search_vector_of
from proposals.signals import proposal_status_changed

TITLE_MIN = 5
TITLE_MAX = 200
BODY_MAX = 10_000
COMMENT_MAX = 5_000
REASON_MAX = 1_000
CLIENT_KEY_MAX = 64


# --- validation helpers -------------------------------------------------------------


def _clean_title(title: str) -> str:
    value = clean_line(title or "")
    if len(value) < TITLE_MIN:
        raise DomainError(
            "invalid_title",
            _("Donnez un titre d'au moins %(min)d caractères.") % {"min": TITLE_MIN},
            field="title",
        )
    if len(value) > TITLE_MAX:
        raise DomainError(
            "invalid_title",
            _("Le titre ne peut dépasser %(max)d caractères.") % {"max": TITLE_MAX},
            field="title",
        )
    return value


def _clean_body(body: str, *, field: str = "body", max_length: int = BODY_MAX) -> str:
    value = strip_invisible(body or "").strip()
    if len(value) > max_length:
        raise DomainError(
            "invalid_body",
            _("Le texte ne peut dépasser %(max)d caractères.") % {"max": max_length},
            field=field,
        )
    return value


def _clean_reason(reason: str, *, required: bool) -> str:
    value = strip_invisible(reason or "").strip()
    if required and not value:
        raise DomainError("reason_required", _("Indiquez un motif."), field="reason")
    if len(value) > REASON_MAX:
        raise DomainError(
            "invalid_reason",
            _("Le motif ne peut dépasser %(max)d caractères.") % {"max": REASON_MAX},
            field="reason",
        )
    return value


def _clean_client_key(client_key: str) -> str:
    value = (client_key or "").strip()
    if len(value) > CLIENT_KEY_MAX:
        raise DomainError(
            "invalid_client_key",
            _("La clé client ne peut dépasser %(max)d caractères.") % {"max": CLIENT_KEY_MAX},
            field="client_key",
        )
    return value


def _require_signed_in(user) -> None:
    if not rules.is_signed_in(user):
        raise PermissionDeniedError("not_authenticated", _("Connectez-vous pour participer."))


def _check_axis(axis) -> Axis:
    if not isinstance(axis, Axis) or axis.pk is None:
        raise DomainError("invalid_axis", _("Choisissez un axe dans la liste."), field="axis")
    return axis


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


def _refresh_from(target: Proposal, source: Proposal, fields: list[str]) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


def _send_status_changed(proposal: Proposal, old: str, new: str, actor, reason: str) -> None:
    transaction.on_commit(
        lambda: proposal_status_changed.send(
            sender=Proposal,
            proposal=proposal,
            old_status=old,
            new_status=new,
            actor=actor,
            reason=reason,
        )
    )


# --- proposals -----------------------------------------------------------------------


def proposal_create(
    *,
    author,
    axis: Axis,
    title: str,
    body: str,
    origin_workshop=None,
    client_key: str = "",
    client_key_checked: bool = False,
) -> Proposal:
    """Post a proposal. A retry with the same ``client_key`` returns the first proposal.

    ``origin_workshop`` is for ``workshops.services.idea_post`` only, which checks that the
    author may post on that workshop's wall (every door — form, API, socket — goes through
    it): this function checks nothing about the workshop. ``client_key_checked``: the
    caller has just looked for a proposal of this author with this key (idea_post), and
    found none; two retries racing still end with one proposal (the unique constraint)."""
    _require_signed_in(author)
    client_key = _clean_client_key(client_key)
    if client_key and not client_key_checked:
        existing = Proposal.objects.filter(author=author, client_key=client_key).first()
        if existing is not None:
            return existing
    axis = _check_axis(axis)
    title = _clean_title(title)
    body = _clean_body(body)
    body_html = markdown_to_html(body)
    try:
        with transaction.atomic():
            search_text = search_text_for(title, body_html)
            proposal = Proposal.objects.create(
                axis=axis,
                title=title,
                body=body,
                body_html=body_html,
                author=author,
                author_college=author.college,
                origin_workshop=origin_workshop,
                client_key=client_key,
                search_text=search_text,
                # Computed in the INSERT (PostgreSQL), not by a second UPDATE.
                search_vector=search_vector_of(search_text),
            )
            # The instance would hold the expression, not its value: None, as it held when
            # an UPDATE after the INSERT set the vector (only the database has it).
            proposal.search_vector = None
            StatusChange.objects.create(
                proposal=proposal, actor=author, old_status="", new_status=proposal.status
            )
    except IntegrityError:
        # Two retries raced: the other one won, return its proposal.
        if client_key:
            return Proposal.objects.get(author=author, client_key=client_key)
        raise
    return proposal


def proposal_update(
    *,
    proposal: Proposal,
    actor,
    title: str | None = None,
    body: str | None = None,
    axis: Axis | None = None,
    request=None,
) -> Proposal:
    """Edit the text (authors until review starts, moderators later)."""
    if not rules.can_edit_proposal(actor, proposal):
        raise PermissionDeniedError(
            "forbidden", _("Vous ne pouvez pas modifier cette proposition.")
        )
    fields: list[str] = []
    if title is not None:
        proposal.title = _clean_title(title)
        fields.append("title")
    if body is not None:
        proposal.body = _clean_body(body)
        proposal.body_html = markdown_to_html(proposal.body)
        fields += ["body", "body_html"]
    if axis is not None:
        proposal.axis = _check_axis(axis)
        fields.append("axis")
    if not fields:
        return proposal
    proposal.search_text = search_text_for(proposal.title, proposal.body_html)
    with transaction.atomic():
        proposal.save(update_fields=[*fields, "search_text", "updated_at"])
        refresh_search_vector(Proposal.objects.filter(pk=proposal.pk))
        if actor.pk != proposal.author_id:
            audit_record(
                actor=actor,
                action="proposal.edited",
                target=proposal,
                data={"fields": fields},
                request=request,
            )
    return proposal


def proposal_status_change(
    *, proposal: Proposal, actor, new_status: str, reason: str = "", request=None
) -> Proposal:
    """Move a proposal along its lifecycle; recorded, audited, signalled after commit."""
    if not rules.can_change_status(actor, proposal):
        raise PermissionDeniedError(
            "forbidden", _("Vous ne pouvez pas changer le statut de cette proposition.")
        )
    if new_status not in ProposalStatus.values:
        raise DomainError("invalid_status", _("Statut inconnu."), field="new_status")
    if new_status == ProposalStatus.MERGED:
        raise DomainError(
            "use_merge",
            _("Pour fusionner, choisissez la proposition qui reprend celle-ci."),
            field="new_status",
        )
    reason = _clean_reason(reason, required=new_status in STATUSES_NEEDING_REASON)
    with transaction.atomic():
        locked = _locked(proposal)
        old_status = locked.status
        if new_status not in STATUS_TRANSITIONS.get(old_status, ()):
            raise DomainError(
                "invalid_transition",
                _("Une proposition « %(old)s » ne peut pas passer à « %(new)s ».")
                % {
                    "old": ProposalStatus(old_status).label,
                    "new": ProposalStatus(new_status).label,
                },
                field="new_status",
            )
        locked.status = new_status
        locked.status_reason = reason
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        StatusChange.objects.create(
            proposal=locked,
            actor=actor,
            old_status=old_status,
            new_status=new_status,
            reason=reason,
        )
        audit_record(
            actor=actor,
            action="proposal.status_changed",
            target=locked,
            data={"from": old_status, "to": new_status, "reason": reason},
            request=request,
        )
        _send_status_changed(locked, old_status, new_status, actor, reason)
    _refresh_from(proposal, locked, ["status", "status_reason", "updated_at"])
    return proposal


def proposal_merge(
    *, source: Proposal, target: Proposal, actor, reason: str = "", request=None
) -> Proposal:
    """Merge duplicate ``source`` into ``target``: supports move over once, ``source`` points to ``target``."""
    if not rules.can_merge(actor):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les modérateur·rices et animateur·rices fusionnent.")
        )
    if source.pk == target.pk:
        raise DomainError(
            "merge_same",
            _("Une proposition ne peut être fusionnée avec elle-même."),
            field="target",
        )
    reason = _clean_reason(reason, required=False)
    with transaction.atomic():
        # Lock both rows in a fixed order so that two crossed merges cannot deadlock.
        locked = {
            p.pk: p
            for p in Proposal.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        src, dst = locked[source.pk], locked[target.pk]
        if src.is_merged:
            raise DomainError("already_merged", _("Cette proposition est déjà fusionnée."))
        if dst.is_merged:
            raise DomainError(
                "target_merged",
                _(
                    "La proposition cible est elle-même fusionnée : choisissez celle qui la reprend."
                ),
                field="target",
            )
        already = Support.objects.filter(proposal=dst).values("user_id")
        moved = (
            Support.objects.filter(proposal=src).exclude(user_id__in=already).update(proposal=dst)
        )
        # Whoever supported both keeps one support, on the target.
        Support.objects.filter(proposal=src).delete()
        dst.support_count = Support.objects.filter(proposal=dst).count()
        dst.save(update_fields=["support_count", "updated_at"])
        old_status = src.status
        src.status = ProposalStatus.MERGED
        src.merged_into = dst
        src.status_reason = reason
        src.support_count = 0
        src.save(
            update_fields=["status", "merged_into", "status_reason", "support_count", "updated_at"]
        )
        # Earlier merges into the source now lead straight to the target.
        Proposal.objects.filter(merged_into=src).update(merged_into=dst)
        StatusChange.objects.create(
            proposal=src,
            actor=actor,
            old_status=old_status,
            new_status=ProposalStatus.MERGED,
            reason=reason,
        )
        audit_record(
            actor=actor,
            action="proposal.merged",
            target=src,
            data={"into": dst.pk, "supports_moved": moved, "reason": reason},
            request=request,
        )
        _send_status_changed(src, old_status, ProposalStatus.MERGED, actor, reason)
    _refresh_from(source, src, ["status", "merged_into", "status_reason", "support_count"])
    _refresh_from(target, dst, ["support_count"])
    return target


def _moderate_proposal(*, proposal: Proposal, actor, reason: str, hide: bool, request) -> Proposal:
    if not rules.can_moderate(actor):
        raise PermissionDeniedError("forbidden", _("Action réservée à la modération."))
    reason = _clean_reason(reason, required=True)
    with transaction.atomic():
        locked = _locked(proposal)
        if locked.is_hidden == hide:
            raise DomainError(
                "already_hidden" if hide else "not_hidden",
                _("Cette proposition est déjà masquée.")
                if hide
                else _("Cette proposition n'est pas masquée."),
            )
        locked.is_hidden = hide
        locked.hidden_reason = reason
        locked.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
        ModerationAction.objects.create(
            moderator=actor,
            verb=ModerationVerb.HIDE if hide else ModerationVerb.RESTORE,
            proposal=locked,
            reason=reason,
        )
        if hide:
            Report.objects.open().filter(proposal=locked, comment__isnull=True).update(
                status=ReportStatus.ACTIONED, resolved_at=timezone.now(), resolved_by=actor
            )
        audit_record(
            actor=actor,
            action="proposal.hidden" if hide else "proposal.restored",
            target=locked,
            data={"reason": reason},
            request=request,
        )
    _refresh_from(proposal, locked, ["is_hidden", "hidden_reason"])
    return proposal


def proposal_hide(*, proposal: Proposal, actor, reason: str, request=None) -> Proposal:
    """Hide from the public with a public reason; the proposal stays in the database."""
    return _moderate_proposal(
        proposal=proposal, actor=actor, reason=reason, hide=True, request=request
    )


def proposal_restore(*, proposal: Proposal, actor, reason: str, request=None) -> Proposal:
    return _moderate_proposal(
        proposal=proposal, actor=actor, reason=reason, hide=False, request=request
    )


# --- supports ------------------------------------------------------------------------


def support_add(*, proposal: Proposal, user) -> Support:
    """Support a proposal (idempotent: a second call returns the same support)."""
    _require_signed_in(user)
    with transaction.atomic():
        locked = _locked(proposal)
        if not rules.can_support(user, locked):
            if rules.is_own(user, locked):
                raise PermissionDeniedError(
                    "own_proposal", _("Vous ne pouvez pas soutenir votre propre proposition.")
                )
            if locked.is_merged:
                raise DomainError(
                    "proposal_merged",
                    _("Cette proposition a été fusionnée : soutenez celle qui la reprend."),
                )
            raise PermissionDeniedError(
                "forbidden", _("Cette proposition ne peut pas être soutenue.")
            )
        support, created = Support.objects.get_or_create(
            proposal=locked, user=user, defaults={"user_college": user.college}
        )
        if created:
            Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") + 1)
    proposal.refresh_from_db(fields=["support_count"])
    return support


def support_remove(*, proposal: Proposal, user) -> bool:
    """Withdraw a support; returns whether there was one."""
    _require_signed_in(user)
    with transaction.atomic():
        locked = _locked(proposal)
        deleted, _detail = Support.objects.filter(proposal=locked, user=user).delete()
        if deleted:
            Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") - 1)
    proposal.refresh_from_db(fields=["support_count"])
    return bool(deleted)


# --- comments ------------------------------------------------------------------------


def _clean_comment_body(body: str) -> str:
    value = _clean_body(body, max_length=COMMENT_MAX)
    if not value:
        raise DomainError("empty_comment", _("Écrivez un commentaire."), field="body")
    return value


def comment_create(
    *, proposal: Proposal, author, body: str, parent: Comment | None = None, client_key: str = ""
) -> Comment:
    """Comment on a proposal, or answer a comment (answers stay one level deep)."""
    _require_signed_in(author)
    client_key = _clean_client_key(client_key)
    if client_key:
        existing = Comment.objects.filter(author=author, client_key=client_key).first()
        if existing is not None:
            return existing
    body = _clean_comment_body(body)
    if parent is not None:
        if parent.proposal_id != proposal.pk:
            raise DomainError(
                "invalid_parent",
                _("Ce commentaire appartient à une autre proposition."),
                field="parent",
            )
        # An answer to an answer joins the same thread.
        if parent.parent_id:
            parent = parent.parent
    try:
        with transaction.atomic():
            locked = _locked(proposal)
            if not rules.can_comment(author, locked):
                raise PermissionDeniedError(
                    "forbidden", _("Cette proposition ne peut plus être commentée.")
                )
            comment = Comment.objects.create(
                proposal=locked,
                parent=parent,
                author=author,
                author_college=author.college,
                body=body,
                body_html=markdown_to_html(body),
                client_key=client_key,
            )
            Proposal.objects.filter(pk=locked.pk).update(comment_count=F("comment_count") + 1)
    except IntegrityError:
        if client_key:
            return Comment.objects.get(author=author, client_key=client_key)
        raise
    proposal.refresh_from_db(fields=["comment_count"])
    return comment


def comment_update(*, comment: Comment, actor, body: str) -> Comment:
    if not rules.can_edit_comment(actor, comment):
        raise PermissionDeniedError(
            "forbidden", _("Un commentaire se modifie par son auteur·rice, dans les 15 minutes.")
        )
    comment.body = _clean_comment_body(body)
    comment.body_html = markdown_to_html(comment.body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


def _set_comment_counted(comment: Comment, was_counted: bool) -> None:
    delta = int(comment.counts) - int(was_counted)
    if delta:
        Proposal.objects.filter(pk=comment.proposal_id).update(
            comment_count=F("comment_count") + delta
        )


def comment_delete(*, comment: Comment, actor) -> Comment:
    """The author deletes: the text goes, a « commentaire supprimé » mark stays (answers keep their place)."""
    if not rules.can_delete_comment(actor, comment):
        raise PermissionDeniedError("forbidden", _("Vous ne pouvez pas supprimer ce commentaire."))
    with transaction.atomic():
        Proposal.objects.select_for_update().filter(pk=comment.proposal_id).first()
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.is_deleted:
            return locked
        was_counted = locked.counts
        locked.is_deleted = True
        locked.body = ""
        locked.body_html = ""
        locked.save(update_fields=["is_deleted", "body", "body_html"])
        _set_comment_counted(locked, was_counted)
    _refresh_from(comment, locked, ["is_deleted", "body", "body_html"])
    return comment


def _moderate_comment(*, comment: Comment, actor, reason: str, hide: bool, request) -> Comment:
    if not rules.can_moderate(actor):
        raise PermissionDeniedError("forbidden", _("Action réservée à la modération."))
    reason = _clean_reason(reason, required=True)
    with transaction.atomic():
        Proposal.objects.select_for_update().filter(pk=comment.proposal_id).first()
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.is_hidden == hide:
            raise DomainError(
                "already_hidden" if hide else "not_hidden",
                _("Ce commentaire est déjà masqué.")
                if hide
                else _("Ce commentaire n'est pas masqué."),
            )
        was_counted = locked.counts
        locked.is_hidden = hide
        locked.hidden_reason = reason
        locked.save(update_fields=["is_hidden", "hidden_reason"])
        _set_comment_counted(locked, was_counted)
        ModerationAction.objects.create(
            moderator=actor,
            verb=ModerationVerb.HIDE if hide else ModerationVerb.RESTORE,
            proposal_id=locked.proposal_id,
            comment=locked,
            reason=reason,
        )
        if hide:
            Report.objects.open().filter(comment=locked).update(
                status=ReportStatus.ACTIONED, resolved_at=timezone.now(), resolved_by=actor
            )
        audit_record(
            actor=actor,
            action="comment.hidden" if hide else "comment.restored",
            target=locked,
            data={"reason": reason, "proposal": locked.proposal_id},
            request=request,
        )
    _refresh_from(comment, locked, ["is_hidden", "hidden_reason"])
    return comment


def comment_hide(*, comment: Comment, actor, reason: str, request=None) -> Comment:
    return _moderate_comment(
        comment=comment, actor=actor, reason=reason, hide=True, request=request
    )


def comment_restore(*, comment: Comment, actor, reason: str, request=None) -> Comment:
    return _moderate_comment(
        comment=comment, actor=actor, reason=reason, hide=False, request=request
    )


# --- reports -------------------------------------------------------------------------


def report_create(
    *, reporter, reason: str, proposal: Proposal | None = None, comment: Comment | None = None
) -> Report:
    """Flag a proposal or a comment to the moderators (one open report per person and item)."""
    if not rules.can_report(reporter):
        raise PermissionDeniedError(
            "not_authenticated", _("Connectez-vous pour signaler un contenu.")
        )
    if (proposal is None) == (comment is None):
        raise DomainError("invalid_report", _("Signalez une proposition ou un commentaire."))
    if not rules.can_report(reporter, comment or proposal):
        raise PermissionDeniedError(
            "own_content", _("Vous ne pouvez pas signaler votre propre contribution.")
        )
    reason = _clean_reason(reason, required=True)
    if comment is not None:
        proposal = comment.proposal
    existing = (
        Report.objects.open().filter(reporter=reporter, proposal=proposal, comment=comment).first()
    )
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter, proposal=proposal, comment=comment, reason=reason
            )
    except IntegrityError:
        return Report.objects.open().get(reporter=reporter, proposal=proposal, comment=comment)


def report_dismiss(*, report: Report, actor, reason: str = "", request=None) -> Report:
    """Close a report without hiding anything (recorded like any moderation action)."""
    if not rules.can_moderate(actor):
        raise PermissionDeniedError("forbidden", _("Action réservée à la modération."))
    reason = _clean_reason(reason, required=False) or _("Signalement examiné, contenu conforme.")
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.OPEN:
            return report
        report.status = ReportStatus.DISMISSED
        report.resolved_at = timezone.now()
        report.resolved_by = actor
        report.save(update_fields=["status", "resolved_at", "resolved_by"])
        ModerationAction.objects.create(
            moderator=actor,
            verb=ModerationVerb.DISMISS,
            proposal_id=report.proposal_id,
            comment_id=report.comment_id,
            reason=reason,
        )
        audit_record(
            actor=actor,
            action="report.dismissed",
            target=report.target,
            data={"report": report.pk, "reason": reason},
            request=request,
        )
    return report
