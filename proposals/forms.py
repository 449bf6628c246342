from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import College
from proposals.models import Axis, ProposalStatus
from proposals.selectors import BoardQuery, new_seed
from proposals.services import BODY_MAX, COMMENT_MAX, REASON_MAX, TITLE_MAX

SORT_CHOICES = [
    ("random", _("Au hasard")),
    ("recent", _("Les plus récentes")),
    ("supported", _("Les plus soutenues")),
    ("consensus", _("Soutenues dans tous les collèges")),
    ("commented", _("Les plus commentées")),
    ("relevance", _("Pertinence (recherche)")),
]


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=200)
    axis = forms.ChoiceField(label=_("Axe"), required=False)
    status = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[("", _("Tous (sauf fusionnées)")), *ProposalStatus.choices],
    )
    college = forms.ChoiceField(
        label=_("Collège"), required=False, choices=[("", _("Tous")), *College.choices]
    )
    workshop = forms.ChoiceField(label=_("Atelier"), required=False)
    sort = forms.ChoiceField(label=_("Trier"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, axis_choices=(), workshop_choices=(), **kwargs):
        """``axis_choices`` and ``workshop_choices``: (slug, label) pairs (``filter_choices``)."""
        super().__init__(*args, **kwargs)
        self.fields["axis"].choices = [("", _("Tous les axes")), *axis_choices]
        self.fields["workshop"].choices = [("", _("Tous")), *workshop_choices]
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})

    def active_filters(self) -> list[dict]:
        """The filters in force, each with the query string that removes it (page reset).

        What the board shows as removable chips; the sort order is not a filter.
        """
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        chips = []
        for name in ("q", "axis", "status", "college", "workshop"):
            value = data.get(name)
            if not value:
                continue
            field = self.fields[name]
            shown = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
            rest = self.data.copy()
            for dropped in (name, "page"):
                rest.pop(dropped, None)
            chips.append({"label": field.label, "value": shown, "query": rest.urlencode()})
        return chips

    def to_query(self, *, seed: int, page: str | None, default_sort: str) -> BoardQuery:
        # An invalid filter value is dropped, the others kept (a stale link still shows a board).
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        try:
            page_number = int(page or 1)
        except ValueError:
            page_number = 1
        return BoardQuery(
            axis=data.get("axis", ""),
            status=data.get("status", ""),
            college=data.get("college", ""),
            workshop=data.get("workshop", ""),
            q=data.get("q", ""),
            sort=data.get("sort") or ("relevance" if data.get("q") else default_sort),
            seed=seed or new_seed(),
            page=page_number,
        ).normalized()


class ProposalForm(forms.Form):
    axis = forms.ModelChoiceField(
        label=_("Axe"),
        queryset=Axis.objects.all(),
        empty_label=_("— Choisissez un axe —"),
        error_messages={
            "required": _("Choisissez un axe."),
            "invalid_choice": _("Choisissez un axe dans la liste."),
        },
    )
    title = forms.CharField(
        label=_("Titre"),
        max_length=TITLE_MAX,
        help_text=_(
            "Une phrase qui dit l'idée, par exemple « Requalifier la friche de l'ancienne filature »."
        ),
        error_messages={"required": _("Donnez un titre à votre proposition.")},
    )
    body = forms.CharField(
        label=_("Votre proposition"),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=BODY_MAX,
        required=False,
        help_text=_("Markdown accepté : **gras**, *italique*, listes avec « - », liens."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Votre commentaire"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=COMMENT_MAX,
        error_messages={"required": _("Écrivez un commentaire.")},
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX,
        error_messages={"required": _("Indiquez un motif.")},
    )


class StatusForm(forms.Form):
    new_status = forms.ChoiceField(label=_("Nouveau statut"))
    reason = forms.CharField(
        label=_("Motif public"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX,
        required=False,
        help_text=_("Obligatoire pour « Non retenue » ; affiché sur la proposition."),
    )

    def __init__(self, *args, proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_status"].choices = [
            (value, ProposalStatus(value).label) for value in proposal.allowed_statuses()
        ]


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Numéro de la proposition qui reprend celle-ci"),
        min_value=1,
        error_messages={"required": _("Indiquez le numéro de la proposition cible.")},
    )
    reason = forms.CharField(
        label=_("Motif public"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
