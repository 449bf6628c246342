"""Writes on recommendations, action items, indicators and notifications.

Every change goes through here: the views, the API, the admin actions and the
demo call these functions, which check the permission, validate, write the
change and its history entry in one transaction, and tell the contributors.
"""

from __future__ import annotations

from collections import deque
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from decisions import follows
from decisions.models import (
    RECOMMENDATION_TRANSITIONS,
    ActionItem,
    ActionStatus,
    ActionUpdate,
    HistoryEntry,
    Indicator,
    Measurement,
    Notification,
    NotificationKind,
    Recommendation,
    RecommendationSource,
    RecommendationStatementSource,
    RecommendationStatus,
    RecommendationVoteSource,
)
from decisions.rules import require_editor
from project.emails import html_from_text
from project.errors import DomainError
from project.links import site_url
from project.sanitizer import markdown_to_html
from project.text import clean_line, strip_invisible
from project.translated import bilingual, french_field

TEXT_MAX = 20_000
AMOUNT_LIMIT = Decimal(10) ** 12
RECOMMENDATION_FIELDS = ("title", "title_en", "body", "rationale", "axis")
ACTION_FIELDS = (
    "title",
    "title_en",
    "description",
    "owner_kind",
    "owner_name",
    "lead_name",
    "start_date",
    "due_date",
    "budget",
)
INDICATOR_FIELDS = (
    "name",
    "name_en",
    "description",
    "description_en",
    "axis",
    "unit",
    "source",
    "baseline_value",
    "baseline_date",
    "target_2030",
    "direction",
    "context_note",
    "context_note_en",
    "order",
)


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _history(*, actor, verb: str, changes: dict | None = None, note: str = "", **target) -> None:
    HistoryEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        changes=changes or {},
        note=note,
        **target,
    )


def _apply_fields(obj, fields: tuple[str, ...], values: dict) -> dict:
    """Set the given fields; return {field: [old, new]} for those that changed."""
    changes = {}
    for name in fields:
        if name not in values:
            continue
        new = values[name]
        # The plain field of a translated one is its French (not the active language's) column.
        column = french_field(type(obj), name)
        old = getattr(obj, column)
        if name.endswith("_en"):
            new = new or None
        if old != new and (old or new):
            changes[name] = [_text(old), _text(new)]
            setattr(obj, column, new)
            if column != name:
                obj.__dict__[name] = new
    return changes


def _require_text(value: str, field: str, message: str, *, max_length: int = 200) -> str:
    """A required line of text: invisible characters removed, not empty, not too long."""
    value = _line(value, field, max_length=max_length)
    if not value:
        raise DomainError("required", message, field=field)
    return value


def _line(value, field: str, *, max_length: int) -> str:
    value = clean_line(str(value or ""))
    if len(value) > max_length:
        raise DomainError(
            "too_long",
            _("%(max)d caractères au plus.") % {"max": max_length},
            field=field,
        )
    return value


def _long_text(value, field: str, *, max_length: int = TEXT_MAX) -> str:
    value = strip_invisible(str(value or "")).strip()
    if len(value) > max_length:
        raise DomainError(
            "too_long",
            _("%(max)d caractères au plus.") % {"max": max_length},
            field=field,
        )
    return value


def _amount(value, field: str) -> Decimal | None:
    """A decimal that fits the database columns (12 digits before the point, 2 after)."""
    if value is None or value == "":
        return None
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError("invalid_number", _("Indiquez un nombre."), field=field) from None
    if not value.is_finite() or abs(value) >= AMOUNT_LIMIT:
        raise DomainError("invalid_number", _("Ce nombre est trop grand."), field=field)
    return value.quantize(Decimal("0.01"))


# --- Recommendations ---------------------------------------------------------------------------


