"""Facilitators' pages: create and edit a workshop, invite people to a private one.

Thin views: the form checks types, the services check permissions and the rules,
and a refused change re-displays the form with what was typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from project.errors import DomainError, add_form_error
from workshops import rules, selectors, steps, views
from workshops.forms import InviteForm, WorkshopCreateForm, WorkshopForm
from workshops.models import Participant, Visibility, Workshop
from workshops.services import editing
from workshops.services.participants import participant_invite_by_identifier


def _managed_workshop(request: HttpRequest, slug: str, allowed) -> Workshop:
    """The workshop if ``allowed(user, workshop)``; 403 to those who can see it, 404 to others."""
    return views.or_http_error(selectors.get_workshop_to_manage, request.user, slug, allowed)


@login_required
@require_http_methods(["GET", "POST"])
def workshop_create(request: HttpRequest) -> HttpResponse:
    if not rules.can_create_workshop(request.user):
        raise PermissionDenied(_("Réservé aux animateur·rices du Codev."))
    form = WorkshopCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        runsheet = data.pop("runsheet", "")
        try:
            with transaction.atomic():
                workshop = editing.workshop_create(actor=request.user, request=request, **data)
                if runsheet:
                    steps.runsheet_apply_template(
                        workshop=workshop, actor=request.user, template=runsheet, request=request
                    )
        except DomainError as error:
            add_form_error(form, error)
        else:
            if runsheet:
                messages.success(
                    request,
                    _(
                        "Atelier créé en brouillon, avec son code d'accès et le déroulé « %(name)s ». "
                        "Préparez-le ici, puis programmez-le."
                    )
                    % {"name": steps.TEMPLATES[runsheet]["label"]},
                )
                return redirect("workshops:console_page", slug=workshop.slug)
            messages.success(
                request,
                _(
                    "Atelier créé en brouillon, avec son code d'accès et l'ordre du jour habituel. "
                    "Programmez-le depuis la console pour qu'il apparaisse dans la liste."
                ),
            )
            return redirect(workshop.get_absolute_url())
    status = 400 if form.is_bound else 200
    return render(
        request,
        "workshops/workshop_form.html",
        {"form": form, "creating": True},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_edit(request: HttpRequest, slug: str) -> HttpResponse:
    workshop = _managed_workshop(request, slug, rules.can_edit_workshop)
    if workshop.state not in editing.EDITABLE_STATES:
        messages.error(request, _("Un atelier clos ou publié ne se modifie plus."))
        return redirect(workshop.get_absolute_url())
    if request.method == "POST":
        form = WorkshopForm(request.POST)
        if form.is_valid():
            try:
                editing.workshop_update(
                    workshop=workshop, actor=request.user, request=request, **form.cleaned_data
                )
            except DomainError as error:
                add_form_error(form, error)
            else:
                messages.success(request, _("Atelier enregistré."))
                return redirect(workshop.get_absolute_url())
        status = 400
    else:
        form = WorkshopForm(initial=WorkshopForm.initial_for(workshop))
        status = 200
    return render(
        request,
        "workshops/workshop_form.html",
        {"form": form, "creating": False, "workshop": workshop},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def workshop_invite(request: HttpRequest, slug: str) -> HttpResponse:
    workshop = _managed_workshop(request, slug, rules.is_workshop_facilitator)
    form = InviteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            invited, failed, errors = [], [], []
            for identifier in form.cleaned_data["identifiers"]:
                try:
                    participant = participant_invite_by_identifier(
                        workshop=workshop,
                        actor=request.user,
                        identifier=identifier,
                        request=request,
                    )
                except DomainError as error:
                    failed.append(identifier)
                    errors.append(error.message)
                else:
                    invited.append(participant.user.public_name)
            if invited:
                messages.success(
                    request,
                    _("Invité·es : %(names)s.") % {"names": ", ".join(invited)},
                )
            if not failed:
                return redirect("workshops:invite", slug=workshop.slug)
            # Keep only what was not done, so that it can be corrected and sent again.
            form = InviteForm(data={"identifiers": "\n".join(failed)})
            form.is_valid()
            for message in errors:
                form.add_error("identifiers", message)
    invited = (
        Participant.objects.filter(workshop=workshop, invited=True)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    return render(
        request,
        "workshops/workshop_invite.html",
        {
            "workshop": workshop,
            "form": form,
            "invited": invited,
            "is_private": workshop.visibility == Visibility.PRIVATE,
            "can_invite": workshop.state in editing.EDITABLE_STATES,
        },
        status=status,
    )
