from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from opinions.models import STATEMENT_MAX
from proposals.models import Axis
from workshops.models import Workshop


class ConversationForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=300)
    description = forms.CharField(
        label=_("Présentation"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    axis = forms.ModelChoiceField(
        label=_("Axe"), queryset=Axis.objects.all(), required=False, empty_label=_("Aucun")
    )
    workshop = forms.ModelChoiceField(
        label=_("Atelier"), queryset=None, required=False, empty_label=_("Aucun")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["workshop"].queryset = Workshop.objects.order_by("-starts_at", "-id")


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Votre affirmation"),
        help_text=_("Une idée courte que d'autres pourront approuver ou non (140 caractères)."),
        max_length=STATEMENT_MAX,
        widget=forms.TextInput(attrs={"maxlength": STATEMENT_MAX, "autocomplete": "off"}),
        error_messages={"required": _("Écrivez une affirmation.")},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=500,
        error_messages={"required": _("Indiquez un motif.")},
    )


class PromoteForm(forms.Form):
    axis = forms.ModelChoiceField(label=_("Axe"), queryset=Axis.objects.all(), required=False)
