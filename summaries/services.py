"""Writes on decision summaries: create, regenerate, edit the draft, publish (and notify)."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.services import audit_record
from decisions.follows import notify_summary_published
from ops.jobs import enqueue_on_commit
from project.errors import DomainError, PermissionDeniedError
from project.sanitizer import markdown_to_html
from project.text import clean_line
from summaries.generation import scope_for_summary, summary_data_generate
from summaries.models import SECTION_KEYS, DecisionSummary, Scope, SummaryVersion
from summaries.rules import can_edit_summaries
from summaries.tasks import render_version_pdf, send_publication_emails

logger = logging.getLogger(__name__)

TITLE_MAX = 200
NOTE_MAX = 20_000
# Workshops a summary can be generated for: the room is over.
SUMMARISABLE_WORKSHOP_STATES = ("closed", "published")


def _require_editor(actor) -> None:
    if not can_edit_summaries(actor):
        raise PermissionDeniedError(_("Seul·es les éditeur·rices du Codev peuvent faire cela."))


def _require_public_workshop(workshop) -> None:
    """A summary is published: a private (or draft) workshop gets none (issue 22)."""
    from workshops.models import is_publicly_visible

    if not is_publicly_visible(workshop):
        raise DomainError(
            "workshop_not_public",
            _("Un atelier privé n'a pas de synthèse publique."),
            field="workshop",
        )


def default_sections() -> list[dict]:
    return [{"key": key, "shown": True, "note": "", "note_html": ""} for key in SECTION_KEYS]


def _unique_slug(title: str) -> str:
    base = slugify(title)[:70].strip("-") or "synthese"
    slug, n = base, 2
    while DecisionSummary.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _clean_title(title: str) -> str:
    title = clean_line(title)
    if not title:
        raise DomainError("invalid_title", _("Indiquez un titre."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(
            "invalid_title",
            _("Le titre ne peut dépasser %(max)d caractères.") % {"max": TITLE_MAX},
            field="title",
        )
    return title


@transaction.atomic
def summary_create(
    *,
    actor,
    scope: str,
    title: str = "",
    workshop=None,
    axis=None,
    period_start: date | None = None,
    period_end: date | None = None,
) -> DecisionSummary:
    """A new draft for a workshop, an axis or a period, with its sections generated now."""
    _require_editor(actor)
    if scope == Scope.WORKSHOP:
        if workshop is None:
            raise DomainError("invalid_scope", _("Choisissez un atelier."), field="workshop")
        _require_public_workshop(workshop)
        title = title or _("Synthèse de l'atelier « %(title)s »") % {"title": workshop.title}
        axis = period_start = period_end = None
    elif scope == Scope.AXIS:
        if axis is None:
            raise DomainError("invalid_scope", _("Choisissez un axe."), field="axis")
        title = title or _("Synthèse : %(axis)s") % {"axis": axis.title}
        workshop = None
    elif scope == Scope.PERIOD:
        if not period_start or not period_end:
            raise DomainError(
                "invalid_scope", _("Indiquez le début et la fin de la période."), field="period_end"
            )
        if period_end < period_start:
            raise DomainError(
                "invalid_scope",
                _("La fin de la période doit suivre son début."),
                field="period_end",
            )
        title = title or _("Synthèse du %(start)s au %(end)s") % {
            "start": period_start.strftime("%d/%m/%Y"),
            "end": period_end.strftime("%d/%m/%Y"),
        }
        workshop = axis = None
    else:
        raise DomainError("invalid_scope", _("Choisissez un périmètre."), field="scope")
    title = _clean_title(title)
    summary = DecisionSummary(
        slug=_unique_slug(title),
        title=title,
        scope=scope,
        workshop=workshop,
        axis=axis,
        period_start=period_start,
        period_end=period_end,
        sections=default_sections(),
        created_by=actor,
    )
    summary.data = summary_data_generate(scope_for_summary(summary))
    summary.generated_at = timezone.now()
    summary.save()
    audit_record(actor=actor, action="summary.created", target=summary, data={"scope": scope})
    return summary


def summary_create_for_workshop(*, actor, workshop) -> DecisionSummary:
    """The one-click draft of a closed workshop; clicking twice opens the same draft."""
    _require_editor(actor)
    with transaction.atomic():
        # Lock the workshop row: two editors clicking at once get one draft.
        workshop = type(workshop).objects.select_for_update().get(pk=workshop.pk)
        if workshop.state not in SUMMARISABLE_WORKSHOP_STATES:
            raise DomainError(
                "workshop_not_closed",
                _("La synthèse se prépare une fois l'atelier clos."),
            )
        _require_public_workshop(workshop)
        existing = DecisionSummary.objects.filter(workshop=workshop, scope=Scope.WORKSHOP).first()
        if existing is not None:
            return existing
        return summary_create(actor=actor, scope=Scope.WORKSHOP, workshop=workshop)


def summary_regenerate(*, summary: DecisionSummary, actor) -> DecisionSummary:
    """Refresh the draft's figures from the data as it is now (published versions keep theirs)."""
    _require_editor(actor)
    summary.data = summary_data_generate(scope_for_summary(summary))
    summary.generated_at = timezone.now()
    summary.save(update_fields=["data", "generated_at", "updated_at"])
    return summary


