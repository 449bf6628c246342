"""Forms of the decision pages; they only parse input — the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from decisions.models import (
    ActionItem,
    ActionStatus,
    Indicator,
    Recommendation,
    RecommendationStatus,
)
from proposals.models import Axis


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["title", "axis", "body", "rationale"]
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
    more_proposals = forms.CharField(
        label=_("Autres propositions (numéros)"),
        required=False,
        max_length=300,
        help_text=_("Numéros séparés par des virgules ou des espaces, par exemple : 12, 15, 31."),
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

    def clean_more_proposals(self) -> list[int]:
        import re

        raw = self.cleaned_data.get("more_proposals") or ""
        parts = [p for p in re.split(r"[\s,;]+", raw) if p]
        from project.ids import parse_id

        ids = [parse_id(p) for p in parts]
        if None in ids:
            raise forms.ValidationError(_("Indiquez des numéros de propositions."))
        return ids

    def __init__(self, *args, proposal_queryset=None, **kwargs):
        from votes.models import SessionState, VoteSession

        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = proposal_queryset
        self.fields["vote_session"].queryset = VoteSession.objects.filter(
            state__in=[SessionState.CLOSED, SessionState.PUBLISHED]
        ).order_by("-closed_at", "-pk")


class VoteSourceAddForm(forms.Form):
    session = forms.IntegerField(
        label=_("Numéro du vote"),
        min_value=1,
        help_text=_("Le numéro figure dans l'adresse de la page de résultats du vote."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RecommendationStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Nouveau statut"), choices=RecommendationStatus.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SourceAddForm(forms.Form):
    proposal = forms.IntegerField(
        label=_("Numéro de la proposition"),
        min_value=1,
        # Help texts are HTML (the form templates mark them safe): no « <numéro> » here,
        # which the browser took for a tag and showed « (/propositions//) ».
        help_text=_(
            "Le numéro figure dans l'adresse de la proposition : 123 pour /propositions/123/."
        ),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class GroupSourceAddForm(forms.Form):
    prefix = "idea-group"  # its own field ids beside the other forms of the page

    group = forms.IntegerField(
        label=_("Numéro du groupe d'idées"),
        min_value=1,
        help_text=_(
            "Le numéro figure sur le panneau de regroupement de l'atelier (« Groupe n° … »). "
            "Chacune de ses idées devient une source."
        ),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = [
            "title",
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


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "name",
            "description",
            "axis",
            "unit",
            "source",
            "baseline_value",
            "baseline_date",
            "target_2030",
            "direction",
            "context_note",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "context_note": forms.Textarea(attrs={"rows": 2}),
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
        from decisions.models import OwnerKind

        super().__init__(*args, **kwargs)
        self.fields["axis"].queryset = Axis.objects.order_by("order")
        self.fields["owner"].choices = [("", _("Tous les porteurs")), *OwnerKind.choices]
