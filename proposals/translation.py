"""Fields of the founding document's axes and themes that exist in French and in English."""

from modeltranslation.translator import TranslationOptions, register

from proposals.models import Axis


@register(Axis)
class AxisTranslation(TranslationOptions):
    fields = ("title", "short_title", "description")
    required_languages = ("fr",)