@transaction.atomic
def recommendation_create(
    *,
    actor,
    title: str,
    axis,
    title_en: str = "",
    body: str = "",
    rationale: str = "",
    proposals: list | tuple = (),
    note: str = "",
    vote_session=None,
    request=None,
) -> Recommendation:
    """A draft recommendation, with the given proposals (and vote session) as its sources."""
    require_editor(actor)
    title = _require_text(title, "title", _("Indiquez un titre."))
    title_en = _line(title_en, "title_en", max_length=200)
    body = _long_text(body, "body")
    rationale = _long_text(rationale, "rationale")
    note = _long_text(note, "note", max_length=2000)
    if axis is None:
        raise DomainError("required", _("Choisissez un axe ou un thème transversal."), field="axis")
    recommendation = Recommendation.objects.create(
        **bilingual(Recommendation, {"title": title, "title_en": title_en}),
        body=body or "",
        body_html=markdown_to_html(body or ""),
        rationale=rationale or "",
        rationale_html=markdown_to_html(rationale or ""),
        axis=axis,
        created_by=actor,
    )
    _history(actor=actor, verb="created", recommendation=recommendation)
    for proposal in proposals:
        recommendation_source_add(
            recommendation=recommendation, proposal=proposal, actor=actor, note=note
        )
    if vote_session is not None:
        recommendation_vote_source_add(
            recommendation=recommendation, session=vote_session, actor=actor, note=note
        )
    return recommendation


@transaction.atomic
def recommendation_update(*, recommendation: Recommendation, actor, **values) -> Recommendation:
    require_editor(actor)
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if "title" in values:
        values["title"] = _require_text(values["title"], "title", _("Indiquez un titre."))
    if "title_en" in values:
        values["title_en"] = _line(values["title_en"], "title_en", max_length=200)
    for name in ("body", "rationale"):
        if name in values:
            values[name] = _long_text(values[name], name)
    if "axis" in values and values["axis"] is None:
        raise DomainError("required", _("Choisissez un axe ou un thème transversal."), field="axis")
    changes = _apply_fields(recommendation, RECOMMENDATION_FIELDS, values)
    if not changes:
        return recommendation
    recommendation.body_html = markdown_to_html(recommendation.body)
    recommendation.rationale_html = markdown_to_html(recommendation.rationale)
    recommendation.save()
    # The Markdown itself can be long: the history says which fields changed, not their text.
    for long_field in ("body", "rationale"):
        if long_field in changes:
            changes[long_field] = ["…", "…"]
    _history(actor=actor, verb="updated", changes=changes, recommendation=recommendation)
    return recommendation


def _path_to_retained(status: str) -> list[str]:
    """The shortest sequence of allowed proposal statuses from ``status`` to "retained"."""
    from proposals.models import ProposalStatus

    transitions = _proposal_transitions()
    queue: deque[tuple[str, list[str]]] = deque([(status, [])])
    seen = {status}
    while queue:
        current, path = queue.popleft()
        if current == ProposalStatus.RETAINED:
            return path
        for nxt in transitions.get(current, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, [*path, str(nxt)]))
    return []


def _proposal_transitions() -> dict:
    from proposals import models as proposal_models

    return getattr(proposal_models, "STATUS_TRANSITIONS", {})


def _retain(*, proposal, actor, recommendation: Recommendation) -> None:
    """Move a source proposal to "retained" through the proposals app's own service."""
    from proposals.models import ProposalStatus
    from proposals.services import proposal_status_change

    if proposal.status == ProposalStatus.RETAINED:
        return
    path = _path_to_retained(proposal.status)
    if not path:
        raise DomainError(
            "proposal_cannot_be_retained",
            _("La proposition « %(title)s » ne peut pas être retenue depuis son statut actuel.")
            % {"title": proposal.title},
        )
    reason = _("Source de la recommandation « %(title)s ».") % {"title": recommendation.title}
    for status in path:
        proposal = (
            proposal_status_change(proposal=proposal, actor=actor, new_status=status, reason=reason)
            or proposal
        )


