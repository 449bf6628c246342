from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorKind(models.TextChoices):
    SUCCESS = "success", _("Indicateur de réussite PMA 2030")
    CONTEXT = "context", _("Indicateur de contexte")
    CUSTOM = "custom", _("Indicateur complémentaire")


class Direction(models.TextChoices):
    UP = "up", _("À la hausse")
    DOWN = "down", _("À la baisse")


class IndicatorQuerySet(models.QuerySet):
    """Indicators in display order: success indicators first."""

    def success(self) -> IndicatorQuerySet:
        return self.filter(kind=IndicatorKind.SUCCESS)


class Indicator(models.Model):
    """A measure of progress toward 2030: the founding document's 4, context figures, or custom ones."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    kind = models.CharField(
        _("type"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.CUSTOM
    )
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    axis = models.ForeignKey(
        "proposals.Axis",
        verbose_name=_("axe"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
    )
    unit = models.CharField(_("unité"), max_length=40)
    source = models.CharField(_("source"), max_length=200, blank=True)
    baseline_value = models.DecimalField(
        _("valeur de référence"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_date = models.DateField(_("date de la référence"), null=True, blank=True)
    target_2030 = models.DecimalField(
        _("cible 2030"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    direction = models.CharField(
        _("sens souhaité"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    context_note = models.TextField(_("éléments de comparaison"), blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    """A dated value of an indicator, entered by a Codev editor, with its source."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    date = models.DateField(_("date"))
    value = models.DecimalField(_("valeur"), max_digits=14, decimal_places=2)
    source = models.CharField(_("source"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")
        ordering = ["indicator", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "date"], name="measurement_unique_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.date}: {self.value}"
