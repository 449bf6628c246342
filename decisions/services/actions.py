"""Action items: what a recommendation commits to, and their dated public updates."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from decisions import follows
from decisions.models import (
    ActionItem,
    ActionStatus,
    ActionUpdate,
    Indicator,
    NotificationKind,
    OwnerKind,
    Recommendation,
)
from decisions.rules import require_editor
from decisions.services.cleaning import bounded_line, decimal_amount, long_text, require_text
from decisions.services.history import apply_fields, record_history
from decisions.services.notifications import contributors_of, notify_sources
from project.errors import DomainError
from project.sanitizer import markdown_to_html
from project.translated import bilingual

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


def _clean_action_values(values: dict) -> dict:
    if "title" in values:
        values["title"] = require_text(values["title"], "title", _("Indiquez un titre."))
    if "title_en" in values:
        values["title_en"] = bounded_line(values["title_en"], "title_en", max_length=200)
    if "owner_name" in values:
        values["owner_name"] = require_text(
            values["owner_name"], "owner_name", _("Indiquez l'organisation porteuse.")
        )
    if "lead_name" in values:
        values["lead_name"] = bounded_line(values["lead_name"], "lead_name", max_length=120)
    if "description" in values:
        values["description"] = long_text(values["description"], "description")
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
        values["budget"] = decimal_amount(values["budget"], "budget")
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
    record_history(actor=actor, verb="created", action=action)
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
    changes = apply_fields(action, ACTION_FIELDS, values)
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
    record_history(actor=actor, verb="updated", changes=changes, action=action)
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
    text = long_text(text, "text", max_length=5000)
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
    record_history(actor=actor, verb="reported", changes=changes, note=text[:500], action=action)
    if action.recommendation.is_public:
        _announce_update(action, update, actor)
    return update


def _announce_update(action: ActionItem, update: ActionUpdate, actor) -> None:
    """A new status is told to the contributors of the recommendation's sources; the update
    to those who follow the action (a contributor already told is not told twice)."""
    told: set[int] = set()
    if update.status_changed:
        source_ids = list(action.recommendation.sources.values_list("proposal_id", flat=True))
        notify_sources(
            recommendation=action.recommendation,
            proposal_ids=source_ids,
            kind=NotificationKind.ACTION_STATUS,
            action=action,
        )
        told = set(contributors_of(source_ids))
    follows.notify_action_update(update=update, actor=actor, exclude=told)