@transaction.atomic
def recommendation_source_add(
    *, recommendation: Recommendation, proposal, actor, note: str = ""
) -> RecommendationSource:
    """Link a proposal as a source; it becomes "retained". Linking twice returns the first link."""
    from proposals.models import ProposalStatus

    require_editor(actor)
    existing = RecommendationSource.objects.filter(
        recommendation=recommendation, proposal=proposal
    ).first()
    if existing:
        return existing
    if proposal.status == ProposalStatus.MERGED and proposal.merged_into_id:
        raise DomainError(
            "proposal_merged",
            _("Cette proposition a été fusionnée : choisissez plutôt « %(title)s ».")
            % {"title": proposal.merged_into.title},
        )
    if getattr(proposal, "is_hidden", False):
        raise DomainError(
            "proposal_hidden", _("Une proposition masquée ne peut pas servir de source.")
        )
    link = RecommendationSource.objects.create(
        recommendation=recommendation,
        proposal=proposal,
        linked_by=actor,
        note=_long_text(note, "note", max_length=2000),
    )
    _history(
        actor=actor,
        verb="source_added",
        # The origin workshop is kept so that the history never names an idea of a workshop
        # the reader may not see (decisions.selectors.history_for_reader).
        changes={"proposal": ["", proposal.title], "origin": proposal.origin_workshop_id},
        note=link.note,
        recommendation=recommendation,
    )
    _retain(proposal=proposal, actor=actor, recommendation=recommendation)
    if recommendation.is_public:
        _notify_sources(
            recommendation=recommendation,
            proposal_ids=[proposal.pk],
            kind=NotificationKind.RECOMMENDATION,
        )
    return link


@transaction.atomic
def recommendation_group_source_add(
    *, recommendation: Recommendation, group, actor, note: str = ""
) -> list[RecommendationSource]:
    """Link every idea of a group of a workshop's wall as a source, keeping the group.

    Each idea becomes a source of its own (its author, supports and comments count in the
    trace as for any proposal), marked with the group and the group's name at this moment.
    Linking the same group again links the ideas added since; an idea already linked keeps
    its first link.
    """
    from workshops.grouping import group_ideas

    require_editor(actor)
    ideas = group_ideas([group])[group.pk]
    if not ideas:
        raise DomainError(
            "empty_group",
            _("Ce groupe ne contient aucune idée visible : rien à relier."),
            field="group",
        )
    links = []
    for proposal in ideas:
        link = recommendation_source_add(
            recommendation=recommendation, proposal=proposal, actor=actor, note=note
        )
        if link.idea_group_id is None and not link.idea_group_name:
            link.idea_group = group
            link.idea_group_name = group.name
            link.save(update_fields=["idea_group", "idea_group_name"])
        links.append(link)
    _history(
        actor=actor,
        verb="group_added",
        changes={"group": ["", group.name], "origin": group.workshop_id},
        note=note,
        recommendation=recommendation,
    )
    return links


@transaction.atomic
def recommendation_vote_source_add(
    *, recommendation: Recommendation, session, actor, note: str = ""
) -> RecommendationVoteSource:
    """Link a finished vote session whose results support the recommendation (idempotent)."""
    from votes.models import SessionState

    require_editor(actor)
    existing = RecommendationVoteSource.objects.filter(
        recommendation=recommendation, session=session
    ).first()
    if existing:
        return existing
    if session.state not in (SessionState.CLOSED, SessionState.PUBLISHED):
        raise DomainError(
            "vote_not_finished",
            _("Seul un vote clos peut appuyer une recommandation."),
            field="session",
        )
    link = RecommendationVoteSource.objects.create(
        recommendation=recommendation,
        session=session,
        linked_by=actor,
        note=_long_text(note, "note", max_length=2000),
    )
    _history(
        actor=actor,
        verb="vote_added",
        changes={"vote": ["", session.title], "origin": session.workshop_id},
        note=link.note,
        recommendation=recommendation,
    )
    return link


@transaction.atomic
def recommendation_statement_source_add(
    *, recommendation: Recommendation, statement, actor, note: str = ""
) -> RecommendationStatementSource:
    """Link a statement of an opinion map as a source (idempotent), keeping what its votes
    said at this moment: overall, by opinion group and by college (small colleges merged)."""
    from opinions.selectors import statement_provenance

    require_editor(actor)
    existing = RecommendationStatementSource.objects.filter(
        recommendation=recommendation, statement=statement
    ).first()
    if existing:
        return existing
    if statement.is_hidden:
        raise DomainError(
            "statement_hidden", _("Une affirmation masquée ne peut pas servir de source.")
        )
    link = RecommendationStatementSource.objects.create(
        recommendation=recommendation,
        statement=statement,
        provenance=statement_provenance(statement),
        linked_by=actor,
        note=_long_text(note, "note", max_length=2000),
    )
    _history(
        actor=actor,
        # No text in the history: the conversation may be private (the trace shows it
        # to those who may read it).
        verb="statement_added",
        note=link.note,
        recommendation=recommendation,
    )
    return link