def summary_draft_update(
    *, summary: DecisionSummary, actor, title: str, intro: str, sections: list[dict]
) -> DecisionSummary:
    """Save the editor's text and section order.

    ``sections`` is a list of ``{"key", "shown", "note", "position"}``; every
    generated section must appear once. Markdown is sanitised here, once.
    """
    _require_editor(actor)
    title = _clean_title(title)
    if len(intro or "") > NOTE_MAX:
        raise DomainError("too_long", _("L'introduction est trop longue."), field="intro")
    keys = [s.get("key") for s in sections]
    if sorted(keys) != sorted(SECTION_KEYS):
        raise DomainError("invalid_sections", _("Les sections envoyées sont incomplètes."))
    ordered = sorted(
        enumerate(sections), key=lambda pair: (pair[1].get("position", pair[0]), pair[0])
    )
    cleaned = []
    for _index, section in ordered:
        note = section.get("note") or ""
        if len(note) > NOTE_MAX:
            raise DomainError(
                "too_long",
                _("Le texte d'une section est trop long."),
                field=f"note_{section['key']}",
            )
        cleaned.append(
            {
                "key": section["key"],
                "shown": bool(section.get("shown", True)),
                "note": note,
                "note_html": markdown_to_html(note) if note.strip() else "",
            }
        )
    summary.title = title
    summary.intro = intro or ""
    summary.intro_html = markdown_to_html(intro) if (intro or "").strip() else ""
    summary.sections = cleaned
    summary.save(update_fields=["title", "intro", "intro_html", "sections", "updated_at"])
    return summary


def summary_publish(
    *, summary: DecisionSummary, actor, change_note: str = "", request=None
) -> SummaryVersion:
    """Freeze the draft into a new public version; the participants who opted in are told by e-mail.

    The first publication is version 1; each later one is a correction and
    needs a note saying what changed.
    """
    from summaries.presentation import version_text

    _require_editor(actor)
    change_note = (change_note or "").strip()
    with transaction.atomic():
        locked = DecisionSummary.objects.select_for_update().get(pk=summary.pk)
        last = locked.versions.order_by("-number").first()
        if last is not None and not change_note:
            raise DomainError(
                "change_note_required",
                _("Dites en une phrase ce que corrige cette nouvelle version."),
                field="change_note",
            )
        if len(change_note) > 2000:
            raise DomainError("too_long", _("La note est trop longue."), field="change_note")
        if not locked.data:
            raise DomainError("not_generated", _("Générez d'abord les données de la synthèse."))
        if locked.scope == Scope.WORKSHOP and locked.workshop_id is not None:
            # The workshop may have turned private since its draft was made.
            _require_public_workshop(locked.workshop)
        version = SummaryVersion(
            summary=locked,
            number=(last.number + 1) if last else 1,
            title=locked.title,
            intro_html=locked.intro_html,
            sections=locked.sections,
            data=locked.data,
            generated_at=locked.generated_at,
            change_note=change_note,
            published_at=timezone.now(),
            published_by=actor,
        )
        version.text = version_text(version)
        version.save()
        locked.current_version = version
        locked.save(update_fields=["current_version", "updated_at"])
        audit_record(
            actor=actor,
            action="summary.published",
            target=locked,
            data={"version": version.number, "change_note": change_note},
            request=request,
        )
        if version.number == 1:
            # Corrections are not mailed again: the page shows them to whoever comes back.
            # The e-mails are written and sent by a task queued after commit: the request
            # neither builds them nor waits on SMTP; what fails is retried by send_outbox.
            enqueue_on_commit(send_publication_emails, version.pk)
            notify_summary_published(version=version, actor=actor)  # followers, after commit
        if settings.SUMMARY_PDF_ON_PUBLISH:
            # The PDF too (1.6–3.6 s on the first reader's request before): the page says
            # « PDF en préparation » and links it once rendered.
            enqueue_on_commit(render_version_pdf, version.pk)
    summary.refresh_from_db()
    return version
