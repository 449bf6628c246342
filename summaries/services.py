"""Writes on decision summaries: create, regenerate, edit the draft, publish (and notify)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
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
from summaries.generation import left_out, scope_for_summary, summary_data_generate
from summaries.models import SECTIONS_BY_SCOPE, DecisionSummary, Scope, SummaryVersion
from summaries.presentation import version_text
from summaries.rules import can_edit_summaries
from summaries.tasks import render_version_pdf, send_publication_emails
from workshops.models import WorkshopState, is_publicly_visible

logger = logging.getLogger(__name__)

TITLE_MAX = 200
NOTE_MAX = 20_000
# Workshops a summary can be generated for: the room is over.
SUMMARISABLE_WORKSHOP_STATES = (WorkshopState.CLOSED, WorkshopState.PUBLISHED)


def _require_editor(actor) -> None:
    if not can_edit_summaries(actor):
        raise PermissionDeniedError(
            "forbidden", _("Seul·es les éditeur·rices du Codev peuvent faire cela.")
        )


def _require_public_workshop(workshop) -> None:
    """A summary is published: a private (or draft) workshop gets none (docs/security.md)."""
    if not is_publicly_visible(workshop):
        raise DomainError(
            "workshop_not_public",
            _("Un atelier privé n'a pas de synthèse publique."),
            field="workshop",
        )


def default_sections(scope: str = Scope.WORKSHOP) -> list[dict]:
    """The sections fitting this kind of summary, in their default order, all shown."""
    return [
        {"key": key, "shown": True, "note": "", "note_html": ""}
        for key in SECTIONS_BY_SCOPE[Scope(scope)]
    ]


def normalised_sections(summary: DecisionSummary) -> list[dict]:
    """The draft's sections as the editor works on them: those fitting its kind, in its order
    (a draft made before the kinds had their own sections loses the unfit ones and gains the
    missing ones, at the end)."""
    fit = summary.section_keys
    kept = [s for s in summary.sections or [] if s.get("key") in fit]
    seen = {s["key"] for s in kept}
    return kept + [s for s in default_sections(summary.scope) if s["key"] not in seen]


def move_section(keys: list[str], key: str, offset: int) -> list[str]:
    """``keys`` with ``key`` moved by ``offset`` places (-1: up), stopping at either end."""
    if key not in keys:
        raise DomainError("invalid_sections", _("Cette section n'existe pas dans la synthèse."))
    keys = list(keys)
    index = keys.index(key)
    keys.insert(max(0, min(len(keys) - 1, index + offset)), keys.pop(index))
    return keys


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
        sections=default_sections(scope),
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


@dataclass
class DraftDocument:
    """What the draft would publish, with the editor's unsaved text: the live preview."""

    title: str
    intro_html: str
    sections: list[dict]
    data: dict


def _clean_draft(summary: DecisionSummary, *, title: str, intro: str, sections: list[dict]) -> dict:
    """The editor's text and section order, checked and sanitised (DomainError otherwise).

    ``sections``: ``{"key", "shown", "note"}`` in display order (a legacy ``position``, when
    given, orders them). Every section fitting the summary's kind must appear once, and no
    other.
    """
    title = _clean_title(title)
    if len(intro or "") > NOTE_MAX:
        raise DomainError("too_long", _("L'introduction est trop longue."), field="intro")
    keys = [s.get("key") for s in sections]
    if len(set(keys)) != len(keys) or set(keys) != set(summary.section_keys):
        raise DomainError(
            "invalid_sections",
            _("Les sections envoyées ne correspondent pas à celles de cette synthèse."),
        )
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
    intro = intro or ""
    return {
        "title": title,
        "intro": intro,
        "intro_html": markdown_to_html(intro) if intro.strip() else "",
        "sections": cleaned,
    }


def summary_draft_update(
    *, summary: DecisionSummary, actor, title: str, intro: str, sections: list[dict]
) -> DecisionSummary:
    """Save the editor's text and section order (see ``_clean_draft``); Markdown is sanitised
    here, once. Nothing is saved when anything is wrong."""
    _require_editor(actor)
    cleaned = _clean_draft(summary, title=title, intro=intro, sections=sections)
    summary.title = cleaned["title"]
    summary.intro = cleaned["intro"]
    summary.intro_html = cleaned["intro_html"]
    summary.sections = cleaned["sections"]
    summary.save(update_fields=["title", "intro", "intro_html", "sections", "updated_at"])
    return summary