@transaction.atomic
def recommendation_source_remove(*, source: RecommendationSource, actor, note: str = "") -> None:
    """Remove a trace link (the proposal keeps its status: it was retained by the Codev)."""
    require_editor(actor)
    _history(
        actor=actor,
        verb="source_removed",
        changes={
            "proposal": [source.proposal.title, ""],
            "origin": source.proposal.origin_workshop_id,
        },
        note=note,
        recommendation=source.recommendation,
    )
    source.delete()


@transaction.atomic
def recommendation_vote_source_remove(
    *, link: RecommendationVoteSource, actor, note: str = ""
) -> None:
    """Unlink a vote from a recommendation (the vote and its results stay as they are)."""
    require_editor(actor)
    _history(
        actor=actor,
        verb="vote_removed",
        changes={"vote": [link.session.title, ""], "origin": link.session.workshop_id},
        note=_long_text(note, "note", max_length=2000),
        recommendation=link.recommendation,
    )
    link.delete()


def recommendation_link(*, recommendation: Recommendation, source, actor, note: str = ""):
    """Link any kind of source (``decisions.sources``): a proposal or a live idea, a group of
    ideas (each of its ideas), a finished vote. Linking again changes nothing."""
    from decisions.sources import kind_of

    kind = kind_of(source)
    if kind == "group":
        return recommendation_group_source_add(
            recommendation=recommendation, group=source, actor=actor, note=note
        )
    if kind == "vote":
        return recommendation_vote_source_add(
            recommendation=recommendation, session=source, actor=actor, note=note
        )
    return recommendation_source_add(
        recommendation=recommendation, proposal=source, actor=actor, note=note
    )


DRAFT_BODY_OPTIONS = 5


def _axis_for(source, proposals: list):
    """The axis a draft from ``source`` starts on: its own, its proposals' most common one,
    its workshop's first, or the first axis (the editor checks it on the form)."""
    from collections import Counter

    from proposals.models import Axis

    own = getattr(source, "axis", None)
    if own is not None:
        return own
    counted = Counter(p.axis_id for p in proposals if p.axis_id)
    if counted:
        return Axis.objects.get(pk=counted.most_common(1)[0][0])
    workshop = getattr(source, "workshop", None)
    if workshop is not None and (axis := workshop.axes.order_by("order").first()):
        return axis
    return Axis.objects.order_by("order").first()


def _draft_from_vote(session) -> dict:
    from proposals.models import Proposal
    from votes.selectors import results_compute

    results = results_compute(session)
    ranked = [o for o in results.options if o.get("rank") is not None]
    first = [o for o in ranked if o["rank"] == 1]
    proposals = list(
        Proposal.objects.filter(
            pk__in=[o["proposal"] for o in first if o.get("proposal")], is_hidden=False
        ).exclude(status="merged")
    )
    lines = [
        ngettext(
            "Résultat du vote « %(title)s » (%(n)d bulletin) :",
            "Résultat du vote « %(title)s » (%(n)d bulletins) :",
            results.ballots,
        )
        % {"title": session.title, "n": results.ballots},
        "",
    ]
    for option in ranked[:DRAFT_BODY_OPTIONS]:
        grade = option.get("majority_grade_label")
        lines.append(
            f"{option['rank']}. {clean_line(option['label'])}" + (f" — {grade}" if grade else "")
        )
    return {
        "title": first[0]["label"] if first else session.title,
        "body": "\n".join(lines),
        "proposals": proposals,
        "vote_session": session,
        "axis": _axis_for(session, proposals),
        # On the winning proposals' links (the vote's own link needs no note).
        "note": _("En tête du vote « %(title)s »") % {"title": session.title},
    }


def _draft_from_group(group) -> dict:
    from workshops.grouping import group_ideas

    ideas = group_ideas([group])[group.pk]
    body = "\n".join(
        [
            _("Idées du groupe « %(name)s », atelier « %(workshop)s » :")
            % {"name": group.name, "workshop": group.workshop.title},
            "",
            *[f"- {clean_line(idea.title)}" for idea in ideas],
        ]
    )
    from proposals.models import Proposal

    full = list(Proposal.objects.filter(pk__in=[i.pk for i in ideas]).only("id", "axis_id"))
    return {
        "title": group.name,
        "body": body,
        "group": group,
        "axis": _axis_for(group, full),
    }


