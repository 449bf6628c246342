"""API authentication: the Django session (with CSRF) or a personal token (``Authorization: Bearer``).

``api_auth`` is the list django-ninja tries in order on endpoints that need a
signed-in person; ``api_user(request)`` gives the person, if any, on public
endpoints (a bad token there is still an error: it never silently becomes
anonymous).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from accounts.rules import is_signed_in
from accounts.tokens import token_authenticate
from project.errors import PermissionDeniedError


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer agir_…`` against ``accounts.ApiToken`` (SHA-256 digests)."""

    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token.strip())
        if user is None:
            raise AuthenticationError
        request.user = user
        request.api_token_auth = True  # type: ignore[attr-defined]  # marks a token request
        return user


class SessionCsrfAuth(APIKeyCookie):
    """The browser session; unsafe methods need the CSRF token (header ``X-CSRFToken``)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest):
        unsafe = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        if unsafe and request.user.is_authenticated and check_csrf(request) is not None:
            raise PermissionDeniedError(
                "csrf_failed", _("Jeton CSRF manquant ou invalide : rechargez la page.")
            )
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key):
        user = request.user
        if is_signed_in(user):
            return user
        return None


bearer_auth = BearerTokenAuth()
session_auth = SessionCsrfAuth()
api_auth = [bearer_auth, session_auth]


def api_user(request: HttpRequest):
    """The person behind a request on a public endpoint: token first, then session, else anonymous."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError
        return bearer_auth.authenticate(request, token)
    return request.user
