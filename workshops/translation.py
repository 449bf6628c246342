"""Fields of a workshop that its facilitators may give in French and in English."""

from modeltranslation.translator import TranslationOptions, register

from workshops.models import Workshop


@register(Workshop)
class WorkshopTranslation(TranslationOptions):
    fields = ("title", "description")
    required_languages = ("fr",)
