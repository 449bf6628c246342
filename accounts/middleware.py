from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse

# Staff may only reach these until they have set up TOTP.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/jsi18n/")


class StaffMFARequiredMiddleware:
    """Staff accounts must have TOTP set up before doing anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and (user.is_staff or user.is_superuser)
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not _has_totp(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
