from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import College
from proposals.models import Axis
from workshops import steps
from workshops.models import Attendance, Place, Visibility, Workshop


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

        # Two rows say all the form needs (none, one, several): one query, not three.
        axes = workshop.axes.all()
        first = list(axes[:2])
        if not first:
            axes = Axis.objects.strategic()
            first = list(axes[:2])
        self.fields["axis"].queryset = axes
        if len(first) == 1:
            self.fields["axis"].widget = forms.HiddenInput()
            self.fields["axis"].initial = first[0].pk


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date and time picker; the value in the site's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class WorkshopForm(forms.Form):
    """A workshop's details, as a facilitator creates or edits them (the service checks them)."""

    title = forms.CharField(label=_("Titre"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        help_text=_("Ce que l'atelier cherche à produire, pour qui, comment s'y préparer."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    title_en = forms.CharField(
        label=_("Titre en anglais"),
        required=False,
        max_length=200,
        help_text=_("Pour les pages en anglais ; vide, elles montrent le texte français."),
    )
    description_en = forms.CharField(
        label=_("Description en anglais"),
        required=False,
        max_length=5000,
        help_text=_("Pour les pages en anglais ; vide, elles montrent le texte français."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    axes = forms.ModelMultipleChoiceField(
        label=_("Axes"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les idées de l'atelier se rangent sur ces axes du projet PMA 2030."),
    )
    starts_at = forms.DateTimeField(label=_("Début"), required=False, widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("Fin"), required=False, widget=DateTimeLocalInput())
    place = forms.ChoiceField(
        label=_("Lieu"), choices=Place.choices, initial=Place.ON_SITE, widget=forms.RadioSelect
    )
    location = forms.CharField(
        label=_("Adresse"),
        required=False,
        max_length=200,
        help_text=_("Pour les participant·es sur place : salle, rue, commune."),
    )
    capacity = forms.IntegerField(
        label=_("Capacité"),
        required=False,
        min_value=1,
        max_value=100000,
        help_text=_("Nombre maximal de participant·es ; laissez vide pour ne pas limiter."),
    )
    visibility = forms.ChoiceField(
        label=_("Visibilité"),
        choices=Visibility.choices,
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
        help_text=_(
            "Un atelier privé n'est ouvert qu'aux personnes invitées par l'équipe d'animation."
        ),
    )
    video_url = forms.CharField(
        label=_("Lien de visioconférence"),
        required=False,
        max_length=200,
        help_text=_(
            "Jitsi, BigBlueButton ou toute autre visio (https://…), pour les participant·es en ligne."
        ),
        widget=forms.URLInput,
    )
    livestream_url = forms.CharField(
        label=_("Diffusion en direct (adresse d'intégration)"),
        required=False,
        max_length=200,
        help_text=_("Adresse d'intégration (https://…) de la retransmission des plénières."),
        widget=forms.URLInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["axes"].queryset = Axis.objects.order_by("kind", "order")

    @classmethod
    def initial_for(cls, workshop: Workshop) -> dict:
        """The form's values for an existing workshop (times shown in the site's time zone)."""

        def local(value):
            return timezone.localtime(value) if value else None

        return {
            # The French columns, whatever the page's language (the plain fields are the French).
            "title": workshop.title_fr,
            "title_en": workshop.title_en or "",
            "description": workshop.description_fr,
            "description_en": workshop.description_en or "",
            "axes": list(workshop.axes.all()),
            "starts_at": local(workshop.starts_at),
            "ends_at": local(workshop.ends_at),
            "place": workshop.place,
            "location": workshop.location,
            "capacity": workshop.capacity,
            "visibility": workshop.visibility,
            "video_url": workshop.video_url,
            "livestream_url": workshop.livestream_url,
        }


class InviteForm(forms.Form):
    """Accounts to invite, one per line (or separated by commas): username or e-mail address."""

    identifiers = forms.CharField(
        label=_("Personnes à inviter"),
        max_length=5000,
        help_text=_(
            "Nom d'utilisateur·rice ou adresse e-mail d'un compte existant, un par ligne "
            "(ou séparés par des virgules)."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
    )

    MAX_PER_SUBMIT = 100

    def clean_identifiers(self) -> list[str]:
        raw = self.cleaned_data["identifiers"]
        seen: dict[str, str] = {}
        for item in re.split(r"[\s,;]+", raw):
            item = item.strip()
            if item and item.lower() not in seen:
                seen[item.lower()] = item
        if not seen:
            raise forms.ValidationError(_("Indiquez au moins un nom d'utilisateur·rice ou e-mail."))
        if len(seen) > self.MAX_PER_SUBMIT:
            raise forms.ValidationError(
                _("Au plus %(max)s personnes à la fois.") % {"max": self.MAX_PER_SUBMIT}
            )
        return list(seen.values())


class WorkshopCreateForm(WorkshopForm):
    """A new workshop's details, and the run sheet it starts from (``workshops.steps``)."""

    runsheet = forms.ChoiceField(
        label=_("Déroulé de départ"),
        required=False,
        initial="",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["runsheet"].choices = [
            (
                "",
                _(
                    "L'ordre du jour habituel (accueil, idéation, regroupement, débat, vote, synthèse)"
                ),
            ),
            *[(key, label) for key, label, _description in steps.template_choices()],
        ]
