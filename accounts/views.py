from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.forms import GuestClaimForm, ProfileForm
from accounts.services import guest_claim
from project.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Votre profil est enregistré."))
        return redirect("accounts:account")
    return render(request, "accounts/account.html", {"form": form, "claim_form": GuestClaimForm()})


@login_required
@require_http_methods(["POST"])
def claim(request: HttpRequest) -> HttpResponse:
    form = GuestClaimForm(request.POST)
    if form.is_valid():
        try:
            guest_claim(user=request.user, email=form.cleaned_data["email"], request=request)
        except DomainError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, _("Un e-mail de confirmation vous a été envoyé."))
            return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {"form": ProfileForm(instance=request.user), "claim_form": form},
        status=400,
    )
