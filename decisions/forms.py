"""Forms of the decision pages; they only parse input — the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from decisions.models import (
    ActionItem,
    ActionStatus,
    Indicator,
    OwnerKind,
    Recommendation,
    RecommendationStatus,
)
from project.ids import parse_id
from project.translated import translated_fields
from proposals.models import Axis
from votes.models import SessionState, VoteSession


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


ENGLISH_HELP = _("Pour les pages en anglais ; vide, elles montrent le texte français.")


class BilingualModelForm(forms.ModelForm):
    """A form whose plain fields (`title`) are the French and `<field>_en` the English.

    Django fills a model form from the model's attributes, which read the column of the
    active language: an editor on an English page would otherwise see (and save as French)
    the English text.
    """

    english_labels: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in translated_fields(self._meta.model):
            if self.instance.pk and name in self.fields:
                self.initial[name] = getattr(self.instance, f"{name}_fr")
            field = self.fields.get(f"{name}_en")
            if field is not None:
                field.required = False
                field.label = self.english_labels.get(name, field.label)
                field.help_text = ENGLISH_HELP


class RecommendationForm(BilingualModelForm):
    english_labels = {"title": _("Titre en anglais")}

    class Meta:
        model = Recommendation
        fields = ["title", "title_en", "axis", "body", "rationale"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8}),
            "rationale": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "body": _("Markdown simple : **gras**, *italique*, listes, liens."),
            "rationale": _("Pourquoi le Codev recommande cela : constats, débats, votes."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["axis"].queryset = Axis.objects.order_by("order")


class RecommendationCreateForm(RecommendationForm):
    """Creation from the board: the selected proposals become the sources."""

    proposals = forms.ModelMultipleChoiceField(
        label=_("Propositions sources"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note sur les sources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Pourquoi ces propositions fondent la recommandation (visible publiquement)."),
    )

    class Meta(RecommendationForm.Meta):
        pass

    vote_session = forms.ModelChoiceField(
        label=_("Vote à l'appui"),
        queryset=None,
        required=False,
        help_text=_("Le vote clos dont les résultats appuient la recommandation."),
    )

    def __init__(self, *args, proposal_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = proposal_queryset
        self.fields["vote_session"].queryset = VoteSession.objects.filter(
            state__in=[SessionState.CLOSED, SessionState.PUBLISHED]
        ).order_by("-closed_at", "-pk")

    @classmethod
    def preselected(cls, candidates, *, vote=None):
        """The empty form with every candidate proposal ticked, the vote (an id as typed in
        the query string) chosen, and the first candidate's axis."""
        initial = {"proposals": [p.pk for p in candidates]}
        if (vote_id := parse_id(vote)) is not None:
            initial["vote_session"] = vote_id
        first = next(iter(candidates), None)
        if first is not None:
            initial["axis"] = first.axis_id
        return cls(initial=initial, proposal_queryset=candidates)


class RecommendationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Nouveau statut"), choices=RecommendationStatus.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionItemForm(BilingualModelForm):
    english_labels = {"title": _("Titre en anglais")}

    class Meta:
        model = ActionItem
        fields = [
            "title",
            "title_en",
            "description",
            "owner_kind",
            "owner_name",
            "lead_name",
            "start_date",
            "due_date",
            "budget",
            "indicators",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "start_date": DateInput(),
            "due_date": DateInput(),
            "indicators": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = Indicator.objects.all()


class ActionReportForm(forms.Form):
    date = forms.DateField(label=_("Date du point d'étape"), widget=DateInput())
    text = forms.CharField(
        label=_("Où en est l'action ?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Texte public (Markdown simple)."),
    )
    progress = forms.IntegerField(label=_("Avancement (%)"), min_value=0, max_value=100)
    status = forms.ChoiceField(label=_("Statut"), choices=ActionStatus.choices)


class IndicatorForm(BilingualModelForm):
    english_labels = {
        "name": _("Nom en anglais"),
        "description": _("Description en anglais"),
        "unit": _("Unité en anglais"),
        "context_note": _("Éléments de comparaison en anglais"),
    }

    class Meta:
        model = Indicator
        fields = [
            "name",
            "name_en",
            "description",
            "description_en",
            "axis",
            "unit",
            "unit_en",
            "source",
            "baseline_value",
            "baseline_date",
            "target_2030",
            "direction",
            "context_note",
            "context_note_en",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "context_note": forms.Textarea(attrs={"rows": 2}),
            "context_note_en": forms.Textarea(attrs={"rows": 2}),
            "baseline_date": DateInput(),
        }


class IndicatorCreateForm(IndicatorForm):
    slug = forms.SlugField(
        label=_("Identifiant (dans l'adresse)"),
        required=False,
        help_text=_("Laissez vide pour le déduire du nom."),
    )


class MeasurementForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    value = forms.DecimalField(label=_("Valeur"), max_digits=14, decimal_places=2)
    source = forms.CharField(label=_("Source"), max_length=200)


class ActionFilterForm(forms.Form):
    """The tracker's filters (GET)."""

    axis = forms.ModelChoiceField(
        label=_("Axe"),
        queryset=Axis.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label=_("Tous les axes"),
    )
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous les statuts")), *ActionStatus.choices],
    )
    owner = forms.ChoiceField(label=_("Porteur"), required=False, choices=[])
    overdue = forms.BooleanField(label=_("En retard seulement"), required=False)
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["axis"].queryset = Axis.objects.order_by("order")
        self.fields["owner"].choices = [("", _("Tous les porteurs")), *OwnerKind.choices]