def _draft_from_proposal(proposal) -> dict:
    return {
        "title": proposal.title,
        "body": proposal.body,
        "proposals": [proposal],
        "axis": proposal.axis,
    }


@transaction.atomic
def recommendation_draft_from(*, actor, source, request=None) -> Recommendation:
    """« Faire de ce résultat une recommandation »: a draft pre-filled from a finished vote
    (its winner as the title, its ranking as the text, the vote and its winning proposals as
    sources), a group of ideas (its name, its ideas listed and linked) or a proposal (its
    title, text and itself as the source). The editor then rewrites it on the form.

    ``source`` is read with ``decisions.sources.get`` (what this editor may see)."""
    from decisions.sources import kind_of
    from votes.models import SessionState

    require_editor(actor)
    kind = kind_of(source)
    if kind == "vote":
        if source.state not in (SessionState.CLOSED, SessionState.PUBLISHED):
            raise DomainError(
                "vote_not_finished", _("Seul un vote clos peut appuyer une recommandation.")
            )
        draft = _draft_from_vote(source)
    elif kind == "group":
        draft = _draft_from_group(source)
    else:
        draft = _draft_from_proposal(source)
    if draft["axis"] is None:
        raise DomainError("no_axis", _("Créez d'abord un axe ou un thème transversal."))
    recommendation = recommendation_create(
        actor=actor,
        title=clean_line(draft["title"])[:200] or _("Nouvelle recommandation"),
        axis=draft["axis"],
        body=draft["body"][:TEXT_MAX],
        vote_session=draft.get("vote_session"),
        request=request,
    )
    for proposal in draft.get("proposals", ()):
        recommendation_source_add(
            recommendation=recommendation,
            proposal=proposal,
            actor=actor,
            note=draft.get("note", "")[:2000],
        )
    if "group" in draft:
        recommendation_group_source_add(
            recommendation=recommendation, group=draft["group"], actor=actor
        )
    return recommendation


@transaction.atomic
def recommendation_status_change(
    *, recommendation: Recommendation, actor, new_status: str, note: str = "", request=None
) -> Recommendation:
    """Move along draft → adopted → published → withdrawn; publishing is audited and announced."""
    from accounts.services import audit_record

    require_editor(actor)
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    old = recommendation.status
    if new_status not in RecommendationStatus.values:
        raise DomainError("invalid_status", _("Statut inconnu."), field="status")
    note = _long_text(note, "note", max_length=2000)
    if new_status == old:
        return recommendation
    if new_status not in RECOMMENDATION_TRANSITIONS[old]:
        raise DomainError(
            "invalid_transition",
            _("Une recommandation « %(old)s » ne peut pas passer à « %(new)s ».")
            % {
                "old": RecommendationStatus(old).label,
                "new": RecommendationStatus(new_status).label,
            },
            field="status",
        )
    now = timezone.now()
    first_publication = False
    recommendation.status = new_status
    if new_status == RecommendationStatus.ADOPTED and not recommendation.adopted_at:
        recommendation.adopted_at = now
    if new_status == RecommendationStatus.PUBLISHED:
        first_publication = recommendation.published_at is None
        recommendation.published_at = recommendation.published_at or now
    recommendation.save()
    _history(
        actor=actor,
        verb="status_changed",
        changes={"status": [old, new_status]},
        note=note,
        recommendation=recommendation,
    )
    if new_status in (RecommendationStatus.PUBLISHED, RecommendationStatus.WITHDRAWN):
        audit_record(
            actor=actor,
            action=f"recommendation.{new_status}",
            target=recommendation,
            data={"old_status": old, "note": note},
            request=request,
        )
    if new_status == RecommendationStatus.PUBLISHED and first_publication:
        _notify_sources(
            recommendation=recommendation,
            proposal_ids=list(recommendation.sources.values_list("proposal_id", flat=True)),
            kind=NotificationKind.RECOMMENDATION,
        )
        follows.notify_recommendation_published(recommendation=recommendation, actor=actor)
    return recommendation


# --- Action items ------------------------------------------------------------------------------


