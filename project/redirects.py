"""Where a form may send its reader back: the one check of every ``next`` parameter.

A ``next`` target is followed only when it stays on this site (same host; no scheme other
than http(s), https only on a secure request; ``//host``, ``/\\host`` and ``javascript:``
refused): Django's ``url_has_allowed_host_and_scheme``, as allauth and the language switch
apply it. tests/security/test_open_redirects.py drives every door that reads one.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str = "", *, field: str = "next") -> str:
    """The request's ``next`` (POST, else GET) when it stays on this site, else ``default``."""
    target = request.POST.get(field) or request.GET.get(field) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
