"""Template tags for language-aware text, built into every template (settings.TEMPLATES).

- ``{% colon %}``: « : » after a label, with French spacing only on French pages.
- ``{{ n|pct }}``: ``33 %`` in French, ``33%`` in English.
- ``{% written_lang %}``: `` lang="fr"`` on an element showing what a participant wrote, when
  the page is not in French: participants write in French, and a screen reader or a
  translator must not read their words as English.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from project.typography import colon as _colon
from project.typography import is_french
from project.typography import percent as _percent

register = template.Library()

WRITTEN_IN = settings.LANGUAGE_CODE  # the language participants write in (the platform's)


@register.simple_tag
def colon() -> str:
    return _colon()


@register.simple_tag
def written_lang() -> str:
    if is_french():
        return ""
    return mark_safe(f' lang="{WRITTEN_IN}"')  # noqa: S308 - a constant from settings


@register.filter
def pct(number) -> str:
    return _percent(number)