def _clean_action_values(values: dict) -> dict:
    from decisions.models import OwnerKind

    if "title" in values:
        values["title"] = _require_text(values["title"], "title", _("Indiquez un titre."))
    if "title_en" in values:
        values["title_en"] = _line(values["title_en"], "title_en", max_length=200)
    if "owner_name" in values:
        values["owner_name"] = _require_text(
            values["owner_name"], "owner_name", _("Indiquez l'organisation porteuse.")
        )
    if "lead_name" in values:
        values["lead_name"] = _line(values["lead_name"], "lead_name", max_length=120)
    if "description" in values:
        values["description"] = _long_text(values["description"], "description")
    if "owner_kind" in values and values["owner_kind"] not in OwnerKind.values:
        raise DomainError(
            "invalid_owner_kind",
            _("Choisissez un type de porteur dans la liste."),
            field="owner_kind",
        )
    start, due = values.get("start_date"), values.get("due_date")
    if start and due and due < start:
        raise DomainError(
            "invalid_dates",
            _("L'échéance ne peut pas précéder la date de début."),
            field="due_date",
        )
    if "budget" in values:
        values["budget"] = _amount(values["budget"], "budget")
        if values["budget"] is not None and values["budget"] < 0:
            raise DomainError(
                "invalid_budget", _("Le budget ne peut pas être négatif."), field="budget"
            )
    return values


def _clean_progress(progress) -> int:
    try:
        progress = int(progress)
    except (TypeError, ValueError):
        raise DomainError(
            "invalid_progress", _("L'avancement est un nombre de 0 à 100."), field="progress"
        ) from None
    if not 0 <= progress <= 100:
        raise DomainError(
            "invalid_progress", _("L'avancement est un nombre de 0 à 100."), field="progress"
        )
    return progress


@transaction.atomic
def action_create(
    *, actor, recommendation: Recommendation, indicators: list | tuple = (), **values
) -> ActionItem:
    require_editor(actor)
    values = _clean_action_values({k: v for k, v in values.items() if k in ACTION_FIELDS})
    for required in ("title", "owner_name"):
        if required not in values:
            _clean_action_values({required: ""})
    action = ActionItem(
        recommendation=recommendation, created_by=actor, **bilingual(ActionItem, values)
    )
    action.description_html = markdown_to_html(action.description)
    action.save()
    if indicators:
        action.indicators.set(indicators)
    _history(actor=actor, verb="created", action=action)
    return action


@transaction.atomic
def action_update(*, action: ActionItem, actor, indicators=None, **values) -> ActionItem:
    """Change an action's description fields (status and progress go through ``action_report``)."""
    require_editor(actor)
    action = ActionItem.objects.select_for_update().get(pk=action.pk)
    merged = {
        "start_date": action.start_date,
        "due_date": action.due_date,
        **{k: v for k, v in values.items() if k in ACTION_FIELDS},
    }
    values = _clean_action_values(merged)
    changes = _apply_fields(action, ACTION_FIELDS, values)
    if indicators is not None:
        old_ids = set(action.indicators.values_list("pk", flat=True))
        new_ids = {i.pk for i in indicators}
        if old_ids != new_ids:
            action.indicators.set(indicators)
            changes["indicators"] = [
                ", ".join(sorted(str(i) for i in Indicator.objects.filter(pk__in=old_ids))),
                ", ".join(sorted(str(i) for i in indicators)),
            ]
    if not changes:
        return action
    action.description_html = markdown_to_html(action.description)
    action.save()
    if "description" in changes:
        changes["description"] = ["…", "…"]
    _history(actor=actor, verb="updated", changes=changes, action=action)
    return action


