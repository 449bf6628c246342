from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import College, User
from accounts.services import clean_display_name
from project.errors import DomainError


class DisplayNameField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        try:
            return clean_display_name(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form gains (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = DisplayNameField(
        label=_("Nom affiché"), max_length=60, help_text=_("Visible des autres participant·es.")
    )
    college = forms.ChoiceField(
        label=_("Collège"), choices=College.choices, help_text=_("À quel titre participez-vous ?")
    )
    accept_terms = forms.BooleanField(
        label=_("J'accepte les conditions d'utilisation et la politique de confidentialité"),
        required=True,
    )

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.college = self.cleaned_data["college"]
        user.terms_accepted_at = timezone.now()
        user.save(update_fields=["display_name", "college", "terms_accepted_at"])


class ProfileForm(forms.ModelForm):
    display_name = DisplayNameField(label=_("Nom affiché"), max_length=60)

    class Meta:
        model = User
        fields = ["display_name", "college", "organisation", "email_opt_in"]


class GuestClaimForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"))


class TermsForm(forms.Form):
    accept_terms = forms.BooleanField(
        label=_("J'accepte les conditions d'utilisation et la politique de confidentialité"),
        required=True,
    )


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Je comprends que mon compte sera supprimé définitivement : mon nom, mon adresse "
            "e-mail et mes accès disparaissent ; mes contributions restent, sans mon nom."
        ),
        required=True,
        error_messages={"required": _("Cochez la case pour confirmer la suppression.")},
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    q = forms.CharField(label=_("Rechercher (objet, auteur·rice)"), required=False, max_length=100)
    since = forms.DateField(
        label=_("Depuis le"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Toutes"))] + [(a, a) for a in actions]
