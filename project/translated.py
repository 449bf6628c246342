"""Fields that exist in French and in English (django-modeltranslation, `<app>/translation.py`).

Editors type the French in the plain field (`title`) and the English in `title_en`. Assigning
the plain field would write the column of the active language (the English one on an English
page): services write `french_field(...)` instead, so the plain field always means French.
"""

from __future__ import annotations

from modeltranslation.translator import NotRegistered, translator


def translated_fields(model) -> tuple[str, ...]:
    try:
        return tuple(translator.get_options_for_model(model).fields)
    except NotRegistered:
        return ()


def french_field(model, name: str) -> str:
    """The column a plain field's value goes to: `<name>_fr` if it is translated."""
    return f"{name}_fr" if name in translated_fields(model) else name


def bilingual(model, values: dict) -> dict:
    """Constructor arguments with both columns spelled out: `title` also as `title_fr`, and
    `title_en` kept (None when empty: the page then shows the French)."""
    out = dict(values)
    for name in translated_fields(model):
        if name in out:
            out[f"{name}_fr"] = out[name]
        if f"{name}_en" in out:
            out[f"{name}_en"] = out[f"{name}_en"] or None
        elif name in out:
            out[f"{name}_en"] = None
    return out
