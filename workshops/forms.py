from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import College
from workshops.models import Attendance


class JoinForm(forms.Form):
    """Join with a code: signed-in people give the code; guests also a name and a college."""

    code = forms.CharField(
        label=_("Code d'accès"),
        max_length=12,
        help_text=_(
            "6 caractères, affichés à l'écran de la salle ou envoyés par l'équipe d'animation."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "class": "join-code-input",
            }
        ),
    )
    display_name = forms.CharField(
        label=_("Votre nom affiché"),
        max_length=60,
        required=False,
        help_text=_("Un prénom ou un pseudonyme suffit : il s'affiche à côté de vos idées."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    college = forms.ChoiceField(
        label=_("Vous venez en tant que"), choices=College.choices, required=False
    )
    attendance = forms.ChoiceField(
        label=_("Vous participez"),
        choices=Attendance.choices,
        initial=Attendance.ON_SITE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, guest: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.guest = guest
        if guest:
            self.fields["display_name"].required = True
            self.fields["college"].required = True
        else:
            del self.fields["display_name"]
            del self.fields["college"]


class IdeaForm(forms.Form):
    axis = forms.ModelChoiceField(label=_("Axe"), queryset=None, required=False, empty_label=None)
    title = forms.CharField(label=_("Votre idée, en une phrase"), max_length=200)
    body = forms.CharField(
        label=_("Précisions (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    client_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        from proposals.models import Axis

        axes = workshop.axes.all()
        if not axes.exists():
            axes = Axis.objects.strategic()
        self.fields["axis"].queryset = axes
        if axes.count() == 1:
            self.fields["axis"].widget = forms.HiddenInput()
            self.fields["axis"].initial = axes.first().pk
