"""``{% counted_label "registered" n %}``: the word after a live count, agreeing with it.

The span carries both forms (``data-one``, ``data-other``); when a script changes the
count (a presence frame, a new idea) it picks the form again (``agree`` in room.js and
console.js), with the page language's rule: French 0 and 1 singular, English 1 only.
Without a count yet (``None``: the connected figure before the socket's first frame)
the plural shows.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from workshops.figures import counted_label as _label

register = template.Library()


@register.simple_tag
def counted_label(key: str, n: int | None = None) -> str:
    text = _label(key, 2) if n is None else _label(key, n)
    return format_html(
        '<span data-plural-of="{}" data-one="{}" data-other="{}">{}</span>',
        key,
        _label(key, 1),
        _label(key, 2),
        text,
    )
