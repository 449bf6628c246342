"""Indicators of the territory and their dated measurements."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from decisions.models import Direction, Indicator, Measurement
from decisions.rules import require_editor
from decisions.services.cleaning import bounded_line, decimal_amount, long_text, require_text
from decisions.services.history import apply_fields, as_text, record_history
from project.errors import DomainError
from project.translated import bilingual

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


def _clean_indicator_values(values: dict) -> dict:
    if "name" in values:
        values["name"] = require_text(values["name"], "name", _("Indiquez un nom."))
    if "unit" in values:
        values["unit"] = require_text(
            values["unit"], "unit", _("Indiquez une unité."), max_length=40
        )
    if "source" in values:
        values["source"] = bounded_line(values["source"], "source", max_length=200)
    if "name_en" in values:
        values["name_en"] = bounded_line(values["name_en"], "name_en", max_length=200)
    if "unit_en" in values:
        values["unit_en"] = bounded_line(values["unit_en"], "unit_en", max_length=40)
    for name in ("description", "context_note", "description_en", "context_note_en"):
        if name in values:
            values[name] = long_text(values[name], name, max_length=5000)
    for name in ("baseline_value", "target_2030"):
        if name in values:
            values[name] = decimal_amount(values[name], name)
    if "direction" in values and values["direction"] not in Direction.values:
        raise DomainError("invalid_direction", _("Sens inconnu."), field="direction")
    return values


@transaction.atomic
def indicator_create(*, actor, slug: str, **values) -> Indicator:
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
    record_history(actor=actor, verb="created", indicator=indicator)
    return indicator


@transaction.atomic
def indicator_update(*, indicator: Indicator, actor, **values) -> Indicator:
    require_editor(actor)
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    values = _clean_indicator_values(values)
    changes = apply_fields(indicator, INDICATOR_FIELDS, values)
    if changes:
        indicator.save()
        record_history(actor=actor, verb="updated", changes=changes, indicator=indicator)
    return indicator


@transaction.atomic
def measurement_record(
    *, indicator: Indicator, actor, on: date, value, source: str = ""
) -> Measurement:
    """Record the value of an indicator on a date (a second value for the same date replaces it)."""
    require_editor(actor)
    value = decimal_amount(value, "value")
    if value is None:
        raise DomainError("invalid_number", _("Indiquez un nombre."), field="value")
    if on is None:
        raise DomainError("required", _("Indiquez la date de la mesure."), field="date")
    source = require_text(source, "source", _("Indiquez la source de la mesure."))
    existing = Measurement.objects.select_for_update().filter(indicator=indicator, date=on).first()
    old = as_text(existing.value) if existing else ""
    measurement, _created = Measurement.objects.update_or_create(
        indicator=indicator,
        date=on,
        defaults={"value": value, "source": source, "entered_by": actor},
    )
    record_history(
        actor=actor,
        verb="measured",
        changes={on.isoformat(): [old, as_text(value)]},
        note=source,
        indicator=indicator,
    )
    return measurement


@transaction.atomic
def measurement_delete(*, measurement: Measurement, actor) -> None:
    require_editor(actor)
    record_history(
        actor=actor,
        verb="measurement_deleted",
        changes={measurement.date.isoformat(): [as_text(measurement.value), ""]},
        indicator=measurement.indicator,
    )
    measurement.delete()