@transaction.atomic
def action_report(
    *,
    action: ActionItem,
    actor,
    text: str,
    progress: int | None = None,
    status: str | None = None,
    on: date | None = None,
) -> ActionUpdate:
    """Post a dated public update (text, progress, maybe a new status); contributors are told
    when the status changes."""
    require_editor(actor)
    text = _long_text(text, "text", max_length=5000)
    if not text:
        raise DomainError("required", _("Décrivez où en est l'action."), field="text")
    action = ActionItem.objects.select_for_update().get(pk=action.pk)
    new_progress = action.progress if progress is None else _clean_progress(progress)
    new_status = status or action.status
    if new_status not in ActionStatus.values:
        raise DomainError("invalid_status", _("Statut inconnu."), field="status")
    if new_status == ActionStatus.DONE and progress is None:
        new_progress = 100
    update = ActionUpdate.objects.create(
        action=action,
        date=on or timezone.localdate(),
        text=text,
        text_html=markdown_to_html(text),
        progress=new_progress,
        old_status=action.status,
        new_status=new_status,
        author=actor,
    )
    changes = {}
    if action.progress != new_progress:
        changes["progress"] = [str(action.progress), str(new_progress)]
    if action.status != new_status:
        changes["status"] = [action.status, new_status]
    action.progress = new_progress
    action.status = new_status
    action.save(update_fields=["progress", "status", "updated_at"])
    _history(actor=actor, verb="reported", changes=changes, note=text[:500], action=action)
    if action.recommendation.is_public:
        told: set[int] = set()
        if update.status_changed:
            source_ids = list(action.recommendation.sources.values_list("proposal_id", flat=True))
            _notify_sources(
                recommendation=action.recommendation,
                proposal_ids=source_ids,
                kind=NotificationKind.ACTION_STATUS,
                action=action,
            )
            told = set(contributors_of(source_ids))
        follows.notify_action_update(update=update, actor=actor, exclude=told)
    return update


# --- Indicators --------------------------------------------------------------------------------


def _clean_indicator_values(values: dict) -> dict:
    from decisions.models import Direction

    if "name" in values:
        values["name"] = _require_text(values["name"], "name", _("Indiquez un nom."))
    if "unit" in values:
        values["unit"] = _require_text(
            values["unit"], "unit", _("Indiquez une unité."), max_length=40
        )
    if "source" in values:
        values["source"] = _line(values["source"], "source", max_length=200)
    if "name_en" in values:
        values["name_en"] = _line(values["name_en"], "name_en", max_length=200)
    if "unit_en" in values:
        values["unit_en"] = _line(values["unit_en"], "unit_en", max_length=40)
    for name in ("description", "context_note", "description_en", "context_note_en"):
        if name in values:
            values[name] = _long_text(values[name], name, max_length=5000)
    for name in ("baseline_value", "target_2030"):
        if name in values:
            values[name] = _amount(values[name], name)
    if "direction" in values and values["direction"] not in Direction.values:
        raise DomainError("invalid_direction", _("Sens inconnu."), field="direction")
    return values


@transaction.atomic
def indicator_create(*, actor, slug: str, **values) -> Indicator:
    from django.utils.text import slugify

    require_editor(actor)
    values = _clean_indicator_values({k: v for k, v in values.items() if k in INDICATOR_FIELDS})
    for required in ("name", "unit"):
        if required not in values:
            _clean_indicator_values({required: ""})
    slug = slugify(slug or values["name"])[:80]
    if not slug:
        raise DomainError("invalid_slug", _("Indiquez un identifiant."), field="slug")
    if Indicator.objects.filter(slug=slug).exists():
        raise DomainError("slug_taken", _("Cet identifiant est déjà utilisé."), field="slug")
    indicator = Indicator.objects.create(slug=slug, **bilingual(Indicator, values))
    _history(actor=actor, verb="created", indicator=indicator)
    return indicator


@transaction.atomic
def indicator_update(*, indicator: Indicator, actor, **values) -> Indicator:
    require_editor(actor)
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    values = _clean_indicator_values(values)
    changes = _apply_fields(indicator, INDICATOR_FIELDS, values)
    if changes:
        indicator.save()
        _history(actor=actor, verb="updated", changes=changes, indicator=indicator)
    return indicator


@transaction.atomic
def measurement_record(
    *, indicator: Indicator, actor, on: date, value, source: str = ""
) -> Measurement:
    """Record the value of an indicator on a date (a second value for the same date replaces it)."""
    require_editor(actor)
    value = _amount(value, "value")
    if value is None:
        raise DomainError("invalid_number", _("Indiquez un nombre."), field="value")
    if on is None:
        raise DomainError("required", _("Indiquez la date de la mesure."), field="date")
    source = _require_text(source, "source", _("Indiquez la source de la mesure."))
    existing = Measurement.objects.select_for_update().filter(indicator=indicator, date=on).first()
    old = _text(existing.value) if existing else ""
    measurement, _created = Measurement.objects.update_or_create(
        indicator=indicator,
        date=on,
        defaults={"value": value, "source": source, "entered_by": actor},
    )
    _history(
        actor=actor,
        verb="measured",
        changes={on.isoformat(): [old, _text(value)]},
        note=source,
        indicator=indicator,
    )
    return measurement


