"""Creating and editing a workshop from the site (its details, not its agenda)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.services import audit_record
from project.errors import DomainError, PermissionDeniedError
from project.text import clean_line, strip_invisible
from project.translated import bilingual, translated_fields
from workshops import rules
from workshops.models import (
    Place,
    Visibility,
    Workshop,
    WorkshopState,
)
from workshops.services.agenda import agenda_create_default
from workshops.services.joining import join_code_generate
from workshops.services.rights import locked_workshop

WORKSHOP_DESCRIPTION_MAX = 5000


EDITABLE_STATES = (WorkshopState.DRAFT, WorkshopState.SCHEDULED, WorkshopState.LIVE)


# Paths under /ateliers/ that are pages, not workshops.
RESERVED_SLUGS = frozenset({"nouveau"})


def _require_can_create(actor) -> None:
    if not rules.can_create_workshop(actor):
        raise PermissionDeniedError("forbidden", _("Réservé aux animateur·rices du Codev."))


def _clean_workshop_fields(
    *,
    title: str,
    description: str,
    starts_at,
    ends_at,
    place: str,
    location: str,
    capacity: int | None,
    visibility: str,
    video_url: str,
    livestream_url: str,
    title_en: str = "",
    description_en: str = "",
) -> dict:
    """The workshop's editable fields, checked; DomainError (with ``field``) on the first fault.

    ``title``/``description`` are the French; ``title_en``/``description_en`` the English
    (optional: English pages show the French when they are empty)."""
    title = _clean_title(title, field="title", required=True)
    description = _clean_description(description, field="description")
    _check_schedule(starts_at, ends_at)
    if place not in Place.values:
        raise DomainError("invalid_place", _("Choisissez un lieu."), field="place")
    location = clean_line(location, max_length=200)
    if capacity is not None and capacity < 1:
        raise DomainError(
            "invalid_capacity",
            _("La capacité est d'au moins une personne (laissez vide pour ne pas limiter)."),
            field="capacity",
        )
    if visibility not in Visibility.values:
        raise DomainError("invalid_visibility", _("Choisissez une visibilité."), field="visibility")
    urls = {
        "video_url": _clean_https_url(video_url, field="video_url"),
        "livestream_url": _clean_https_url(livestream_url, field="livestream_url"),
    }
    title_en = _clean_title(title_en, field="title_en", required=False)
    description_en = _clean_description(description_en, field="description_en")
    return {
        "title": title,
        "title_en": title_en,
        "description": description,
        "description_en": description_en,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place,
        "location": location,
        "capacity": capacity,
        "visibility": visibility,
        **urls,
    }


def _clean_title(title: str, *, field: str, required: bool) -> str:
    title = clean_line(title or "")
    if required and not title:
        raise DomainError("invalid_title", _("Donnez un titre à l'atelier."), field=field)
    if len(title) > 200:
        raise DomainError("invalid_title", _("Le titre fait au plus 200 caractères."), field=field)
    return title


def _clean_description(description: str, *, field: str) -> str:
    description = strip_invisible(description or "").strip()
    if len(description) > WORKSHOP_DESCRIPTION_MAX:
        raise DomainError(
            "invalid_description",
            _("La description fait au plus %(max)s caractères.")
            % {"max": WORKSHOP_DESCRIPTION_MAX},
            field=field,
        )
    return description


def _check_schedule(starts_at, ends_at) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise DomainError(
            "invalid_schedule", _("La fin doit venir après le début."), field="ends_at"
        )
    if ends_at and not starts_at:
        raise DomainError(
            "invalid_schedule", _("Indiquez aussi le début de l'atelier."), field="starts_at"
        )


def _clean_https_url(value: str, *, field: str) -> str:
    """An https:// address of at most 200 characters, or ""."""
    value = (value or "").strip()
    if not value:
        return value
    try:
        URLValidator(schemes=["https"])(value)
    except ValidationError:
        raise DomainError(
            "invalid_url",
            _("Indiquez une adresse complète commençant par https://."),
            field=field,
        ) from None
    if len(value) > 200:
        raise DomainError("invalid_url", _("L'adresse fait au plus 200 caractères."), field=field)
    return value


