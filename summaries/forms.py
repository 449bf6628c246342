from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.models import Axis
from summaries.models import Scope, section_label


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
    """The editor's text, and the sections: their order (``order``, one hidden input per
    section in display order: the page's drag and move buttons reorder them), whether each is
    shown, and the editor's note for each. Works without JavaScript: « Monter » and
    « Descendre » are submit buttons (``move=<key>:up``)."""

    title = forms.CharField(label=_("Titre"), max_length=200)
    intro = forms.CharField(
        label=_("Introduction (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, sections: list[dict], scope: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.section_keys = [s["key"] for s in sections]
        if self.is_bound:
            posted = self.data.getlist("order") if hasattr(self.data, "getlist") else []
            # Re-displayed after an error, the rows keep the order the editor gave them.
            if sorted(posted) == sorted(self.section_keys):
                self.section_keys = posted
        for section in sections:
            key = section["key"]
            label = section_label(key, scope)
            self.fields[f"shown_{key}"] = forms.BooleanField(
                label=_("Afficher"),
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

    def clean(self):
        cleaned = super().clean()
        if self.is_bound and sorted(self.data.getlist("order")) != sorted(self.section_keys):
            raise forms.ValidationError(
                _("L'ordre des sections envoyé est incomplet. Rechargez la page.")
            )
        return cleaned

    def section_rows(self):
        """Bound fields grouped per section, in display order, for the template."""
        count = len(self.section_keys)
        for position, key in enumerate(self.section_keys, start=1):
            yield {
                "key": key,
                "label": section_label(key, self.scope),
                "position": position,
                "count": count,
                "first": position == 1,
                "last": position == count,
                "shown": self[f"shown_{key}"],
                "note": self[f"note_{key}"],
            }

    def sections_payload(self, order: list[str] | None = None) -> list[dict]:
        """The sections in ``order`` (the posted order by default), for the services."""
        return [
            {
                "key": key,
                "shown": self.cleaned_data[f"shown_{key}"],
                "note": self.cleaned_data[f"note_{key}"],
            }
            for key in (order or self.data.getlist("order"))
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