@transaction.atomic
def measurement_delete(*, measurement: Measurement, actor) -> None:
    require_editor(actor)
    _history(
        actor=actor,
        verb="measurement_deleted",
        changes={measurement.date.isoformat(): [_text(measurement.value), ""]},
        indicator=measurement.indicator,
    )
    measurement.delete()


# --- Notifications -----------------------------------------------------------------------------


def contributors_of(proposal_ids: list[int]) -> dict[int, set[int]]:
    """{user id: {proposal ids}}: the authors of these proposals and of those merged into them.

    Two queries whatever the number of proposals (merges are at most one level deep here:
    the proposals app merges into a target that is not itself merged).
    """
    from proposals.models import Proposal

    result: dict[int, set[int]] = {}
    rows = Proposal.objects.filter(pk__in=proposal_ids).values_list("pk", "author_id")
    for pk, author_id in rows:
        result.setdefault(author_id, set()).add(pk)
    for target_id, author_id in Proposal.objects.filter(
        merged_into_id__in=proposal_ids
    ).values_list("merged_into_id", "author_id"):
        result.setdefault(author_id, set()).add(target_id)
    return result


def _notify_sources(
    *,
    recommendation: Recommendation,
    proposal_ids: list[int],
    kind: str,
    action: ActionItem | None = None,
) -> int:
    """One notification per contributor of these proposals (one per person, not per proposal)."""
    if not proposal_ids:
        return 0
    from proposals.models import Proposal

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
    from proposals.models import ProposalStatus

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


def digest_email(*, user, notifications):
    """One person's digest e-mail (text and HTML), in the active language."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils.translation import ngettext

    from outbox.services import Email

    count = len(notifications)
    followed = [n for n in notifications if n.kind == NotificationKind.FOLLOW]
    ideas = [n for n in notifications if n.kind != NotificationKind.FOLLOW]
    if ideas:
        subject = ngettext(
            "Ce qu'est devenue votre idée — %(count)d nouvelle",
            "Ce que sont devenues vos idées — %(count)d nouvelles",
            count,
        ) % {"count": count}
    else:
        subject = ngettext(
            "Ce que vous suivez — %(count)d nouvelle",
            "Ce que vous suivez — %(count)d nouvelles",
            count,
        ) % {"count": count}
    subject = f"{settings.PLATFORM_NAME} : {subject}"
    context = {
        "user": user,
        "notifications": notifications,
        "ideas": ideas,
        "followed": followed,
        "base_url": site_url(),
    }
    body = render_to_string("decisions/email/digest.txt", context)
    return Email(
        to=user.email, subject=subject, body=body, html=html_from_text(body, subject=subject)
    )


def notifications_send_digest(*, now=None, send_after_commit: bool = True) -> int:
    """Queue for each opted-in person one e-mail of the notifications not yet e-mailed, in French.

    Returns the number of e-mails queued (``outbox``: sent after commit, retried by
    ``send_outbox``). Safe to run twice, even at once: the notifications are locked
    (PostgreSQL) and stamped in the transaction that queues their e-mail.
    """
    from django.utils import translation

    from outbox.services import mail_opted_in, outbox_enqueue

    now = now or timezone.now()
    with transaction.atomic():
        pending = (
            Notification.objects.for_digest()
            .filter(mail_opted_in("recipient__"), created_at__lte=now)
            .select_related("recipient")
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("recipient_id", "created_at", "pk")
        )
        by_user: dict[int, list[Notification]] = {}
        for notification in pending:
            by_user.setdefault(notification.recipient_id, []).append(notification)
        if not by_user:
            return 0
        with translation.override("fr"):
            emails = [
                digest_email(user=items[0].recipient, notifications=items)
                for items in by_user.values()
            ]
        Notification.objects.filter(
            pk__in=[n.pk for items in by_user.values() for n in items]
        ).update(emailed_at=now)
        return outbox_enqueue(
            kind="decisions.digest", emails=emails, send_after_commit=send_after_commit
        )