def _workshop_slug(title: str) -> str:
    """A slug from the title, unique among workshops (``-2``, ``-3``… when taken)."""
    base = slugify(title)[:70].strip("-") or "atelier"
    taken = RESERVED_SLUGS | set(
        Workshop.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def workshop_create(
    *,
    actor,
    title: str,
    description: str = "",
    axes=(),
    starts_at=None,
    ends_at=None,
    place: str = "on_site",
    location: str = "",
    capacity: int | None = None,
    visibility: str = Visibility.PUBLIC,
    video_url: str = "",
    livestream_url: str = "",
    title_en: str = "",
    description_en: str = "",
    request=None,
) -> Workshop:
    """A new workshop, in draft: unique slug and join code, ``actor`` as facilitator, default agenda."""
    _require_can_create(actor)
    fields = _clean_workshop_fields(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        location=location,
        capacity=capacity,
        visibility=visibility,
        video_url=video_url,
        livestream_url=livestream_url,
        title_en=title_en,
        description_en=description_en,
    )
    axes = list(axes)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                workshop = Workshop.objects.create(
                    slug=_workshop_slug(fields["title"]),
                    join_code=join_code_generate(),
                    state=WorkshopState.DRAFT,
                    created_by=actor,
                    **bilingual(Workshop, fields),
                )
                workshop.facilitators.add(actor)
                if axes:
                    workshop.axes.set(axes)
                agenda_create_default(workshop=workshop)
                audit_record(
                    actor=actor,
                    action="workshop.created",
                    target=workshop,
                    data={"slug": workshop.slug, "visibility": workshop.visibility},
                    request=request,
                )
            return workshop
        except IntegrityError:
            continue  # the same slug or join code taken at the same moment by another request
    raise DomainError("create_failed", _("L'atelier n'a pas pu être créé ; réessayez."))


def workshop_update(
    *,
    workshop: Workshop,
    actor,
    title: str,
    description: str = "",
    axes=(),
    starts_at=None,
    ends_at=None,
    place: str = "on_site",
    location: str = "",
    capacity: int | None = None,
    visibility: str = Visibility.PUBLIC,
    video_url: str = "",
    livestream_url: str = "",
    title_en: str = "",
    description_en: str = "",
    request=None,
) -> Workshop:
    """Change a workshop's details (not its slug: links and QR codes already given keep working)."""
    if not rules.can_edit_workshop(actor, workshop):
        raise PermissionDeniedError(
            "forbidden", _("Réservé à l'équipe d'animation de cet atelier.")
        )
    fields = _clean_workshop_fields(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        location=location,
        capacity=capacity,
        visibility=visibility,
        video_url=video_url,
        livestream_url=livestream_url,
        title_en=title_en,
        description_en=description_en,
    )
    axes = list(axes)
    with transaction.atomic():
        locked = locked_workshop(workshop)
        if locked.state not in EDITABLE_STATES:
            raise DomainError("not_editable", _("Un atelier clos ou publié ne se modifie plus."))
        changed = _apply_changes(locked, fields, axes)
        if changed:
            audit_record(
                actor=actor,
                action="workshop.updated",
                target=locked,
                data={"fields": [name.removesuffix("_fr") for name in changed]},
                request=request,
            )
    return locked


def _apply_changes(locked: Workshop, fields: dict, axes: list) -> list[str]:
    """Save the columns and axes that differ; the names of what changed."""
    # The plain title/description are the French columns (not the active language's).
    columns = {
        column: value
        for column, value in bilingual(Workshop, fields).items()
        if column not in translated_fields(Workshop)
    }
    changed = [name for name, value in columns.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, columns[name])
    if changed:
        locked.save(update_fields=changed)
    old_axes = set(locked.axes.values_list("pk", flat=True))
    new_axes = {axis.pk for axis in axes}
    if old_axes != new_axes:
        locked.axes.set(axes)
        changed.append("axes")
    return changed