def summary_draft_save(
    *,
    summary: DecisionSummary,
    actor,
    title: str,
    intro: str,
    sections: list[dict],
    move: tuple[str, int] | None = None,
    include: str = "",
    exclude: str = "",
) -> list[str]:
    """The editor's form, whichever of its buttons was pressed: the text typed so far is saved
    with a move (``(key, -1)``: up) or an inclusion/exclusion of a left-out item, so nothing
    the editor wrote is lost to a click. Returns the section keys in their saved order."""
    keys = [section["key"] for section in sections]
    if move is not None:
        keys = move_section(keys, *move)
        by_key = {section["key"]: section for section in sections}
        sections = [by_key[key] for key in keys]
    summary_draft_update(summary=summary, actor=actor, title=title, intro=intro, sections=sections)
    if include:
        summary_include(summary=summary, actor=actor, item=include)
    elif exclude:
        summary_exclude(summary=summary, actor=actor, item=exclude)
    return keys


def summary_draft_preview(
    *, summary: DecisionSummary, actor, title: str, intro: str, sections: list[dict]
) -> DraftDocument:
    """The document the draft would publish with this text and order, saving nothing."""
    _require_editor(actor)
    cleaned = _clean_draft(summary, title=title, intro=intro, sections=sections)
    return DraftDocument(
        title=cleaned["title"],
        intro_html=cleaned["intro_html"],
        sections=cleaned["sections"],
        data=summary.data,
    )


INCLUDABLE_KINDS = ("recommendations", "actions", "section")


def _parse_item(item: str) -> tuple[str, str]:
    kind, _sep, ref = (item or "").partition(":")
    if kind not in INCLUDABLE_KINDS or not ref:
        raise DomainError("not_includable", _("Cet élément ne peut pas être inclus."))
    return kind, ref


@transaction.atomic
def summary_include(*, summary: DecisionSummary, actor, item: str) -> DecisionSummary:
    """Show in the summary something it leaves out, where that is allowed (``generation.left_out``
    says what is and why): a hidden section, a draft or adopted recommendation (shown
    « en projet », its status unchanged: including is not adopting nor publishing), an action
    beyond the first ones. The figures are generated again."""
    _require_editor(actor)
    summary = DecisionSummary.objects.select_for_update().get(pk=summary.pk)
    kind, ref = _parse_item(item)
    offered = {entry.key for entry in left_out(summary) if entry.includable and not entry.included}
    if item not in offered:
        raise DomainError("not_includable", _("Cet élément ne peut pas être inclus."))
    if kind == "section":
        summary.sections = [
            {**s, "shown": True} if s["key"] == ref else s for s in normalised_sections(summary)
        ]
    else:
        included = dict(summary.included or {})
        included[kind] = sorted({*included.get(kind, []), int(ref)})
        summary.included = included
    summary.data = summary_data_generate(scope_for_summary(summary))
    summary.generated_at = timezone.now()
    summary.save(update_fields=["sections", "included", "data", "generated_at", "updated_at"])
    audit_record(actor=actor, action="summary.included", target=summary, data={"item": item})
    return summary


@transaction.atomic
def summary_exclude(*, summary: DecisionSummary, actor, item: str) -> DecisionSummary:
    """Take back an inclusion (``summary_include``): the item is left out again."""
    _require_editor(actor)
    summary = DecisionSummary.objects.select_for_update().get(pk=summary.pk)
    kind, ref = _parse_item(item)
    included = dict(summary.included or {})
    if kind == "section" or not ref.isdigit() or int(ref) not in included.get(kind, []):
        raise DomainError("not_included", _("Cet élément n'a pas été inclus."))
    included[kind] = [pk for pk in included[kind] if pk != int(ref)]
    summary.included = included
    summary.data = summary_data_generate(scope_for_summary(summary))
    summary.generated_at = timezone.now()
    summary.save(update_fields=["included", "data", "generated_at", "updated_at"])
    audit_record(actor=actor, action="summary.excluded", target=summary, data={"item": item})
    return summary


def summary_publish(
    *, summary: DecisionSummary, actor, change_note: str = "", request=None
) -> SummaryVersion:
    """Freeze the draft into a new public version; the participants who opted in are told by e-mail.

    The first publication is version 1; each later one is a correction and
    needs a note saying what changed.
    """
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
            sections=normalised_sections(locked),
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
