"""Forms of the vote pages: the ballot (one per method) and the session set-up.

The ballot form only parses what the browser sent; ``votes.services`` checks
it against the method (budget, cap, K…) so that the socket and the API get
the same checks. On an error the page shows the ballot again with what the
voter entered.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from proposals.models import Axis, Proposal
from votes.models import ANSWER_MAX_LENGTH, Method, Reveal


class BallotForm:
    """The choices of a submitted ballot: ``option-<id>`` fields, ``choice`` for a poll, ``answer``."""

    def __init__(self, session, data=None, initial: dict[str, Any] | None = None) -> None:
        self.session = session
        self.data = data
        self.initial = initial or {}
        self.errors: list[str] = []

    def choices(self) -> dict[str, Any]:
        data = self.data or {}
        method = self.session.method
        if method == Method.POLL:
            choice = data.get("choice")
            return {choice: 1} if choice else {}
        if method == Method.SUPPORT:
            return {key[7:]: 1 for key in data if key.startswith("option-") and data.get(key)}
        # Dots and grades: blank means none / ungraded.
        return {
            key[7:]: data.get(key)
            for key in data
            if key.startswith("option-") and str(data.get(key)).strip() != ""
        }

    def answer(self) -> str:
        return (self.data or {}).get("answer", "")

    def values(self) -> dict[str, Any]:
        """What to show in the inputs: the submitted data, else the voter's current ballot."""
        if self.data is not None:
            return {
                "choices": {str(k): str(v) for k, v in self.choices().items()},
                "answer": self.answer(),
            }
        choices = self.initial.get("choices") or {}
        return {
            "choices": {str(k): str(v) for k, v in choices.items()},
            "answer": self.initial.get("answer", ""),
        }


class _AxisField(forms.ModelChoiceField):
    """An axis of the board, or none: an unknown value reads as none (the whole board)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            return None


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    question = forms.CharField(
        label=_("Question posée"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    method = forms.ChoiceField(label=_("Méthode"), choices=Method.choices)
    reveal = forms.ChoiceField(
        label=_("Résultats"),
        choices=Reveal.choices,
        initial=Reveal.LIVE,
        help_text=_(
            "En direct : les résultats s'affichent pendant le vote. "
            "À la clôture : seule la participation s'affiche jusqu'à ce que vous dévoiliez."
        ),
    )
    proposals = forms.ModelMultipleChoiceField(
        label=_("Propositions soumises au vote"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    labels = forms.CharField(
        label=_("Options libres (une par ligne)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    max_choices = forms.IntegerField(
        label=_("Soutien : nombre maximal de choix"),
        required=False,
        min_value=1,
        help_text=_("Laisser vide pour autant de choix que d'options."),
    )
    dot_budget = forms.IntegerField(
        label=_("Gommettes par personne"), min_value=1, max_value=100, initial=5
    )
    dot_cap = forms.IntegerField(
        label=_("Gommettes maximum par option"), min_value=1, max_value=100, initial=3
    )
    axis = _AxisField(label=_("Axe (facultatif)"), queryset=Axis.objects.all(), required=False)
    starts_at = forms.DateTimeField(
        label=_("Ouverture"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=_("Clôture"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args, proposals_qs=None, board: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = (
            proposals_qs if proposals_qs is not None else Proposal.objects.none()
        )
        if not board:  # a workshop's session: no dates, no axis
            del self.fields["starts_at"]
            del self.fields["ends_at"]
            del self.fields["axis"]

    def labels_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("labels", "").splitlines()]

    def session_arguments(self) -> dict[str, Any]:
        """The valid form as the arguments of ``votes.services.creation.session_create``."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "question": data["question"],
            "method": data["method"],
            "reveal": data["reveal"],
            "axis": data.get("axis"),
            "starts_at": data.get("starts_at"),
            "ends_at": data.get("ends_at"),
            "max_choices": data.get("max_choices"),
            "dot_budget": data["dot_budget"],
            "dot_cap": data["dot_cap"],
            "proposals": data["proposals"],
            "labels": self.labels_list(),
        }


ANSWER_MAX = ANSWER_MAX_LENGTH
