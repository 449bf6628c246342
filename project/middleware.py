"""Project middleware: response headers on top of SecurityMiddleware and django-csp, and the
French-first choice of language."""

from __future__ import annotations

from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

# The platform needs none of these browser features; a page that someone
# managed to inject into could not use them either.
DEFAULT_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.value = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.value and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.value
        return response


# Compressed when the browser accepts it: text, JSON, XML, JavaScript, SVG. Images, PDFs and
# archives are compressed already.
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/xml")
COMPRESSIBLE_SUFFIXES = ("+json", "+xml")


class CompressionMiddleware(GZipMiddleware):
    """Pages, fragments and API answers gzipped (a room page: 60 KB of HTML, 9 KB on the
    wire), with Django's BREACH mitigation (random bytes in each gzip header; CSRF tokens
    are masked per response too). Static files never get here: WhiteNoise serves its
    pre-compressed copies (brotli, gzip) before this middleware.

    Streamed responses (the open-data and audit exports) are left alone: Django compresses
    an async stream chunk by chunk, each a gzip member of its own with its random bytes,
    which made a CSV export larger, not smaller."""

    def process_response(self, request, response):
        if response.streaming:
            return response
        content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if not (
            content_type.startswith(COMPRESSIBLE) or content_type.endswith(COMPRESSIBLE_SUFFIXES)
        ):
            return response
        return super().process_response(request, response)


API_PREFIX = "/api/"


def chosen_language(request) -> str:
    """The language picked with the FR/EN switch (Django's language cookie), else French.

    The browser's Accept-Language is not consulted: a first visit is always in the
    platform's language (settings.LANGUAGE_CODE), whatever the browser is set to.
    """
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, but pages are French first: English only by choice.

    Django's own middleware prefers the browser's Accept-Language over the site's language,
    so a browser set to English would get English on a first visit. Here pages follow the
    language cookie (set by the FR/EN switch through /i18n/setlang/) and nothing else.
    The JSON API (/api/) keeps Accept-Language negotiation: its clients have no switch.
    """

    def process_request(self, request):
        if request.path_info.startswith(API_PREFIX):
            return super().process_request(request)
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if request.path_info.startswith(API_PREFIX):
            return super().process_response(request, response)
        # The page depends on the cookie only (Vary: Cookie comes with the session/CSRF).
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
