from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.models import Axis
from summaries.models import Scope, SectionKey

LABELS = dict(SectionKey.choices)


class SummaryCreateForm(forms.Form):
    """A summary of a period or of an axis (workshop ones come in one click from the workshop)."""

    scope = forms.ChoiceField(
        label=_("Périmètre"),
        choices=[(Scope.PERIOD, Scope.PERIOD.label), (Scope.AXIS, Scope.AXIS.label)],
    )
    title = forms.CharField(
        label=_("Titre"),
        max_length=200,
        required=False,
        help_text=_("Laissez vide pour un titre proposé d'après le périmètre."),
    )
    axis = forms.ModelChoiceField(
        label=_("Axe"), queryset=Axis.objects.all(), required=False, empty_label="—"
    )
    period_start = forms.DateField(
        label=_("Début de la période"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.DateField(
        label=_("Fin de la période"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class SummaryDraftForm(forms.Form):
    """The editor's text and the order of the sections (plain numbers: works without JavaScript)."""

    title = forms.CharField(label=_("Titre"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, sections: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.section_keys = [s["key"] for s in sections]
        for position, section in enumerate(sections, start=1):
            key = section["key"]
            label = LABELS.get(key, key)
            self.fields[f"position_{key}"] = forms.IntegerField(
                label=_("Position de « %(section)s »") % {"section": label},
                min_value=1,
                max_value=len(sections),
                initial=position,
            )
            self.fields[f"shown_{key}"] = forms.BooleanField(
                label=_("Afficher « %(section)s »") % {"section": label},
                required=False,
                initial=section.get("shown", True),
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label=_("Texte de l'éditeur·rice pour « %(section)s » (Markdown)")
                % {"section": label},
                required=False,
                initial=section.get("note", ""),
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def section_rows(self):
        """Bound fields grouped per section, for the template."""
        for key in self.section_keys:
            yield {
                "key": key,
                "label": LABELS.get(key, key),
                "position": self[f"position_{key}"],
                "shown": self[f"shown_{key}"],
                "note": self[f"note_{key}"],
            }

    def sections_payload(self) -> list[dict]:
        return [
            {
                "key": key,
                "position": self.cleaned_data[f"position_{key}"],
                "shown": self.cleaned_data[f"shown_{key}"],
                "note": self.cleaned_data[f"note_{key}"],
            }
            for key in self.section_keys
        ]


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label=_("Ce que corrige cette version"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Obligatoire pour une correction : elle est affichée avec la nouvelle version."
        ),
    )
